// Searchable long lists on the account form (Tom Select, vendored). Without JavaScript each is
// a text input with a short <datalist> of suggestions. With it, the full lists come from one
// static JSON file (<form data-choices-url>) whose name carries a hash of its content, so the
// browser keeps it ("force-cache") until a release changes the lists, and so the name.
// "create" fields also accept a value that is not listed (a BCP 47 tag); the server checks all.
(function () {
  "use strict";
  var form = document.querySelector("form[data-choices-url]");
  if (!form || !window.TomSelect || !window.fetch) { return; }

  function options(list, current) {
    var found = false;
    var result = list.map(function (pair) {
      if (pair[0] === current) { found = true; }
      return {value: pair[0], text: pair[1]};
    });
    if (current && !found) { result.unshift({value: current, text: current}); }
    return result;
  }

  function enhance(input, list) {
    var current = input.value.trim();
    input.removeAttribute("list");  // the hidden original no longer offers its own suggestions
    var tom = new window.TomSelect(input, {
      options: options(list, current),
      items: current ? [current] : [],
      maxItems: 1,
      create: input.getAttribute("data-searchable") === "create",
      maxOptions: 1000,
      selectOnTab: true
    });
    // The visible search box carries the field's help and error; the hidden original input
    // stays in the form but leaves the accessibility tree, so it is not announced twice.
    tom.control_input.setAttribute("aria-describedby", input.getAttribute("aria-describedby") || "");
    if (input.getAttribute("aria-invalid")) { tom.control_input.setAttribute("aria-invalid", "true"); }
    input.setAttribute("aria-hidden", "true");
  }

  fetch(form.getAttribute("data-choices-url"), {cache: "force-cache", credentials: "same-origin"})
    .then(function (response) {
      if (!response.ok) { throw new Error("choices: HTTP " + response.status); }
      return response.json();
    })
    .then(function (lists) {
      form.querySelectorAll("input[data-searchable]").forEach(function (input) {
        enhance(input, lists[input.name] || []);
      });
    })
    .catch(function (error) {
      // The inputs and their suggestions keep working; say why the lists are short.
      if (window.console) { window.console.warn(error); }
    });
})();
