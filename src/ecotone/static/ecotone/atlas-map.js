/*
 * The atlas page's map: every area as a circle coloured by access or need (the reader switches),
 * deserts with a thick edge. The legends are in the page already (server-rendered); this shows
 * the one that matches the colouring. Without JavaScript the map stays hidden and the priority
 * list below it has every area.
 */
(function () {
  "use strict";

  function escapeHtml(text) {
    var span = document.createElement("span");
    span.textContent = text;
    return span.innerHTML;
  }

  function addTiles(map, element, note) {
    var url = element.dataset.tileUrl;
    if (!url) {
      return;
    }
    var loaded = 0;
    L.tileLayer(url, {
      attribution: escapeHtml(element.dataset.tileAttribution || ""),
      maxZoom: 19,
    })
      .on("tileload", function () {
        loaded += 1;
        if (note) {
          note.hidden = true;
        }
      })
      .on("tileerror", function () {
        if (!loaded && note) {
          note.hidden = false;
        }
      })
      .addTo(map);
  }

  function regionOf(element) {
    var region = (element.dataset.region || "").split(",").map(Number);
    if (region.length === 4 && region.every(isFinite)) {
      return [[region[1], region[0]], [region[3], region[2]]];
    }
    return null;
  }

  function AtlasMap(element) {
    this.element = element;
    this.panel = element.closest(".atlas-map-panel");
    this.panel.hidden = false;
    this.map = L.map(element, { zoomSnap: 0.5 });
    var region = regionOf(element);
    if (region) {
      this.map.fitBounds(region);
    } else {
      this.map.setView([39.8, -98.6], 4);
    }
    addTiles(this.map, element, document.getElementById("map-tiles-failed"));
    this.layer = null;
    this.request = 0;
    this.fitted = false;
    var self = this;
    var choices = this.panel.querySelectorAll("input[name=colouring]");
    Array.prototype.forEach.call(choices, function (choice) {
      choice.addEventListener("change", function () {
        if (choice.checked) {
          self.show(choice.value);
        }
      });
    });
    var checked = this.panel.querySelector("input[name=colouring]:checked");
    this.colouring = checked ? checked.value : "access";
    this.show(this.colouring);
    // Once fitted, each view asks for its own areas: a national atlas comes in clusters until
    // the reader zooms in (the server clusters a crowded viewport, as on the program map).
    this.map.on("moveend", function () {
      if (self.fitted) {
        self.show(self.colouring, true);
      }
    });
  }

  function boundsParam(bounds) {
    return [bounds.getWest(), bounds.getSouth(), bounds.getEast(), bounds.getNorth()]
      .map(function (value) { return value.toFixed(4); })
      .join(",");
  }

  AtlasMap.prototype.show = function (colouring, inView) {
    var self = this;
    var mine = ++this.request;
    this.colouring = colouring;
    Array.prototype.forEach.call(this.panel.querySelectorAll(".map-legend"), function (legend) {
      legend.hidden = legend.dataset.colouring !== colouring;
    });
    var url = this.element.dataset.geojsonUrl + "?color=" + encodeURIComponent(colouring);
    if (inView || this.fitted) {
      url += "&bbox=" + boundsParam(this.map.getBounds().pad(0.2));
    }
    window.EcotoneOverlay.fetch(url)
      .then(function (collection) {
        if (mine !== self.request) {
          return;
        }
        if (self.layer) {
          self.map.removeLayer(self.layer);
        }
        self.layer = window.EcotoneOverlay.layer(collection).addTo(self.map);
        self.element.dataset.colouring = colouring;
        self.element.dataset.features = String(collection.features.length);
        if (!self.fitted && collection.features.length) {
          self.fitted = true;
          self.map.fitBounds(self.layer.getBounds(), { padding: [16, 16], maxZoom: 13 });
        }
      })
      .catch(function () {
        // The priority list has every area; the map is an extra.
      });
  };

  document.addEventListener("DOMContentLoaded", function () {
    var element = document.getElementById("atlas-map");
    if (element && typeof L !== "undefined" && window.EcotoneOverlay) {
      new AtlasMap(element);
    }
  });

  window.EcotoneAtlasMap = { addTiles: addTiles, regionOf: regionOf };
})();
