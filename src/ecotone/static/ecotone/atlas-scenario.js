/*
 * The scenario page's map: the areas coloured by today's access, the hypothetical programs of
 * the form as numbered markers, and, after a preview, the areas that stop being deserts.
 *
 * A click on the map places the chosen program (the last one whose "Place on the map" was
 * pressed, or whose fields were last focused): in person, it fills the latitude and longitude;
 * mobile, it adds a stop. Everything the map does can be typed in the form instead.
 */
(function () {
  "use strict";

  function round(value) {
    return Math.round(value * 100000) / 100000;
  }

  function ScenarioMap(element) {
    this.element = element;
    this.data = element.dataset;
    this.panel = element.closest(".scenario-map-panel");
    this.status = document.getElementById("scenario-map-status");
    this.form = document.getElementById("scenario-programs");
    this.panel.hidden = false;
    this.panel.parentElement.classList.add("with-map");
    this.map = L.map(element, { zoomSnap: 0.5 });
    var region = window.EcotoneAtlasMap.regionOf(element);
    if (region) {
      this.map.fitBounds(region);
    } else {
      this.map.setView([39.8, -98.6], 4);
    }
    window.EcotoneAtlasMap.addTiles(this.map, element, document.getElementById("map-tiles-failed"));
    this.programs = L.layerGroup().addTo(this.map);
    this.closed = L.layerGroup().addTo(this.map);
    this.active = null;
    this.loadAreas();
    this.bindForm();
    this.drawPrograms();
    this.drawClosed();
    this.map.on("click", this.onClick, this);
  }

  ScenarioMap.prototype.loadAreas = function () {
    var self = this;
    window.EcotoneOverlay.fetch(this.data.geojsonUrl)
      .then(function (collection) {
        var layer = window.EcotoneOverlay.layer(collection).addTo(self.map);
        layer.bringToBack();
        // A click on an area places the program there too, rather than opening its popup
        // while a program is waiting to be placed.
        layer.eachLayer(function (marker) {
          marker.on("click", function (event) {
            if (self.active) {
              L.DomEvent.stopPropagation(event);
              marker.closePopup();
              self.place(event.latlng);
            }
          });
        });
        self.element.dataset.features = String(collection.features.length);
        if (collection.features.length) {
          self.map.fitBounds(layer.getBounds(), { padding: [16, 16], maxZoom: 13 });
        }
      })
      .catch(function () {
        // The form works without the areas on the map.
      });
  };

  ScenarioMap.prototype.fieldsets = function () {
    return Array.prototype.slice.call(this.form.querySelectorAll("fieldset.hypothetical-program"));
  };

  ScenarioMap.prototype.delivery = function (fieldset) {
    var checked = fieldset.querySelector("input[name$='-delivery']:checked");
    return checked ? checked.value : "in_person";
  };

  ScenarioMap.prototype.nameOf = function (fieldset) {
    var input = fieldset.querySelector("input[name$='-name']");
    var text = input && input.value.trim();
    return text || fieldset.querySelector("legend").textContent.trim();
  };

  ScenarioMap.prototype.choose = function (fieldset) {
    this.active = fieldset;
    this.fieldsets().forEach(function (each) {
      var button = each.querySelector(".place-on-map");
      var on = each === fieldset;
      each.classList.toggle("placing", on);
      if (button) {
        button.setAttribute("aria-pressed", on ? "true" : "false");
      }
    });
    this.element.classList.add("placing");
  };

  ScenarioMap.prototype.bindForm = function () {
    var self = this;
    this.fieldsets().forEach(function (fieldset, index) {
      var button = fieldset.querySelector(".place-on-map");
      if (button) {
        button.hidden = false;
        button.addEventListener("click", function () {
          self.choose(fieldset);
          self.element.focus({ preventScroll: false });
        });
      }
      fieldset.addEventListener("focusin", function () {
        self.choose(fieldset);
      });
      fieldset.addEventListener("change", function () {
        self.showWhere(fieldset);
        self.drawPrograms();
      });
      self.showWhere(fieldset);
      if (index === 0) {
        self.choose(fieldset);
      }
    });
    this.element.setAttribute("tabindex", "0");
  };

  /* Only the fields of the chosen delivery: a place, stops, or none for a virtual program. */
  ScenarioMap.prototype.showWhere = function (fieldset) {
    var delivery = this.delivery(fieldset);
    var inPerson = fieldset.querySelector(".where-in-person");
    var mobile = fieldset.querySelector(".where-mobile");
    var button = fieldset.querySelector(".place-on-map");
    if (inPerson) {
      inPerson.hidden = delivery !== "in_person";
    }
    if (mobile) {
      mobile.hidden = delivery !== "mobile";
    }
    if (button) {
      button.hidden = delivery === "virtual";
    }
  };

  ScenarioMap.prototype.say = function (text) {
    if (this.status && text) {
      this.status.textContent = text;
    }
  };

  ScenarioMap.prototype.onClick = function (event) {
    if (this.active) {
      this.place(event.latlng);
    }
  };

  ScenarioMap.prototype.place = function (latlng) {
    var fieldset = this.active;
    var lat = round(latlng.lat);
    var lon = round(latlng.lng);
    var name = this.nameOf(fieldset);
    var delivery = this.delivery(fieldset);
    var label;
    if (delivery === "virtual") {
      this.say(this.data.labelVirtual.replace("{program}", name));
      return;
    }
    if (delivery === "mobile") {
      var stops = fieldset.querySelector("textarea[name$='-stops']");
      var lines = stops.value.split("\n").filter(function (line) { return line.trim(); });
      lines.push(lat + ", " + lon);
      stops.value = lines.join("\n");
      label = this.data.labelStop;
    } else {
      fieldset.querySelector("input[name$='-latitude']").value = lat;
      fieldset.querySelector("input[name$='-longitude']").value = lon;
      fieldset.querySelector("input[name$='-zip_code']").value = "";
      label = this.data.labelPlaced;
    }
    this.say(label.replace("{program}", name).replace("{lat}", lat).replace("{lon}", lon));
    this.drawPrograms();
  };

  ScenarioMap.prototype.pointsOf = function (fieldset) {
    var delivery = this.delivery(fieldset);
    if (delivery === "in_person") {
      var lat = parseFloat(fieldset.querySelector("input[name$='-latitude']").value);
      var lon = parseFloat(fieldset.querySelector("input[name$='-longitude']").value);
      return isFinite(lat) && isFinite(lon) ? [[lat, lon]] : [];
    }
    if (delivery === "mobile") {
      return fieldset
        .querySelector("textarea[name$='-stops']")
        .value.split("\n")
        .map(function (line) { return line.split(",").map(Number); })
        .filter(function (pair) { return pair.length === 2 && isFinite(pair[0]) && isFinite(pair[1]); });
    }
    return [];
  };

  ScenarioMap.prototype.drawPrograms = function () {
    var self = this;
    this.programs.clearLayers();
    this.fieldsets().forEach(function (fieldset) {
      var removed = fieldset.querySelector("input[name$='-DELETE']");
      if (removed && removed.checked) {
        return;
      }
      var number = fieldset.dataset.number;
      var name = self.nameOf(fieldset);
      var points = self.pointsOf(fieldset);
      if (points.length > 1) {
        L.polyline(points, { color: "#1a1a1a", weight: 2, dashArray: "6 6", interactive: false })
          .addTo(self.programs);
      }
      points.forEach(function (point) {
        var icon = L.divIcon({ className: "hypothetical-marker", html: String(number), iconSize: L.point(26, 26) });
        L.marker(point, { icon: icon, title: name, keyboard: false }).addTo(self.programs);
      });
    });
  };

  ScenarioMap.prototype.drawClosed = function () {
    var self = this;
    var items = document.querySelectorAll(".scenario-preview .closed-deserts li");
    Array.prototype.forEach.call(items, function (item) {
      var lat = parseFloat(item.dataset.lat);
      var lon = parseFloat(item.dataset.lon);
      if (!isFinite(lat) || !isFinite(lon)) {
        return;
      }
      var icon = L.divIcon({ className: "closed-marker", html: "✓", iconSize: L.point(22, 22) });
      L.marker([lat, lon], { icon: icon, title: item.dataset.name + " — " + self.data.labelClosed, keyboard: false })
        .addTo(self.closed);
    });
  };

  document.addEventListener("DOMContentLoaded", function () {
    var element = document.getElementById("scenario-map");
    if (element && typeof L !== "undefined" && window.EcotoneOverlay && window.EcotoneAtlasMap) {
      new ScenarioMap(element);
    }
  });
})();
