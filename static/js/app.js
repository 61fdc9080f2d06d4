// Dialogue Hub: small progressive enhancements (no inline scripts: CSP forbids them).
// Forms with data-confirm ask before submitting a destructive action.
document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

// Buttons with data-print print the page (the meeting sheet); without JavaScript they stay
// hidden (d-none) and the browser's own Print does the same.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-print]").forEach((button) => {
    button.classList.remove("d-none");
    button.addEventListener("click", () => window.print());
  });
});

// Sign-up table mode (participants/views/table.py) signs the team member out on this device and
// hands it to the public. Their pages still open in other tabs (a participant list, someone's
// details) are emptied and sent to the sign-in page as soon as the table's form opens, or when
// such a tab is shown again (a tablet may have frozen it meanwhile).
(function () {
  "use strict";
  const KEY = "dialogue-hub-table-started";

  function tableStartedAt() {
    try {
      return Number(window.localStorage.getItem(KEY)) || 0;
    } catch (error) {
      return 0; // storage refused: nothing to compare
    }
  }

  function clearIfSignedOut() {
    const body = document.body;
    if (body && body.hasAttribute("data-signed-in") && tableStartedAt() > performance.timeOrigin) {
      body.replaceChildren();
      window.location.replace(window.location.href);
    }
  }

  window.addEventListener("storage", (event) => {
    if (event.key === KEY) {
      clearIfSignedOut();
    }
  });
  document.addEventListener("visibilitychange", clearIfSignedOut);
  window.addEventListener("pageshow", clearIfSignedOut);
  document.addEventListener("DOMContentLoaded", () => {
    if (document.querySelector("form.dh-registration[data-table-mode]")) {
      try {
        window.localStorage.setItem(KEY, String(Date.now()));
      } catch (error) {
        // storage refused: the other tabs still ask for a sign-in on their next load
      }
    }
  });
})();

// Buttons with data-copy="<id>" copy that field's value (a new API token): hidden (d-none)
// without JavaScript or a clipboard, where the field is selected and copied by hand.
document.addEventListener("DOMContentLoaded", () => {
  if (!navigator.clipboard) {
    return;
  }
  document.querySelectorAll("[data-copy]").forEach((button) => {
    const field = document.getElementById(button.getAttribute("data-copy"));
    if (!field) {
      return;
    }
    button.classList.remove("d-none");
    button.addEventListener("click", () => {
      navigator.clipboard.writeText(field.value).then(() => {
        button.textContent = button.getAttribute("data-copied") || button.textContent;
      });
    });
  });
});
