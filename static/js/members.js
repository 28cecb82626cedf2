// Suggestions for the "add member" form: fills the email input's <datalist> with the emails of
// users who could be added. Without this script the form still works: type the email.
(function () {
  "use strict";
  document.querySelectorAll("input[data-candidates][list]").forEach(function (input) {
    var list = document.getElementById(input.getAttribute("list"));
    var timer = null;
    var asked = null;
    if (!list) { return; }
    function fill(emails) {
      list.replaceChildren.apply(list, emails.map(function (email) {
        var option = document.createElement("option");
        option.value = email;
        return option;
      }));
    }
    function lookup() {
      var q = input.value.trim();
      if (q === asked) { return; }
      asked = q;
      if (!q) { fill([]); return; }
      var url = input.getAttribute("data-candidates") + "?q=" + encodeURIComponent(q);
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : { emails: [] }; })
        .then(function (data) { if (input.value.trim() === q) { fill(data.emails || []); } })
        .catch(function () { /* suggestions are optional; typing the email still works */ });
    }
    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(lookup, 150);
    });
    // Someone quick may have typed before this deferred script ran: suggest for that too.
    if (input.value.trim()) { lookup(); }
  });
})();
