// The home page of several cities: suggest city names while one is typed.
// Only an enhancement: the form is a plain GET that lists the matches.
(function () {
  "use strict";
  var input = document.querySelector("input[data-suggest]");
  var list = document.getElementById("sa-city-names");
  if (!input || !list || !window.fetch) { return; }
  var asked = "";
  var timer = null;
  function fill(cities) {
    while (list.firstChild) { list.removeChild(list.firstChild); }
    cities.forEach(function (city) {
      var option = document.createElement("option");
      option.value = city.name;
      option.label = (city.country ? city.country + ", " : "") +
        (city.n_photos === null ? "" : city.n_photos.toLocaleString() + " photos");
      list.appendChild(option);
    });
  }
  function ask() {
    var typed = input.value.trim();
    if (typed.length < 2 || typed === asked) { return; }
    asked = typed;
    fetch(input.dataset.suggest + "?q=" + encodeURIComponent(typed), {credentials: "same-origin"})
      .then(function (answer) { return answer.ok ? answer.json() : {cities: []}; })
      .then(function (body) { if (asked === typed) { fill(body.cities || []); } })
      .catch(function () { /* suggestions are a nicety: the form still works */ });
  }
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(ask, 150);
  });
}());
