// The results page: the ranked list and the map point at each other.
// Tapping a list entry brings the map into view (on a phone it sits above
// the list), flies to the spot and opens its popup; clicking a marker
// highlights its list entry. (Images that fail to load are given their
// placeholder by a listener in base.html's head.)
(function () {
  "use strict";

  var cfgNode = document.getElementById("sa-map-config");
  if (!cfgNode) { return; }
  var cfg = JSON.parse(cfgNode.textContent);
  var map = window[cfg.map], markers = window[cfg.markers];
  if (!map || !markers) { return; }
  var pending = null;                // the moveend handler of the flight under way
  var list = document.querySelector(".sa-list");

  function highlight(rank) {
    var item = null;
    document.querySelectorAll(".sa-spot").forEach(function (el) {
      var on = el.getAttribute("data-rank") === String(rank);
      el.classList.toggle("sa-active", on);
      if (on) { item = el; }
    });
    return item;
  }

  // Scroll the list itself (beside the map) so that the entry shows. The
  // window is never scrolled: on a phone the list is below the map, and
  // scrolling down to the entry would take the opening popup off the screen.
  function revealInList(item) {
    if (!list || list.scrollHeight <= list.clientHeight + 1) { return; }
    var box = list.getBoundingClientRect(), at = item.getBoundingClientRect();
    if (at.top < box.top) {
      list.scrollTop += at.top - box.top - 8;
    } else if (at.bottom > box.bottom) {
      list.scrollTop += at.bottom - box.bottom + 8;
    }
  }

  function select(item) {
    var rank = item.getAttribute("data-rank"), marker = markers[rank];
    if (!marker) { return; }
    highlight(rank);
    // On a phone the map is above the list: bring it back into view first.
    var box = map.getContainer().getBoundingClientRect();
    if (box.top < 0 || box.bottom > window.innerHeight) {
      map.getContainer().scrollIntoView({block: "start", behavior: "smooth"});
    }
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
    var marker = markers[rank];
    // A popup taller or wider than a phone's map would open partly out of
    // sight: it scrolls inside instead, and keeps clear of the zoom buttons
    // (its frame adds about 45 px to the width of its content).
    var popup = marker.getPopup();
    if (popup) {
      var size = map.getSize();
      popup.options.maxHeight = Math.max(200, size.y - 70);
      popup.options.maxWidth = Math.max(180, Math.min(320, size.x - 100));
      popup.options.minWidth = Math.min(260, popup.options.maxWidth);
      popup.options.autoPanPaddingTopLeft = L.point(46, 8);
    }
    marker.on("click", function () {
      var item = highlight(rank);
      if (item) { revealInList(item); }
    });
  });
})();
