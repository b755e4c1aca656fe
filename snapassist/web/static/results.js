// Clicking a spot in the ranked list flies the map to it and opens its popup.
(function () {
  "use strict";
  var cfgNode = document.getElementById("sa-map-config");
  if (!cfgNode) { return; }
  var cfg = JSON.parse(cfgNode.textContent);
  var map = window[cfg.map], markers = window[cfg.markers];
  if (!map || !markers) { return; }
  var pending = null;                // the moveend handler of the flight under way

  function select(item) {
    var rank = item.getAttribute("data-rank"), marker = markers[rank];
    if (!marker) { return; }
    document.querySelectorAll(".sa-spot.sa-active").forEach(function (el) {
      el.classList.remove("sa-active");
    });
    item.classList.add("sa-active");
    var target = marker.getLatLng(), zoom = Math.max(Math.round(map.getZoom()), 15);
    if (pending) { map.off("moveend", pending); pending = null; }
    map.closePopup();
    if (map.getCenter().distanceTo(target) < 1 && map.getZoom() === zoom) {
      marker.openPopup();            // already there: no moveend will fire
      return;
    }
    // Open the popup once the flight has landed; a moveend can also come
    // from a movement the flight interrupted, so check the zoom first.
    pending = function () {
      if (Math.abs(map.getZoom() - zoom) > 1e-6) { return; }
      map.off("moveend", pending);
      pending = null;
      marker.openPopup();
    };
    map.on("moveend", pending);
    map.flyTo(target, zoom, {duration: 0.8});
  }

  document.querySelectorAll(".sa-spot").forEach(function (item) {
    item.querySelector("button").addEventListener("click", function () { select(item); });
  });
  // Carousel buttons inside popups (popups come and go: listen on the document).
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(".sa-prev, .sa-next");
    if (!button) { return; }
    var strip = button.closest(".sa-popup").querySelector(".sa-carousel");
    var step = button.classList.contains("sa-next") ? 1 : -1;
    strip.scrollBy({left: step * strip.clientWidth, behavior: "smooth"});
  });

  Object.keys(markers).forEach(function (rank) {
    markers[rank].on("click", function () {
      var item = document.querySelector('.sa-spot[data-rank="' + rank + '"]');
      if (item) { item.scrollIntoView({block: "nearest"}); }
    });
  });
})();
