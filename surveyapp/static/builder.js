// The survey builder: recount questions and minutes per audience as instruments and parts are chosen.
// Progressive enhancement only: without this script the "Count questions" button does the same on the server.
(function () {
  "use strict";
  var form = document.getElementById("builder-form");
  var box = document.getElementById("lengths");
  if (!form || !box || !window.fetch || !window.FormData) return;
  var pending = null;

  function range(low, high) {
    return low === high ? String(high) : low + "\u2013" + high;
  }

  function show(lengths) {
    var tbody = box.querySelector("tbody");
    if (!tbody) return; // the first count comes from the server's page; later ones update it
    var rows = tbody.querySelectorAll("tr[data-audience]");
    rows.forEach(function (row) {
      var length = lengths[row.getAttribute("data-audience")];
      row.hidden = !length;
      if (!length) return;
      row.querySelector(".len-questions").textContent = range(length.questions_min, length.questions_max);
      row.querySelector(".len-pages").textContent = range(length.pages_min, length.pages_max);
      row.querySelector(".len-minutes").textContent = range(length.minutes_min, length.minutes_max);
    });
  }

  function recount() {
    var data = new FormData(form);
    data.set("action", "count");
    fetch(form.getAttribute("data-lengths-url"), {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (lengths) { if (lengths) show(lengths); })
      .catch(function () { /* the button still counts on the server */ });
  }

  form.addEventListener("change", function (event) {
    var name = event.target.name || "";
    if (name === "instruments" || name === "audiences" || name.indexOf("parts.") === 0 ||
        name.indexOf("order.") === 0 || name.indexOf("rule.") === 0) {
      window.clearTimeout(pending);
      pending = window.setTimeout(recount, 150);
    }
  });
})();
