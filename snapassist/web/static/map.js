// SnapAssist's map layers, added to each folium map by snapassist/web/map.py.
// Defines window.SnapAssistMap; every function takes the Leaflet map and
// plain JSON data, so no user text is ever compiled as code.
window.SnapAssistMap = (function () {
  "use strict";
  var PAD = 0.3;   // the canvas reaches this share of the view beyond each edge

  // The packed dots of map.py's pack_points: base64 of three little-endian
  // uint16 arrays (latitude and longitude steps, rank + 1) -> a flat
  // [lat, lon, rank, lat, lon, rank, ...]; rank < 1 is background.
  function unpack(packed) {
    var bytes = atob(packed.data), n = packed.n, data = new Float64Array(3 * n);
    function u16(k) { return bytes.charCodeAt(2 * k) | (bytes.charCodeAt(2 * k + 1) << 8); }
    for (var i = 0; i < n; i++) {
      var rank = u16(2 * n + i);
      data[3 * i] = packed.lat0 + u16(i) * packed.lat_step;
      data[3 * i + 1] = packed.lon0 + u16(n + i) * packed.lon_step;
      data[3 * i + 2] = rank === 0 ? -1 : rank;
    }
    return data;
  }

  // Every photo of the search as a small dot, painted on one canvas after
  // each move or zoom: 10,000 photos cost one canvas and ~10 ms, where
  // 10,000 L.circleMarker objects took over a second to create.
  function photoPoints(map, packed, colours, background) {
    var data = unpack(packed), order = [], i;
    // Background first so that cluster members are drawn on top.
    for (i = 0; i < data.length; i += 3) { if (data[i + 2] < 1) { order.push(i); } }
    for (i = 0; i < data.length; i += 3) { if (data[i + 2] >= 1) { order.push(i); } }
    var Layer = L.Layer.extend({
      onAdd: function (m) {
        this._canvas = L.DomUtil.create("canvas", "leaflet-zoom-hide sa-points");
        this._canvas.style.pointerEvents = "none";
        m.getPanes().overlayPane.appendChild(this._canvas);
        m.on("moveend resize", this._draw, this);
        this._draw();
      },
      onRemove: function (m) {
        m.off("moveend resize", this._draw, this);
        L.DomUtil.remove(this._canvas);
      },
      count: function () { return data.length / 3; },
      // Photo i as [lat, lon, rank]: lets a page (or a test) find what it drew.
      point: function (i) { return Array.from(data.slice(3 * i, 3 * i + 3)); },
      _draw: function () {
        var m = this._map, size = m.getSize(), ratio = window.devicePixelRatio || 1;
        var pad = size.multiplyBy(PAD).round(), full = size.add(pad.multiplyBy(2));
        var origin = m.containerPointToLayerPoint(pad.multiplyBy(-1));
        var canvas = this._canvas, ctx = canvas.getContext("2d");
        L.DomUtil.setPosition(canvas, origin);
        canvas.width = full.x * ratio; canvas.height = full.y * ratio;
        canvas.style.width = full.x + "px"; canvas.style.height = full.y + "px";
        ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
        ctx.lineWidth = 1; ctx.strokeStyle = "#ffffff";
        for (var k = 0; k < order.length; k++) {
          var j = order[k], rank = data[j + 2], member = rank >= 1;
          var p = m.latLngToLayerPoint([data[j], data[j + 1]]).subtract(origin);
          if (p.x < -5 || p.y < -5 || p.x > full.x + 5 || p.y > full.y + 5) { continue; }
          ctx.beginPath();
          ctx.arc(p.x, p.y, member ? 4 : 2.5, 0, 2 * Math.PI);
          ctx.globalAlpha = member ? 0.85 : 0.55;
          ctx.fillStyle = member ? colours[(rank - 1) % colours.length] : background;
          ctx.fill();
          if (member) { ctx.globalAlpha = 1; ctx.stroke(); }
        }
      }
    });
    return new Layer().addTo(map);
  }

  // A numbered marker with its popup at each spot centre; returns rank -> marker
  // so that the page can fly to a spot and open its popup.
  function spotMarkers(map, spots) {
    var markers = {};
    spots.forEach(function (s) {
      var icon = L.divIcon({
        className: "sa-rank-icon", iconSize: [28, 28], iconAnchor: [14, 14],
        popupAnchor: [0, -12],
        html: '<span style="background:' + s.colour + '">' + s.rank + "</span>"
      });
      markers[s.rank] = L.marker([s.lat, s.lon], {icon: icon, title: s.title,
                                                 zIndexOffset: 1000 - s.rank})
        .bindPopup(s.popup, {maxWidth: 320, minWidth: 260})
        .addTo(map);
    });
    return markers;
  }

  // The spots of the city's atlas: a marker each, its look by kind ("top":
  // among the best scored, "busy": among the most photographed, "both"),
  // labelled with its top subjects, its card as popup. Returns rank -> marker.
  function atlasMarkers(map, spots) {
    var markers = {}, size = map.getSize();
    // A card taller or wider than the map would open partly out of sight:
    // it scrolls inside instead (as on the results page).
    var maxWidth = Math.max(180, Math.min(320, size.x - 100));
    var fit = {maxWidth: maxWidth, minWidth: Math.min(240, maxWidth),
               maxHeight: Math.max(200, size.y - 70), autoPanPaddingTopLeft: L.point(46, 8)};
    spots.forEach(function (s) {
      var icon = L.divIcon({
        className: "sa-atlas-icon sa-atlas-" + s.kind, iconSize: [24, 24],
        iconAnchor: [12, 12], popupAnchor: [0, -10],
        html: "<span>" + s.rank + "</span>"
      });
      var marker = L.marker([s.lat, s.lon], {icon: icon, title: s.title,
                                             zIndexOffset: s.kind === "busy" ? 0 : 500})
        .bindPopup(s.popup, fit)
        .addTo(map);
      if (s.label) {
        // As text, never HTML: the label is made of photographers' tags.
        var label = document.createElement("span");
        label.textContent = s.label;
        // Clear of the badge, which widens with the rank's digits.
        marker.bindTooltip(label, {permanent: true, direction: "right",
                                   offset: [6 + 7 * String(s.rank).length, 0],
                                   className: "sa-atlas-label"});
      }
      markers[s.rank] = marker;
    });
    return markers;
  }

  // A click on the map (not on a marker) offers the spots around that point:
  // a popup linking to the search by place at ``url``.
  function whatElseHere(map, url) {
    map.on("click", function (event) {
      var at = event.latlng.wrap();
      var link = document.createElement("a");
      link.className = "sa-here-link";
      link.href = url + (url.indexOf("?") < 0 ? "?" : "&") + "lat=" + at.lat.toFixed(5) +
        "&lon=" + at.lng.toFixed(5);
      link.textContent = "What else is here?";
      L.popup({className: "sa-here-popup", minWidth: 120}).setLatLng(event.latlng)
        .setContent(link).openOn(map);
    });
  }

  return {photoPoints: photoPoints, spotMarkers: spotMarkers, atlasMarkers: atlasMarkers,
          whatElseHere: whatElseHere};
})();
