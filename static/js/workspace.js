/* ReviewDesk agent workspace: live SLA countdowns, copy-to-clipboard, length counters, row links,
   keyboard shortcuts (j/k, c, r, l, ?, Ctrl+Enter).
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

  // --- Keyboard shortcuts -------------------------------------------------------------------------
  // Queue: j/k move through the rows, Enter or o opens the chosen one; the rows' order is kept for the
  // case page. Case page: j/k the next/previous case in that order, c claim, r reply (the public
  // reply's composer, else the contact's), l the contact's composer,
  // Ctrl+Enter sends from the composer, ? the help. Never while typing in a field.
  var ORDER_KEY = "reviewdesk.queueOrder";

  function typing(target) {
    if (!target || !target.closest) { return false; }
    return !!target.closest("input, textarea, select, [contenteditable=''], [contenteditable='true']");
  }
  function queueRows() {
    return Array.prototype.slice.call(document.querySelectorAll("#queue-results tr[data-href]"));
  }
  function rememberOrder() {
    var rows = queueRows();
    if (!rows.length) { return; }
    try {
      sessionStorage.setItem(ORDER_KEY, JSON.stringify({
        queue: window.location.pathname + window.location.search,
        urls: rows.map(function (row) { return row.dataset.href; })
      }));
    } catch (e) { /* storage off: j/k on the case page simply do nothing */ }
  }
  function storedOrder() {
    try { return JSON.parse(sessionStorage.getItem(ORDER_KEY) || "null"); } catch (e) { return null; }
  }
  function moveInQueue(step) {
    var rows = queueRows();
    if (!rows.length) { return; }
    var current = rows.findIndex(function (row) { return row.classList.contains("kb-current"); });
    var next = Math.max(0, Math.min(rows.length - 1, current < 0 ? 0 : current + step));
    rows.forEach(function (row) { row.classList.remove("kb-current"); row.removeAttribute("aria-selected"); });
    var row = rows[next];
    row.classList.add("kb-current");
    row.setAttribute("aria-selected", "true");
    var link = row.querySelector("a[href]");
    if (link) { link.focus(); } else { row.setAttribute("tabindex", "-1"); row.focus(); }
    row.scrollIntoView({ block: "nearest" });
  }
  function caseNeighbours() {
    var pager = document.querySelector(".case-pager[data-case-id]");
    var order = storedOrder();
    if (!pager || !order || !order.urls) { return null; }
    var here = order.urls.findIndex(function (url) {
      return url.replace(/\/$/, "").split("/").pop() === pager.dataset.caseId;
    });
    if (here < 0) { return null; }
    return { pager: pager, here: here, urls: order.urls,
             prev: here > 0 ? order.urls[here - 1] : null,
             next: here < order.urls.length - 1 ? order.urls[here + 1] : null };
  }
  function showPager() {
    var n = caseNeighbours();
    if (!n) { return; }
    n.pager.hidden = false;
    [["prev", n.prev], ["next", n.next]].forEach(function (pair) {
      var link = n.pager.querySelector("[data-case-step='" + pair[0] + "']");
      if (!link) { return; }
      if (pair[1]) { link.href = pair[1]; link.removeAttribute("aria-disabled"); }
      else { link.removeAttribute("href"); link.setAttribute("aria-disabled", "true"); }
    });
    var position = n.pager.querySelector("[data-case-position]");
    if (position) { position.textContent = (n.here + 1) + " / " + n.urls.length; }
  }
  function helpDialog() { return document.getElementById("shortcut-help"); }
  function toggleHelp() {
    var dialog = helpDialog();
    if (!dialog || typeof dialog.showModal !== "function") { return; }
    if (dialog.open) { dialog.close(); } else { dialog.showModal(); }
  }
  function focusComposer() {
    var area = document.getElementById("text-public_reply") || document.getElementById("text-record_contact");
    if (!area) { return false; }
    area.scrollIntoView({ block: "center" });
    area.focus();
    return true;
  }

  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && event.target.matches &&
        event.target.matches("textarea[data-composer]")) {
      event.preventDefault();
      var form = event.target.form;
      if (form) { if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); } }
      return;
    }
    if (event.key === "Escape" && typing(event.target)) { event.target.blur(); return; }
    if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing || typing(event.target)) { return; }
    var dialog = helpDialog();
    if (dialog && dialog.open && event.key !== "?") { return; }
    var onQueue = queueRows().length > 0 && !document.querySelector(".case-pager");
    switch (event.key) {
      case "j":
      case "k":
        if (onQueue) { moveInQueue(event.key === "j" ? 1 : -1); event.preventDefault(); return; }
        var n = caseNeighbours(), target = n && (event.key === "j" ? n.next : n.prev);
        if (target) { window.location.href = target; event.preventDefault(); }
        return;
      case "o":
      case "Enter":
        if (!onQueue) { return; }
        var chosen = document.querySelector("#queue-results tr.kb-current[data-href]");
        if (chosen && event.key === "o") { window.location.href = chosen.dataset.href; event.preventDefault(); }
        return;
      case "c":
        var claim = document.querySelector("#action-claim button[type=submit]");
        if (claim) { event.preventDefault(); claim.click(); }
        return;
      case "r":
        if (focusComposer()) { event.preventDefault(); }
        return;
      case "l":
        var contact = document.getElementById("text-record_contact");
        if (contact) { event.preventDefault(); contact.scrollIntoView({ block: "center" }); contact.focus(); }
        return;
      case "?":
        event.preventDefault();
        toggleHelp();
        return;
    }
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-shortcut-help]")) { event.preventDefault(); toggleHelp(); }
  });

  document.addEventListener("DOMContentLoaded", function () {
    counters(document);
    tick();
    rememberOrder();
    showPager();
    var applied = document.querySelector("[data-focus-composer]");
    var area = applied && document.getElementById(applied.dataset.focusComposer);
    if (area) { area.focus(); }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.target.id === "queue-results") { rememberOrder(); }
  });
  document.addEventListener("htmx:afterSwap", function (event) { counters(event.target); tick(); });
  setInterval(tick, 1000);
})();
