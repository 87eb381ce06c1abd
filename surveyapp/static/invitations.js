// The invitations page sends one batch per request; while messages wait, it asks for the next batch by itself.
// The state is in the database: closing the tab only pauses sending, and the button continues it.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("continue-sending");
  if (form && form.dataset.auto === "1") {
    window.setTimeout(() => form.requestSubmit(), 1500);
  }
});
