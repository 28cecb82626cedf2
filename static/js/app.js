// Small behaviours for the server-rendered pages; everything works without them too.
(function () {
  "use strict";
  function applyTheme(choice) {
    var dark = choice === "dark" || (choice === "auto" && window.matchMedia("(prefers-color-scheme: dark)").matches);
    document.documentElement.setAttribute("data-bs-theme", dark ? "dark" : "light");
  }
  document.querySelectorAll("[data-theme-select]").forEach(function (select) {
    select.value = localStorage.getItem("theme") || "auto";
    select.addEventListener("change", function () {
      localStorage.setItem("theme", select.value);
      applyTheme(select.value);
    });
  });
  // Confirmation for destructive buttons: <form data-confirm="Really?">.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
  // Warn before leaving a form with unsaved changes: <form data-unsaved-warning>.
  document.querySelectorAll("form[data-unsaved-warning]").forEach(function (form) {
    var dirty = false;
    form.addEventListener("input", function () { dirty = true; });
    form.addEventListener("change", function () { dirty = true; });
    form.addEventListener("submit", function () { dirty = false; });
    window.addEventListener("beforeunload", function (event) {
      if (dirty) { event.preventDefault(); event.returnValue = ""; }
    });
  });
  // Move focus to an error summary when a form comes back with errors.
  var summary = document.querySelector("[data-error-summary]");
  if (summary) { summary.focus(); }
})();
