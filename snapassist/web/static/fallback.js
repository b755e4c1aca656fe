// An image that fails to load shows its generated placeholder (data-fallback).
// Loaded in the head, before any image exists: a thumbnail can fail before
// a script at the end of the page runs. Error events do not bubble, but
// they can be caught on the way down.
document.addEventListener("error", function (event) {
  "use strict";
  var img = event.target;
  if (!img || img.tagName !== "IMG") { return; }
  var fallback = img.getAttribute("data-fallback");
  if (fallback && img.getAttribute("src") !== fallback) { img.src = fallback; }
}, true);
