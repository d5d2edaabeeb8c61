/* ReviewDesk, every page: small behaviours declared in the markup with data-* attributes, so the
   templates need no inline event handlers (the Content Security Policy forbids them).
   - <select data-autosubmit>: choosing an option submits its form (language switcher, rubric picker).
   - <form data-confirm="…">: asks before submitting; Cancel keeps the form unsent. */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var select = event.target.closest("select[data-autosubmit]");
    if (select && select.form) { select.form.requestSubmit ? select.form.requestSubmit() : select.form.submit(); }
  });
  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.dataset.confirm)) { event.preventDefault(); }
  });
})();
