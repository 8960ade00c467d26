// Keyboard shortcuts, listed in the dialog that "?" opens (templates/base.html).
//
// In a list of stories (the front page, search results) j / k select the next / previous
// story by focusing its title link, so the focus ring shows where you are and Enter opens
// it as any link would. In the reading view j / k go to the older / newer story.
// s and m press the selected story's Save and Mark read buttons: what they do is the
// server's business (htmx posts the form), so the shortcuts and the buttons never differ.
// The reading view's keys for selecting and highlighting text (v, Shift+arrows, h, Enter,
// 1–5, c, Esc) are static/js/annotate.js's: they act on the selection toolbar.

const ITEM = ".story-item";

function isTyping(target) {
  return (
    target instanceof Element &&
    Boolean(target.closest("input, textarea, select, [contenteditable]:not([contenteditable=false])"))
  );
}

function items() {
  return [...document.querySelectorAll(ITEM)];
}

let selected = null; // the story item j / k last moved to

function selectedItem() {
  // Where the focus is wins: the reader may have tabbed or clicked since.
  const focused = document.activeElement?.closest?.(ITEM);
  if (focused) return focused;
  return selected && selected.isConnected ? selected : null;
}

function select(item) {
  if (!item) return;
  selected?.classList.remove("is-selected");
  selected = item;
  item.classList.add("is-selected");
  const link = item.querySelector(".story-item-title a");
  (link || item).focus({ preventScroll: true });
  item.scrollIntoView({ block: "nearest" });
}

function move(step) {
  const list = items();
  if (!list.length) return false;
  const index = list.indexOf(selectedItem());
  if (index === -1) {
    select(step > 0 ? list[0] : list[list.length - 1]);
    return true;
  }
  const next = list[index + step];
  if (next) {
    select(next);
  } else if (step > 0) {
    // Past the last story: the "Older stories" / "More results" link loads more.
    document.querySelector(".more a")?.focus();
  }
  return true;
}

function follow(selector) {
  const link = document.querySelector(selector);
  if (!link) return false;
  window.location.assign(link.href);
  return true;
}

/** The Save / Mark read button of the selected story, or the reading view's. */
function stateButton(action) {
  const scope = selectedItem() || (items().length ? null : document.querySelector("main"));
  return scope?.querySelector(`[data-shortcut="${action}"]`) || null;
}

function focusSearch() {
  const field =
    document.querySelector("main [data-shortcut=search]") ||
    document.querySelector("[data-shortcut=search]");
  if (!field) return false;
  field.focus();
  field.select?.();
  return true;
}

function showHelp() {
  const dialog = document.getElementById("shortcuts-help");
  if (!dialog || dialog.open) return false;
  dialog.showModal();
  return true;
}

const inReadingView = () => Boolean(document.getElementById("story-body"));

function handle(event) {
  const key = event.key;
  if (key === "?") return showHelp();
  if (key === "/") return focusSearch();
  if (key === "j") return inReadingView() ? follow("a[data-shortcut=next]") : move(1);
  if (key === "k") return inReadingView() ? follow("a[data-shortcut=previous]") : move(-1);
  if (key === "o" || (key === "Enter" && event.target === document.body)) {
    const link = selectedItem()?.querySelector(".story-item-title a");
    if (!link) return false;
    window.location.assign(link.href);
    return true;
  }
  if (key === "s" || key === "m") {
    const button = stateButton(key === "s" ? "save" : "read");
    if (!button) return false;
    // htmx wires a form once the page has started and once a swap has settled; a key
    // pressed before then would send the whole page away. Wire it now (htmx skips a form it
    // has already wired).
    if (button.form && window.htmx) window.htmx.process(button.form);
    button.click();
    return true;
  }
  return false;
}

document.addEventListener("keydown", (event) => {
  if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
  if (isTyping(event.target) || document.querySelector("dialog[open]")) return;
  // The annotation toolbar's own keys (h, c) while text is selected in the story.
  if (event.target instanceof Element && event.target.closest("#annotate-toolbar")) return;
  if (handle(event)) event.preventDefault();
});

for (const button of document.querySelectorAll("[data-shortcuts-help]")) {
  button.hidden = false;
  button.addEventListener("click", showHelp);
}
