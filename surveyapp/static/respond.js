/* Peerscope respondent pages: show_if on the same page, and a local draft of typed answers.
   Everything works without this script: the server evaluates show_if and saves every page. */
(function () {
  "use strict";
  var alert = document.querySelector(".error-summary[role=alert]");
  if (alert) { alert.setAttribute("tabindex", "-1"); alert.focus(); }
  var form = document.querySelector("form.survey-page");
  if (!form) {
    /* review, saved, thank-you pages: every page is on the server now, so no answer stays on a shared device */
    try {
      for (var j = localStorage.length - 1; j >= 0; j--) {
        var stale = localStorage.key(j);
        if (stale && stale.indexOf("peerscope-draft:") === 0) { localStorage.removeItem(stale); }
      }
    } catch (e) { /* storage unavailable: nothing was kept */ }
    return;
  }

  function values(name) {
    var out = [];
    form.querySelectorAll('[name="' + CSS.escape(name) + '"]').forEach(function (el) {
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) { return; }
      if (el.value !== "" && el.value !== "-9") { out.push(el.value); }
    });
    return out;
  }

  function test(cond) {
    if (cond.all) { return cond.all.every(test); }
    if (cond.any) { return cond.any.some(test); }
    if (cond.not) { return !test(cond.not); }
    var got = values(cond.item).map(function (v) { var n = Number(v); return isNaN(n) ? v : n; });
    if ("answered" in cond) { return (got.length > 0) === cond.answered; }
    return got.some(function (v) {
      if ("equals" in cond) { return v === cond.equals; }
      if ("in" in cond) { return cond.in.indexOf(v) !== -1; }
      if ("gt" in cond) { return v > cond.gt; }
      if ("gte" in cond) { return v >= cond.gte; }
      if ("lt" in cond) { return v < cond.lt; }
      if ("lte" in cond) { return v <= cond.lte; }
      return false;
    });
  }

  var conditional = form.querySelectorAll("[data-show-if]");
  function refresh() {
    conditional.forEach(function (el) { el.hidden = !test(JSON.parse(el.getAttribute("data-show-if"))); });
  }

  /* Draft: typed answers kept in this browser until the page is saved, so a crash or a closed tab loses nothing. */
  var key = "peerscope-draft:" + form.getAttribute("data-draft-key");
  var prefix = key.replace(/-\d+$/, "-");
  function saveDraft() {
    var data = {};
    form.querySelectorAll("input, textarea").forEach(function (el) {
      if (!el.name || el.name === "csrf_token") { return; }
      if ((el.type === "radio" || el.type === "checkbox")) {
        if (el.checked) { (data[el.name] = data[el.name] || []).push(el.value); }
      } else if (el.value !== "") { data[el.name] = [el.value]; }
    });
    try { localStorage.setItem(key, JSON.stringify(data)); } catch (e) { /* private mode: no draft */ }
  }
  function restoreDraft() {
    var data;
    try {
      for (var i = localStorage.length - 1; i >= 0; i--) {
        var k = localStorage.key(i);
        if (k && k.indexOf(prefix) === 0 && k !== key) { localStorage.removeItem(k); } /* other pages are saved */
      }
      data = JSON.parse(localStorage.getItem(key) || "null");
    } catch (e) { return; }
    if (!data) { return; }
    Object.keys(data).forEach(function (name) {
      var els = form.querySelectorAll('[name="' + CSS.escape(name) + '"]');
      var filled = Array.prototype.some.call(els, function (el) {
        return (el.type === "radio" || el.type === "checkbox") ? el.checked : el.value !== "";
      });
      if (filled) { return; } /* what the server has wins */
      els.forEach(function (el) {
        if (el.type === "radio" || el.type === "checkbox") { el.checked = data[name].indexOf(el.value) !== -1; }
        else { el.value = data[name][0]; }
      });
    });
  }

  restoreDraft();
  refresh();
  form.addEventListener("input", function () { refresh(); saveDraft(); });
  form.addEventListener("change", function () { refresh(); saveDraft(); });
})();
