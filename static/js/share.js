// Share links: "Copy" buttons, and scrolling to a shared passage when the link lost its
// #hl-ID fragment. Without JavaScript the inputs stay selectable and the fragment scrolls.

const copy = async (button) => {
  const input = document.getElementById(button.dataset.copy);
  if (!input) return;
  const label = button.textContent;
  try {
    await navigator.clipboard.writeText(input.value);
    button.textContent = "Copied";
  } catch {
    // No clipboard permission (e.g. an insecure origin): leave the text selected to copy.
    input.select();
    button.textContent = "Press Ctrl+C";
  }
  setTimeout(() => { button.textContent = label; }, 2000);
};

const wire = (root) => {
  for (const button of root.querySelectorAll("button[data-copy]")) {
    if (button.dataset.copyWired) continue;
    button.dataset.copyWired = "1";
    if (navigator.clipboard) button.hidden = false;
    button.addEventListener("click", () => copy(button));
  }
  for (const input of root.querySelectorAll(".copy-field input[readonly]")) {
    input.addEventListener("focus", () => input.select());
  }
};

wire(document);
// Cards and share links redrawn by htmx bring new buttons.
document.body.addEventListener("htmx:afterSettle", (event) => wire(event.target));

const target = document.querySelector("[data-scroll-to]");
if (target && !location.hash) {
  document.getElementById(target.dataset.scrollTo)?.scrollIntoView({ block: "center" });
}
