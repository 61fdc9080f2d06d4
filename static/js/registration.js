// The registration form: once "Under 13" is chosen, only the guardian's part is asked.
// CSS hides the rest without JavaScript (static/css/app.css); here it is also disabled, so
// a child's answers are not even sent, and hidden in browsers without CSS :has().
(function () {
  "use strict";

  function update(form) {
    const age = form.querySelector("select[name=age_band]");
    if (!age) {
      return;
    }
    const under13 = age.value === "under_13";
    form.querySelectorAll(".dh-not-under-13").forEach((part) => {
      part.hidden = under13;
      part.querySelectorAll("input, select, textarea").forEach((field) => {
        field.disabled = under13;
      });
    });
    form.querySelectorAll(".dh-only-under-13").forEach((note) => {
      note.hidden = !under13;
    });
  }

  // At a sign-up table (views/table.py) a page that answers a post (a form sent back with its
  // errors, the leave page's refusal) is made an ordinary page of the history: a step back to it
  // loads an empty form afresh, and the browser never offers the next person to send the
  // previous one's answers again ("Confirm form resubmission").
  if (document.querySelector("[data-table-mode]") && window.history.replaceState) {
    window.history.replaceState(window.history.state, "", window.location.href);
  }

  // A sign-up table's form (views/table.py): a page the browser kept in memory and shows again
  // on "back" could still hold the previous person's answers, so it is loaded afresh.
  window.addEventListener("pageshow", (event) => {
    if (event.persisted && document.querySelector("form.dh-registration[data-table-mode]")) {
      window.location.reload();
    }
  });

  function init() {
    document.querySelectorAll("form.dh-registration").forEach((form) => {
      update(form);
      form.addEventListener("change", (event) => {
        if (event.target.name === "age_band") {
          update(form);
        }
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
