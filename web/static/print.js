// The dossier's print button: the Content-Security-Policy allows no inline handler, so it is wired here.
document.querySelectorAll("[data-print]").forEach((button) => {
  button.addEventListener("click", () => window.print());
});
