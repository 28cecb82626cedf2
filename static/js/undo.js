// Undo offers: show the seconds left beside the button, and retire it when time is up.
// Without this script the button stays and the server answers 410 once the window has passed.
(function () {
  "use strict";
  document.querySelectorAll("form.undo-offer:not([data-counting])").forEach(function (form) {
    var left = parseInt(form.getAttribute("data-seconds-left"), 10) || 0;
    var shown = form.querySelector(".undo-countdown");
    var button = form.querySelector("button[type=submit]");
    form.setAttribute("data-counting", "");
    function tick() {
      if (left <= 0) {
        button.disabled = true;
        shown.removeAttribute("aria-hidden");
        shown.textContent = form.getAttribute("data-text-over") || "Undo is no longer available.";
        return;
      }
      shown.textContent = (form.getAttribute("data-text-left") || "{seconds} s left").replace("{seconds}", left);
      left -= 1;
      window.setTimeout(tick, 1000);
    }
    tick();
  });
})();
