// Import progress: polls the job's JSON while its dry run or apply runs, moves the bar, and
// reloads the page when the job's status changes. Without this script the page reloads itself
// (a <noscript> refresh), so the result is reached either way.
(function () {
  "use strict";
  var box = document.querySelector("[data-import-progress]");
  if (!box) { return; }
  var bar = box.querySelector("progress");
  var text = box.querySelector("[data-progress-text]");
  var status = box.getAttribute("data-status");
  function show(state) {
    if (state.status !== status) { window.location.reload(); return; }
    var total = Math.max(state.total || 0, state.done || 0, 1);
    bar.max = total;
    bar.value = state.done || 0;
    var lang = document.documentElement.lang || undefined;  // numbers as the page writes them
    text.textContent = (box.getAttribute("data-text-progress") || "{done} of about {total} rows done.")
      .replace("{done}", (state.done || 0).toLocaleString(lang)).replace("{total}", total.toLocaleString(lang));
    window.setTimeout(poll, 700);
  }
  function poll() {
    fetch(box.getAttribute("data-url"), { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { if (!response.ok) { throw new Error(response.status); } return response.json(); })
      .then(show)
      .catch(function () { window.setTimeout(poll, 2000); });
  }
  poll();
})();
