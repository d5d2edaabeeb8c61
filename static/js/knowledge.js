// The knowledge panel of the case page: "插入回复" puts a quick reply's text into the composer's text
// area (the first one on the page) and fires its input event, so the compliance check and the counter
// run on it as on typed text. The button's htmx POST records the use (knowledge:use).
(function () {
  if (window.reviewdeskKnowledge) { return; }
  window.reviewdeskKnowledge = true;
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-kb-insert]");
    if (!button) { return; }
    var source = document.getElementById(button.dataset.kbInsert);
    var area = document.querySelector("form.composer textarea[name=text]");
    if (!source || !area) { return; }
    area.value = source.content ? source.content.textContent : source.textContent;
    area.dispatchEvent(new Event("input", { bubbles: true }));
    area.focus();
    area.scrollIntoView({ block: "center" });
  });
})();

// The exam page's countdown (the deadline itself is the server's).
(function () {
  var counter = document.querySelector("[data-countdown]");
  if (!counter) { return; }
  var left = parseInt(counter.dataset.countdown, 10);
  var timer = setInterval(function () {
    left = Math.max(0, left - 1);
    counter.textContent = left;
    if (left === 0) { clearInterval(timer); }
  }, 1000);
})();
