/*
 * A network's map: one marker per member ecosystem (at the centre of its programs' places, else
 * of its region), its popup linking to the ecosystem's public home. The places come in the page
 * (json_script); without JavaScript the map stays hidden and the list beside it has every
 * ecosystem with its links. Tiles as on the atlas's map (atlas-map.js).
 */
(function () {
  "use strict";

  function popup(place) {
    var box = document.createElement("div");
    box.className = "map-popup";
    var link = document.createElement("a");
    link.href = place.url;
    link.textContent = place.name;
    box.appendChild(link);
    var figures = document.createElement("p");
    figures.textContent = place.summary;
    box.appendChild(figures);
    return box;
  }

  function marker(place) {
    var found = L.marker([place.lat, place.lon], {
      icon: L.divIcon({ className: "program-marker network-marker", iconSize: L.point(22, 22) }),
      title: place.name,
      riseOnHover: true,
    });
    found.bindPopup(popup(place));
    // Keyboard users land on the popup's link, and back on the marker when it closes.
    found.on("popupopen", function (event) {
      event.popup.getElement().querySelector(".map-popup a").focus({ preventScroll: true });
    });
    found.on("popupclose", function (event) {
      var active = document.activeElement;
      var box = event.popup.getElement();
      if (active === document.body || (box && box.contains(active))) {
        found.getElement().focus({ preventScroll: true });
      }
    });
    return found;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var element = document.getElementById("network-map");
    var data = document.getElementById("network-places");
    if (!element || !data || typeof L === "undefined" || !window.EcotoneAtlasMap) {
      return;
    }
    var places = JSON.parse(data.textContent);
    element.closest(".network-map-panel").hidden = false;
    var map = L.map(element, { zoomSnap: 0.5 });
    window.EcotoneAtlasMap.addTiles(map, element, document.getElementById("map-tiles-failed"));
    var points = places.map(function (place) {
      marker(place).addTo(map);
      return [place.lat, place.lon];
    });
    if (points.length > 1) {
      map.fitBounds(points, { padding: [40, 40], maxZoom: 10 });
    } else if (points.length === 1) {
      map.setView(points[0], 9);
    } else {
      map.setView([39.8, -98.6], 4);
    }
    element.dataset.markers = String(points.length);
  });
})();
