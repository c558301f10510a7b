/*
 * Coloured points laid over a Leaflet map, and their legend (ecotone/maplayers.py describes the
 * GeoJSON: each feature's properties carry name, color, details and outline; the collection's
 * legend member lists {color, label} and an optional note). Used by the program directory's map
 * for the layers other domains register, and by the atlas's own map.
 *
 * Nothing here is inserted as HTML: names and details come from data and are set as text.
 */
(function () {
  "use strict";

  var RADIUS = 7;

  function popup(properties) {
    var box = document.createElement("div");
    box.className = "map-popup";
    var title = document.createElement("strong");
    title.textContent = properties.name;
    box.appendChild(title);
    (properties.details || []).forEach(function (line) {
      var p = document.createElement("p");
      p.textContent = line;
      box.appendChild(p);
    });
    if (properties.url) {
      var link = document.createElement("a");
      link.href = properties.url;
      link.textContent = properties.link_label || properties.name;
      var p = document.createElement("p");
      p.appendChild(link);
      box.appendChild(p);
    }
    return box;
  }

  function circle(feature) {
    var properties = feature.properties;
    var strong = properties.outline === "strong";
    var latlng = L.latLng(feature.geometry.coordinates[1], feature.geometry.coordinates[0]);
    // A dark edge keeps light colours visible on light tiles (WCAG 1.4.11, 3:1 for graphics);
    // a thick one marks the points that matter most (deserts), so colour is not the only cue.
    var marker = L.circleMarker(latlng, {
      radius: strong ? RADIUS + 2 : RADIUS,
      color: "#1a1a1a",
      weight: strong ? 3 : 1,
      fillColor: properties.color || "#777777",
      fillOpacity: 0.85,
      className: "overlay-point" + (strong ? " strong" : ""),
    });
    marker.bindPopup(popup.bind(null, properties));
    // Leaflet inserts a string tooltip as HTML; a text node keeps an imported name as text.
    marker.bindTooltip(function () {
      return document.createTextNode(properties.name);
    });
    return marker;
  }

  /* A layer group of the collection's points (not yet on a map). */
  function layer(collection) {
    var group = L.featureGroup();
    collection.features.forEach(function (feature) {
      group.addLayer(circle(feature));
    });
    return group;
  }

  /* Fills `element` with the collection's legend: a swatch and a label per colour. */
  function legend(element, collection, title) {
    element.textContent = "";
    var entries = collection.legend || [];
    if (title) {
      var heading = document.createElement("p");
      heading.className = "map-legend-title";
      heading.textContent = title;
      element.appendChild(heading);
    }
    var list = document.createElement("ul");
    entries.forEach(function (entry) {
      var item = document.createElement("li");
      var swatch = document.createElement("span");
      swatch.className = "map-legend-swatch" + (entry.outline === "strong" ? " strong" : "");
      swatch.setAttribute("aria-hidden", "true");
      swatch.style.backgroundColor = entry.color || "transparent";
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(" " + entry.label));
      list.appendChild(item);
    });
    element.appendChild(list);
    if (collection.note) {
      var note = document.createElement("p");
      note.className = "muted";
      note.textContent = collection.note;
      element.appendChild(note);
    }
    element.hidden = false;
  }

  function fetchCollection(url) {
    return fetch(url, {
      headers: { Accept: "application/geo+json" },
      credentials: "same-origin",
    }).then(function (response) {
      if (!response.ok) {
        throw new Error("HTTP " + response.status);
      }
      return response.json();
    });
  }

  window.EcotoneOverlay = { layer: layer, legend: legend, fetch: fetchCollection };
})();
