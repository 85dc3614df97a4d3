/* Small progressive enhancements shared by every page. */
(function () {
  "use strict";
  // After a failed submit, take keyboard and screen-reader users straight to the list of problems.
  document.addEventListener("DOMContentLoaded", function () {
    const summary = document.getElementById("error-summary");
    if (summary) summary.focus();
  });

  // A form is sent once: a second click while the answer is on its way (a double click on
  // "Create and send") would write the record twice. A form htmx sends itself is left to htmx.
  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (event.defaultPrevented || form.method !== "post") return;
    if (form.dataset.sending) event.preventDefault();
    else form.dataset.sending = "true";
  });
  // Back to a page kept in the browser's cache: its forms may be sent again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-sending]").forEach((form) => delete form.dataset.sending);
  });
})();
