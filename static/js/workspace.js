/* ReviewDesk agent workspace: live SLA countdowns, copy-to-clipboard, length counters, row links.
   Plain browser JavaScript, no build step; texts come translated from #workspace-labels. */
(function () {
  "use strict";
  var labelsNode = document.getElementById("workspace-labels");
  var L = labelsNode ? JSON.parse(labelsNode.textContent) : {};

  function fill(template, values) {
    return String(template).replace(/%\((\w+)\)s/g, function (_m, key) { return values[key]; });
  }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function span(seconds) {
    seconds = Math.abs(seconds);
    var days = Math.floor(seconds / 86400), rest = seconds % 86400;
    var hours = Math.floor(rest / 3600), minutes = Math.floor((rest % 3600) / 60), secs = rest % 60;
    if (days) { return fill(L.days, { d: days, h: hours }); }
    return hours + ":" + pad(minutes) + ":" + pad(secs);
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll("time.countdown[data-due]").forEach(function (el) {
      var due = Date.parse(el.dataset.due), warn = el.dataset.warn ? Date.parse(el.dataset.warn) : NaN;
      if (isNaN(due)) { return; }
      var seconds = Math.floor((due - now) / 1000);
      el.textContent = fill(seconds < 0 ? L.over : L.left, { span: span(seconds) });
      el.classList.toggle("bad", seconds < 0);
      el.classList.toggle("warn", seconds >= 0 && !isNaN(warn) && now >= warn);
    });
  }

  function counters(root) {
    root.querySelectorAll("textarea[data-counter]").forEach(function (area) {
      var out = document.getElementById(area.dataset.counter);
      if (!out || area.dataset.counterBound) { return; }
      area.dataset.counterBound = "1";
      var max = parseInt(area.dataset.maxLength || "0", 10);
      var update = function () {
        var n = Array.from(area.value).length;
        out.textContent = max ? n + " / " + max : String(n);
        out.classList.toggle("bad", max > 0 && n > max);
      };
      area.addEventListener("input", update);
      update();
    });
  }

  function copyText(text, button) {
    var done = function () {
      var original = button.dataset.label || button.textContent;
      button.dataset.label = original;
      button.textContent = L.copied;
      setTimeout(function () { button.textContent = original; }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { fallbackCopy(text, button, done); });
    } else {
      fallbackCopy(text, button, done);
    }
  }
  function fallbackCopy(text, button, done) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area);
    if (ok) { done(); } else { window.alert(L.copy_failed); }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    if (button) {
      event.preventDefault();
      var source = document.getElementById(button.dataset.copyTarget);
      if (source) { copyText(source.value !== undefined ? source.value : source.textContent, button); }
      return;
    }
    var row = event.target.closest("tr[data-href]");
    if (row && !event.target.closest("a, button, input, select, textarea, label")) {
      window.location.href = row.dataset.href;
    }
  });

  // Choosing a template fills the composer with that template rendered for this case.
  document.addEventListener("change", function (event) {
    var select = event.target.closest("select[data-drafts]");
    if (!select || !select.value) { return; }
    var action = select.dataset.drafts.replace(/^drafts-/, "");
    var source = document.getElementById("draft-" + action + "-" + select.value);
    var area = document.getElementById("text-" + action);
    if (source && area) {
      area.value = source.content ? source.content.textContent : source.textContent;
      area.dispatchEvent(new Event("input", { bubbles: true }));
    }
  });

  // The assign picker: people a supervisor may assign only past a full desk or a lapsed
  // certification become selectable when the form's override box is ticked (the server checks again).
  document.addEventListener("change", function (event) {
    var box = event.target.closest("input[data-assign-override]");
    if (!box || !box.form) { return; }
    box.form.querySelectorAll("option[data-overridable]").forEach(function (option) {
      option.disabled = !box.checked;
      if (option.disabled && option.selected) { option.selected = false; }
    });
  });

  document.addEventListener("DOMContentLoaded", function () { counters(document); tick(); });
  document.addEventListener("htmx:afterSwap", function (event) { counters(event.target); tick(); });
  setInterval(tick, 1000);
})();
