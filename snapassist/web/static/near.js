// "Use my location": fills a search by place's point from the browser's
// geolocation and sends the form. Without JavaScript or geolocation the
// button stays hidden and the form is typed in by hand.
(function () {
  "use strict";
  if (!("geolocation" in navigator)) { return; }
  document.querySelectorAll(".sa-near-form").forEach(function (form) {
    var button = form.querySelector(".sa-locate");
    var status = form.querySelector(".sa-locate-status");
    if (!button) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      button.disabled = true;
      status.textContent = "Finding you\u2026";
      navigator.geolocation.getCurrentPosition(function (position) {
        form.elements.lat.value = position.coords.latitude.toFixed(5);
        form.elements.lon.value = position.coords.longitude.toFixed(5);
        status.textContent = "";
        form.submit();
      }, function (error) {
        button.disabled = false;
        status.textContent = error.code === 1 ? "Location not allowed: type the point instead."
          : "Your location is not known: type the point instead.";
      }, {enableHighAccuracy: true, timeout: 15000, maximumAge: 60000});
    });
  });
})();
