// chiso's own page behaviours, no framework: a form with data-confirm asks first; a form with
// data-once disables its buttons while the request is in flight (no double submit on a slow line).
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement)) return;
  if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
    return;
  }
  if (form.dataset.once !== undefined) {
    form.querySelectorAll("button[type=submit]").forEach((button) => {
      button.disabled = true;
      button.setAttribute("aria-busy", "true");
    });
  }
});
