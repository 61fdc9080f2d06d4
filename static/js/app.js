// Dialogue Hub: small progressive enhancements (no inline scripts: CSP forbids them).
// Forms with data-confirm ask before submitting a destructive action.
document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
