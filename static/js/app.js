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
