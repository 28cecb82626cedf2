// Applies the remembered colour theme before the page paints (no flash of the wrong theme).
(function () {
  var stored = localStorage.getItem("theme") || "auto";
  var dark = stored === "dark" || (stored === "auto" && window.matchMedia("(prefers-color-scheme: dark)").matches);
  document.documentElement.setAttribute("data-bs-theme", dark ? "dark" : "light");
})();
