/* The exercise sheet's Print button opens the browser's print dialog (the print stylesheet
   leaves only the sheet). Without scripts the button stays hidden and the browser's own Print works. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    const button = document.getElementById("print-sheet");
    if (!button) return;
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
