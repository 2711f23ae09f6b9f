// Small progressive enhancements. Every page works without this file.

// A page restored from the back-forward cache may show a state that has changed since (an
// invitation approved a moment ago, say): ask the server again. Every page is `no-store`, so
// browsers without that cache ask anyway.
window.addEventListener("pageshow", (event) => {
  if (event.persisted) location.reload();
});
document.addEventListener("DOMContentLoaded", () => {
  // "Copy link" buttons.
  for (const button of document.querySelectorAll("button[data-copy]")) {
    const input = document.getElementById(button.dataset.copy);
    if (!input || !navigator.clipboard) continue;
    button.hidden = false;
    button.addEventListener("click", async () => {
      await navigator.clipboard.writeText(input.value);
      button.textContent = button.dataset.copied;
    });
  }
  // A confirmation in a <dialog> instead of its own page, where the browser has one.
  for (const link of document.querySelectorAll("a[data-dialog]")) {
    const dialog = document.getElementById(link.dataset.dialog);
    if (!dialog || typeof dialog.showModal !== "function") continue;
    link.addEventListener("click", (event) => {
      event.preventDefault();
      dialog.showModal();
    });
  }
});
