/* The MMT grid filled in one pass from the keyboard (templates/web/assessment_form.html).

   Without this script the form is plain HTML and still works: every field, the weakness types
   included, is in the Tab order, and Enter does nothing (the form's default button is disabled).
   With it:
   - Tab and Enter go date, EDSS, walk time, then the grades, left then right for each muscle,
     head to toe; the weakness types leave the Tab order: W in a grade goes to its weakness type,
     Tab or Enter there goes on to the next grade, Escape back to the grade.
   - Enter in a field moves on and never submits; Ctrl+Enter (Cmd+Enter) saves from anywhere.
   - On a touch screen the score boxes keep the on-screen keyboard down and a row of buttons
     offers the scale of the box in focus (MRC grades or Modified Ashworth scores). */
(function () {
  "use strict";

  function tabbable(form) {
    return Array.from(form.querySelectorAll("input, select, textarea, button, summary")).filter(
      (field) => !field.disabled && field.type !== "hidden" && field.tabIndex >= 0 && field.getClientRects().length > 0
    );
  }

  function focusField(field) {
    field.focus();
    if (field.matches("input[type=text]")) field.select(); // typing replaces, as after Tab
  }

  /* The field Tab would reach from `from`, which itself may be out of the Tab order. */
  function focusNext(form, from) {
    const next = tabbable(form).find((field) => from.compareDocumentPosition(field) & Node.DOCUMENT_POSITION_FOLLOWING);
    if (next) focusField(next);
  }

  function isW(event) {
    return (event.key === "w" || event.key === "W") && !(event.ctrlKey || event.altKey || event.metaKey);
  }

  function weaknessOf(gradeInput) {
    return document.getElementById(gradeInput.closest("td").dataset.weakness);
  }

  function gradeOf(weaknessSelect) {
    return weaknessSelect.closest("td").previousElementSibling.querySelector("input");
  }

  function spoken(score) {
    return score.replace("+", " plus").replace("-", " minus");
  }

  /* Buttons for the scale of the score box in focus, fixed at the foot of a touch screen. */
  function scorePicker(form) {
    const picker = document.createElement("div");
    picker.className = "grade-picker";
    picker.setAttribute("role", "group");
    picker.hidden = true;
    const title = document.createElement("p");
    title.className = "grade-picker__title";
    title.id = "grade-picker-title";
    picker.setAttribute("aria-labelledby", title.id);
    const buttons = document.createElement("div");
    buttons.className = "grade-picker__buttons";
    picker.append(title, buttons);
    form.append(picker);
    let current = null;
    let scale = null;

    function button(text, value, label) {
      const choice = document.createElement("button");
      choice.type = "button";
      choice.tabIndex = -1; // keyboard users type the score; a touch screen reader reaches it by swiping
      choice.className = "button grade-picker__choice";
      choice.textContent = text;
      choice.value = value;
      choice.setAttribute("aria-label", label);
      return choice;
    }

    function show(input) {
      current = input;
      if (scale !== input.dataset.scale) {
        scale = input.dataset.scale;
        buttons.replaceChildren(
          ...scale.split(" ").map((score) => button(score, score, spoken(score))),
          button("Clear", "", "Clear: not tested")
        );
      }
      title.textContent = input.labels[0].textContent;
      picker.hidden = false;
      // Room below the page, and for scrolling into view, so the picker hides nothing for good.
      // It stays when the picker hides: taking it back would move the page under a finger.
      const room = picker.offsetHeight + "px";
      document.body.style.paddingBottom = room;
      document.documentElement.style.scrollPaddingBottom = room;
      if (input.getBoundingClientRect().bottom > picker.getBoundingClientRect().top) {
        input.scrollIntoView({ block: "center" });
      }
    }

    // The box keeps the focus while a button is pressed, so its keyboard never comes up.
    picker.addEventListener("pointerdown", (event) => event.preventDefault());
    picker.addEventListener("click", function (event) {
      const choice = event.target.closest("button");
      if (!choice || !current) return;
      current.value = choice.value;
      current.dispatchEvent(new Event("input", { bubbles: true }));
      if (choice.value) focusNext(form, current);
      else current.focus();
    });
    form.querySelectorAll(".grade-input").forEach(function (input) {
      input.inputMode = "none";
      input.addEventListener("focus", () => show(input));
      input.addEventListener("blur", function (event) {
        if (!picker.contains(event.relatedTarget)) picker.hidden = true;
      });
    });
  }

  function enhance(form) {
    const save = form.querySelector("button[type=submit]:not([disabled])");
    const keys = document.getElementById("grid-keys");
    keys.hidden = false;
    form.querySelectorAll(".weakness-cell select").forEach((select) => (select.tabIndex = -1));
    form.querySelectorAll("td[data-weakness] input").forEach((input) => input.setAttribute("aria-describedby", keys.id));

    form.addEventListener("keydown", function (event) {
      const field = event.target;
      if (event.isComposing) return; // Enter ends an input method's word, nothing more
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        form.requestSubmit(save);
      } else if (event.key === "Enter" && field.matches("input, select")) {
        event.preventDefault();
        focusNext(form, field);
      } else if (isW(event) && field.matches("td[data-weakness] input")) {
        event.preventDefault();
        weaknessOf(field).focus();
      } else if (event.key === "Escape" && field.matches(".weakness-cell select")) {
        focusField(gradeOf(field));
      }
    });

    if (document.activeElement && form.contains(document.activeElement)) focusField(document.activeElement);
    if (window.matchMedia("(pointer: coarse)").matches) scorePicker(form);
  }

  document.addEventListener("DOMContentLoaded", function () {
    const form = document.querySelector("form.mmt-form");
    if (form) enhance(form);
  });
})();
