// The command palette (Ctrl+K or /) and the shortcuts help (?). Loaded with defer on every
// staff page; until a shortcut is pressed it only listens for keys: the dialogs are built on
// first use. Without JavaScript the header's search form leads to the same results (/search).
(function () {
  "use strict";
  var form = document.querySelector("form[data-palette]");
  if (!form) { return; }
  var endpoint = form.getAttribute("data-palette");
  var texts = JSON.parse(form.getAttribute("data-palette-texts") || "{}");  // in the page's language
  function t(key, english) { return texts[key] || english; }
  var palette = null, help = null, opener = null, handOver = false;
  var timer = null, controller = null, pending = false, goWhenReady = false;
  var hits = [], active = -1, jump = null;

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  function make(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text) { node.textContent = text; }
    return node;
  }

  function buildPalette() {
    var dialog = make("dialog", {"class": "palette", "aria-labelledby": "palette-title", "aria-modal": "true"});
    dialog.appendChild(make("h2", {"id": "palette-title", "class": "visually-hidden"}, t("title", "Go to an account, page or action")));
    var input = make("input", {
      "id": "palette-input", "class": "form-control", "type": "text", "role": "combobox",
      "aria-label": t("label", "Account number, company, contact email, page or action"),
      "aria-controls": "palette-list", "aria-expanded": "false", "aria-autocomplete": "list",
      "autocomplete": "off", "spellcheck": "false",
      "placeholder": t("placeholder", "Account number, company, email, page or action")
    });
    var list = make("ul", {"id": "palette-list", "role": "listbox", "aria-label": t("results", "Results"), "class": "palette-list"});
    var status = make("p", {"class": "visually-hidden", "role": "status", "aria-live": "polite"});
    var hint = make("p", {"class": "palette-hint small mb-0"}, t("hint", "↑ ↓ move · Enter go · Esc close · ? shortcuts"));
    [input, list, status, hint].forEach(function (node) { dialog.appendChild(node); });
    input.addEventListener("input", function () { schedule(input.value); });
    input.addEventListener("keydown", onKey);
    list.addEventListener("click", function (event) {
      var option = event.target.closest("[role=option]");
      if (option) { go(Number(option.getAttribute("data-index"))); }
    });
    dialog.addEventListener("close", restoreFocus);
    document.body.appendChild(dialog);
    return {dialog: dialog, input: input, list: list, status: status};
  }

  function buildHelp() {
    var dialog = make("dialog", {"class": "palette palette-help", "aria-labelledby": "palette-help-title", "aria-modal": "true"});
    dialog.appendChild(make("h2", {"id": "palette-help-title", "class": "h5"}, t("shortcuts", "Keyboard shortcuts")));
    var table = make("table", {"class": "table table-sm mb-3"});
    var body = make("tbody");
    [[t("keysOpen", "Ctrl + K or /"), t("open", "Open the search box (/ not while typing in a field)")],
     ["↑ ↓", t("move", "Move through the results")], ["Enter", t("go", "Go to the chosen result")],
     ["Esc", t("close", "Close the search box or this help")], ["?", t("help", "Show these shortcuts")]
    ].forEach(function (row) {
      var tr = make("tr");
      tr.appendChild(make("th", {"scope": "row"}, row[0]));
      tr.appendChild(make("td", {}, row[1]));
      body.appendChild(tr);
    });
    table.appendChild(body);
    dialog.appendChild(table);
    var close = make("button", {"type": "button", "class": "btn btn-secondary btn-sm"}, "Close");
    close.addEventListener("click", function () { dialog.close(); });
    dialog.appendChild(close);
    dialog.addEventListener("close", restoreFocus);
    document.body.appendChild(dialog);
    return {dialog: dialog, close: close};
  }

  function restoreFocus() {
    if (handOver) { handOver = false; return; }  // the help gave way to the palette
    if (opener && document.contains(opener)) { opener.focus(); }
    opener = null;
  }

  function openPalette() {
    if (!palette) { palette = buildPalette(); }
    if (palette.dialog.open) { palette.input.select(); return; }
    if (help && help.dialog.open) { handOver = true; help.dialog.close(); }
    opener = opener || document.activeElement;
    palette.dialog.showModal();
    palette.input.value = "";
    palette.input.focus();
    schedule("");
  }

  function openHelp() {
    if (!help) { help = buildHelp(); }
    if (help.dialog.open) { return; }
    opener = document.activeElement;
    help.dialog.showModal();
    help.close.focus();
  }

  function schedule(q) {
    clearTimeout(timer);
    pending = true;
    timer = setTimeout(function () { fetchResults(q); }, 80);
  }

  function fetchResults(q) {
    if (controller) { controller.abort(); }
    controller = new AbortController();
    var url = endpoint + "?q=" + encodeURIComponent(q.trim());
    fetch(url, {signal: controller.signal, headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(function (body) { if (body.q === q.trim().split(/\s+/).join(" ").slice(0, 200)) { show(body); } })
      .catch(function (error) {
        if (error && error.name === "AbortError") { return; }
        pending = false;
        palette.status.textContent = t("failed", "Search failed; press Enter to search on a page.");
      });
  }

  function show(body) {
    pending = false;
    hits = body.results;
    jump = body.jump;
    palette.list.textContent = "";
    hits.forEach(function (hit, index) {
      var option = make("li", {"role": "option", "id": "palette-option-" + index, "data-index": String(index), "aria-selected": "false", "class": "palette-option"});
      option.appendChild(make("span", {"class": "palette-label"}, hit.label));
      option.appendChild(make("span", {"class": "visually-hidden"}, ", "));
      option.appendChild(make("span", {"class": "palette-detail"}, hit.detail));
      palette.list.appendChild(option);
    });
    palette.input.setAttribute("aria-expanded", hits.length ? "true" : "false");
    palette.status.textContent = hits.length ? t("count", "{count} results").replace("{count}", hits.length) : t("none", "No results");
    activate(hits.length ? 0 : -1);
    if (goWhenReady) { goWhenReady = false; go(active); }
  }

  function activate(index) {
    var options = palette.list.querySelectorAll("[role=option]");
    options.forEach(function (option, i) { option.setAttribute("aria-selected", i === index ? "true" : "false"); });
    active = index;
    if (index < 0) { palette.input.removeAttribute("aria-activedescendant"); return; }
    palette.input.setAttribute("aria-activedescendant", "palette-option-" + index);
    options[index].scrollIntoView({block: "nearest"});
  }

  function go(index) {
    var target = index >= 0 && hits[index] ? hits[index].url : jump;
    if (target) { window.location.assign(target); return; }
    var q = palette.input.value.trim();
    if (q) { window.location.assign(form.getAttribute("action") + "?q=" + encodeURIComponent(q)); }
  }

  function onKey(event) {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (!hits.length) { return; }
      var step = event.key === "ArrowDown" ? 1 : -1;
      activate((active + step + hits.length) % hits.length);
    } else if (event.key === "Enter") {
      event.preventDefault();
      if (pending) { goWhenReady = true; } else { go(active); }
    }
  }

  document.addEventListener("keydown", function (event) {
    var key = event.key;
    if ((event.ctrlKey || event.metaKey) && !event.altKey && (key === "k" || key === "K")) {
      event.preventDefault();
      openPalette();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) { return; }
    if (document.querySelector("dialog[open]")) { return; }
    if (key === "/") { event.preventDefault(); openPalette(); }
    else if (key === "?") { event.preventDefault(); openHelp(); }
  });
})();
