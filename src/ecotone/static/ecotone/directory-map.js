/*
 * The program directory's map, beside the list it enhances (the list stays the directory:
 * without JavaScript, or when tiles cannot load, it has every program). On a phone the list
 * comes first and a list/map switch shows the map instead; the map starts when first shown.
 *
 * Everything comes from data- attributes of #program-map: the GeoJSON address, the tile URL
 * and attribution, the ecosystem's region, and the translated labels. The map shows the search
 * in the page's address, and follows it when htmx swaps the results. When the server clusters
 * the whole search (a very large directory), the map asks again for each viewport it moves to.
 */
(function () {
  "use strict";

  var MOVE_DELAY_MS = 300;
  var WIDE = "(min-width: 1024px)";  // as the finder's layout in ecotone.css
  var current = null;

  function escapeHtml(text) {
    var span = document.createElement("span");
    span.textContent = text;
    return span.innerHTML;
  }

  function boundsParam(bounds) {
    return [bounds.getWest(), bounds.getSouth(), bounds.getEast(), bounds.getNorth()]
      .map(function (value) { return value.toFixed(4); })
      .join(",");
  }

  function DirectoryMap(element) {
    this.element = element;
    this.data = element.dataset;
    this.panel = element.closest(".map-panel");
    this.layout = this.panel.parentElement;
    this.note = document.getElementById("map-tiles-failed");
    this.search = window.location.search;
    this.byViewport = false;
    this.request = 0;
    this.moveTimer = null;
    this.map = null;

    this.panel.hidden = false;
    this.note.hidden = true;
    this.layout.classList.add("with-map");
    this.watchSwitch();
    this.startWhenShown();
  }

  /* On a phone the list comes first; two buttons switch between it and the map. */
  DirectoryMap.prototype.watchSwitch = function () {
    var group = document.querySelector(".view-switch");
    if (!group) {
      return;
    }
    var buttons = group.querySelectorAll("button[data-show-view]");
    var self = this;
    this.show = function (view) {
      self.layout.dataset.view = view;
      Array.prototype.forEach.call(buttons, function (button) {
        button.setAttribute("aria-pressed", String(button.dataset.showView === view));
      });
      self.startWhenShown();
    };
    Array.prototype.forEach.call(buttons, function (button) {
      button.addEventListener("click", function () {
        self.show(button.dataset.showView);
      });
    });
    this.show("list");
    group.hidden = false;
    // Turning a tablet (or widening a window) shows the map beside the list.
    window.matchMedia(WIDE).addEventListener("change", function () {
      self.startWhenShown();
    });
  };

  /* Leaflet measures its box when it starts: a map hidden behind the list starts when shown. */
  DirectoryMap.prototype.startWhenShown = function () {
    if (!this.element.offsetWidth) {
      return;
    }
    if (this.map) {
      this.map.invalidateSize();
      return;
    }
    this.map = L.map(this.element, { zoomSnap: 0.5 });
    var region = (this.data.region || "").split(",").map(Number);
    if (region.length === 4 && region.every(isFinite)) {
      this.map.fitBounds([[region[1], region[0]], [region[3], region[2]]]);
    } else {
      this.map.setView([39.8, -98.6], 4);
    }
    this.addTiles();
    this.points = L.markerClusterGroup({
      iconCreateFunction: function (cluster) {
        return this.clusterIcon(cluster.getChildCount());
      }.bind(this),
      showCoverageOnHover: false,
      maxClusterRadius: 50,
    }).addTo(this.map);
    this.cells = L.layerGroup().addTo(this.map);
    this.map.on("moveend", this.onMove, this);
    this.overlay = null;
    this.watchOverlays();
    this.load(true);
  };

  /* Layers other domains register (ecotone/maplayers.py): one at a time, under the programs. */
  DirectoryMap.prototype.watchOverlays = function () {
    var choices = this.panel.querySelectorAll("input[name=map-overlay]");
    var legend = document.getElementById("map-overlay-legend");
    if (!choices.length || !legend || !window.EcotoneOverlay) {
      return;
    }
    var self = this;
    var request = 0;
    var shown = null;
    function load(choice, keep) {
      var mine = ++request;
      if (self.overlay && !keep) {
        self.map.removeLayer(self.overlay);
        self.overlay = null;
      }
      if (!keep) {
        legend.hidden = true;
        self.element.dataset.overlay = "";
      }
      shown = choice.checked && choice.dataset.url ? choice : null;
      if (!shown) {
        return;
      }
      // Every point when turned on (a national layer comes clustered, maplayers.py); then,
      // as the map moves, the viewport's.
      var url = choice.dataset.url;
      if (keep) {
        url += (url.indexOf("?") < 0 ? "?" : "&") +
          "bbox=" + boundsParam(self.map.getBounds().pad(0.2));
      }
      window.EcotoneOverlay.fetch(url)
          .then(function (collection) {
            if (mine !== request) {
              return;
            }
            if (self.overlay) {
              self.map.removeLayer(self.overlay);
            }
            self.overlay = window.EcotoneOverlay.layer(collection).addTo(self.map);
            self.overlay.bringToBack();
            window.EcotoneOverlay.legend(legend, collection, choice.parentElement.textContent.trim());
            self.element.dataset.overlay = choice.value;
            self.element.dataset.overlayFeatures = String(collection.features.length);
          })
          .catch(function () {
            // The layer is an extra: the programs stay on the map without it.
          });
    }
    Array.prototype.forEach.call(choices, function (choice) {
      choice.addEventListener("change", function () {
        load(choice, false);
      });
    });
    this.map.on("moveend", function () {
      if (shown) {
        load(shown, true);
      }
    });
  };

  DirectoryMap.prototype.addTiles = function () {
    var url = this.data.tileUrl;
    if (!url) {
      return;
    }
    var loaded = 0;
    var note = this.note;
    var element = this.element;
    L.tileLayer(url, { attribution: escapeHtml(this.data.tileAttribution || ""), maxZoom: 19 })
      .on("tileload", function () {
        loaded += 1;
        note.hidden = true;
        element.classList.remove("tiles-failed");
      })
      .on("tileerror", function () {
        if (!loaded) {
          note.hidden = false;
          element.classList.add("tiles-failed");
        }
      })
      .addTo(this.map);
  };

  DirectoryMap.prototype.clusterIcon = function (count) {
    var size = count < 10 ? 34 : count < 100 ? 40 : 48;
    var label = this.data.labelCluster.replace("{n}", count);
    return L.divIcon({
      className: "program-cluster",
      iconSize: L.point(size, size),
      html:
        '<span aria-hidden="true">' + count + "</span>" +
        '<span class="visually-hidden">' + escapeHtml(label) + "</span>",
    });
  };

  DirectoryMap.prototype.popup = function (properties) {
    var map = this.map;
    var box = document.createElement("div");
    box.className = "map-popup";
    box.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        map.closePopup();
      }
    });
    var link = document.createElement("a");
    link.href = properties.url;
    link.textContent = properties.name;
    box.appendChild(link);
    var details = document.createElement("p");
    details.textContent = properties.organization;
    if (properties.distance_mi !== undefined) {
      details.textContent +=
        " · " + this.data.labelDistance.replace("{miles}", properties.distance_mi.toFixed(1));
    }
    box.appendChild(details);
    if (properties.approximate) {
      var approximate = document.createElement("p");
      approximate.className = "map-popup-approximate";
      approximate.textContent = this.data.labelApproximate;
      box.appendChild(approximate);
    }
    return box;
  };

  DirectoryMap.prototype.programMarker = function (latlng, properties) {
    var approximate = Boolean(properties.approximate);
    var marker = L.marker(latlng, {
      icon: L.divIcon({
        className: "program-marker" + (approximate ? " approximate" : ""),
        iconSize: L.point(18, 18),
      }),
      title: approximate
        ? properties.name + " (" + this.data.labelApproximateShort + ")"
        : properties.name,
      riseOnHover: true,
    });
    marker.bindPopup(this.popup.bind(this, properties));
    // Keyboard users land in the popup they opened, and back on the marker when it closes.
    marker.on("popupopen", function (event) {
      event.popup.getElement().querySelector(".map-popup a").focus({ preventScroll: true });
    });
    marker.on("popupclose", function (event) {
      var active = document.activeElement;
      var popup = event.popup.getElement();
      if (active === document.body || (popup && popup.contains(active))) {
        marker.getElement().focus({ preventScroll: true });
      }
    });
    return marker;
  };

  DirectoryMap.prototype.cellMarker = function (latlng, count) {
    var map = this.map;
    return L.marker(latlng, { icon: this.clusterIcon(count) }).on("click", function () {
      map.setView(latlng, Math.min(map.getZoom() + 2, map.getMaxZoom()));
    });
  };

  DirectoryMap.prototype.load = function (fit) {
    var params = new URLSearchParams(this.search);
    params.delete("page");
    params.delete("sort");
    if (!fit && this.byViewport) {
      params.set("bbox", boundsParam(this.map.getBounds().pad(0.2)));
    }
    var request = ++this.request;
    var self = this;
    fetch(this.data.geojsonUrl + "?" + params.toString(), {
      headers: { Accept: "application/geo+json" },
      credentials: "same-origin",
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (collection) {
        if (request === self.request) {
          self.draw(collection, fit);
        }
      })
      .catch(function () {
        // The list beside the map still has every program; nothing more to say.
      });
  };

  DirectoryMap.prototype.draw = function (collection, fit) {
    var markers = [];
    var cells = [];
    var corners = [];
    collection.features.forEach(function (feature) {
      var latlng = L.latLng(feature.geometry.coordinates[1], feature.geometry.coordinates[0]);
      corners.push(latlng);
      if (feature.properties.cluster) {
        cells.push(this.cellMarker(latlng, feature.properties.count));
      } else {
        markers.push(this.programMarker(latlng, feature.properties));
      }
    }, this);
    this.points.clearLayers();
    this.cells.clearLayers();
    this.points.addLayers(markers);
    cells.forEach(function (cell) { this.cells.addLayer(cell); }, this);
    this.element.dataset.features = String(collection.features.length);
    if (fit) {
      // A whole search too big to send unclustered is fetched again for each viewport.
      this.byViewport = collection.clustered;
      if (corners.length) {
        this.map.fitBounds(L.latLngBounds(corners), { padding: [24, 24], maxZoom: 14 });
      }
    }
  };

  DirectoryMap.prototype.onMove = function () {
    if (!this.byViewport) {
      return;
    }
    window.clearTimeout(this.moveTimer);
    this.moveTimer = window.setTimeout(this.load.bind(this, false), MOVE_DELAY_MS);
  };

  DirectoryMap.prototype.follow = function (search) {
    if (search !== this.search) {
      this.search = search;
      if (this.map) {
        this.load(true);
      }
    }
  };

  function start() {
    var element = document.getElementById("program-map");
    if (!element || typeof L === "undefined" || typeof L.markerClusterGroup === "undefined") {
      return;
    }
    if (current && current.element === element) {
      return;
    }
    current = new DirectoryMap(element);
  }

  document.addEventListener("DOMContentLoaded", start);

  // The search form swaps #results (htmx) and pushes the new address: follow it.
  document.addEventListener("htmx:afterSettle", function (event) {
    var xhr = event.detail && event.detail.xhr;
    if (current && xhr && xhr.responseURL) {
      var url = new URL(xhr.responseURL);
      if (url.pathname === window.location.pathname) {
        current.follow(url.search);
      }
    }
  });

  // Back and forward restore a snapshot of the page, with a dead copy of the map in it:
  // replace that copy with an empty element and draw the map again.
  document.addEventListener("htmx:historyRestore", function () {
    var stale = document.getElementById("program-map");
    if (!stale) {
      return;
    }
    var fresh = stale.cloneNode(false);
    fresh.className = "program-map";
    fresh.removeAttribute("tabindex");
    fresh.removeAttribute("data-features");
    stale.replaceWith(fresh);
    current = null;
    start();
  });
})();
