// Share links: "Copy" buttons, and scrolling to a shared passage when the link lost its
// #hl-ID fragment. Without JavaScript the inputs stay selectable and the fragment scrolls.

async function copy(button) {
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
}

// The buttons stay hidden where there is no clipboard; htmx swaps in new ones.
const show = () => {
  if (navigator.clipboard) for (const button of document.querySelectorAll("button[data-copy][hidden]")) button.hidden = false;
};
show();
document.addEventListener("htmx:after:swap", show);
document.addEventListener("click", (event) => {
  const button = event.target.closest?.("button[data-copy]");
  if (button) copy(button);
});
document.addEventListener("focusin", (event) => {
  if (event.target.matches(".copy-field input[readonly]")) event.target.select();
});

const target = document.querySelector("[data-scroll-to]");
if (target && !location.hash) {
  document.getElementById(target.dataset.scrollTo)?.scrollIntoView({ block: "center" });
}
