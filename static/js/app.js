// Close the workspace dropdown when clicking elsewhere; everything else is htmx.
document.addEventListener("click", (event) => {
  document.querySelectorAll("details.dropdown[open]").forEach((details) => {
    if (!details.contains(event.target)) details.removeAttribute("open");
  });
});
