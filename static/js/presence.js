// Presence on an edit form: renew "I am editing" every few seconds and show who else is.
// Without this script the server-rendered notice still shows who was there at page load.
(function () {
  "use strict";
  var box = document.querySelector("[data-presence-url]");
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-presence-url");
  var leaveUrl = box.getAttribute("data-leave-url");
  var every = (parseInt(box.getAttribute("data-poll-seconds"), 10) || 5) * 1000;
  var shown = box.getAttribute("data-names") || "";
  var timer = null;

  function render(names) {
    var text = names.join(", ");
    if (text === shown) { return; }  // unchanged: nothing new to announce
    shown = text;
    box.textContent = "";
    if (!names.length) { return; }
    var notice = document.createElement("p");
    notice.className = "alert alert-warning py-2 mb-3";
    notice.textContent = (box.getAttribute("data-text-editing") || "Also editing: {names}").replace("{names}", text);
    box.appendChild(notice);
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data && data.editors) { render(data.editors); } })
      .catch(function () { /* offline or signed out: try again later */ })
      .then(function () { timer = window.setTimeout(poll, every); });
  }

  function leave() {
    window.clearTimeout(timer);
    var token = document.querySelector("input[name=csrf_token]");
    if (navigator.sendBeacon && token) {
      var body = new FormData();
      body.append("csrf_token", token.value);
      navigator.sendBeacon(leaveUrl, body);
    }
  }

  timer = window.setTimeout(poll, every);
  window.addEventListener("pagehide", leave);
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) { window.clearTimeout(timer); poll(); }  // back from the page cache
  });
})();
