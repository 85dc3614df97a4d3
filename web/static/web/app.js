/* Small progressive enhancements shared by every page. */
(function () {
  "use strict";
  // After a failed submit, take keyboard and screen-reader users straight to the list of problems.
  document.addEventListener("DOMContentLoaded", function () {
    const summary = document.getElementById("error-summary");
    if (summary) summary.focus();
  });
})();
