// The reading view's selection toolbar. It turns a text selection in the story body into
// W3C selectors and puts them in the toolbar form; htmx posts the form and swaps in what
// the server draws. Offsets are code points of the body's textContent, the server's
// body_text: the browser counts UTF-16 code units, so they are converted here.
// Also: a click on a highlight (or Enter on it) goes to its card in the sidebar.
//
// Selecting with the keyboard: without caret browsing (F7) a keyboard cannot put a
// selection in text that is not editable, so "v" puts a caret at the start of the focused
// block (or just after a focused highlight; else the first block on screen). Arrows move
// it, Shift+arrows extend it (Ctrl or Alt: by word, or by paragraph up and down), through
// Selection.modify; from there the selection is the toolbar's like any other.

import "./times.js"; // relative times on the cards stay right while the page is open

const CONTEXT = 32; // code points of prefix/suffix, as annotations.anchoring.describe
const LAST_COLOUR = "newsreader.lastColour";
const BLOCKS = "p, h2, h3, h4, li, blockquote, pre, figcaption, dt, dd, th, td";
// key: [direction, granularity, granularity with Ctrl or Alt]
const STEPS = {
  ArrowLeft: ["backward", "character", "word"],
  ArrowRight: ["forward", "character", "word"],
  ArrowUp: ["backward", "line", "paragraph"],
  ArrowDown: ["forward", "line", "paragraph"],
  Home: ["backward", "lineboundary", "lineboundary"],
  End: ["forward", "lineboundary", "lineboundary"],
};
const HINT_CARET = "Shift+arrows select from the marked letter (Ctrl: by word). Esc cancels.";
const HINT_SELECTED = "Enter or h highlights, 1–5 picks the colour, c comments, Tab goes to the toolbar, Esc cancels.";

const isHigh = (unit) => unit >= 0xd800 && unit <= 0xdbff;
const isLow = (unit) => unit >= 0xdc00 && unit <= 0xdfff;

/** A click on a form's button, as the mouse gives; the key may come before htmx has wired
 * the form (the page just loaded, or the toolbar just swapped in), and the click would then
 * send the whole page away. htmx skips a form it has already wired. */
function press(button) {
  if (button.form) window.htmx?.process(button.form);
  button.click();
}

/** How many code points the first `units` UTF-16 code units of text hold. */
export function codePoints(text, units = text.length) {
  let count = 0;
  for (let i = 0; i < units; i++) {
    // The low half of a surrogate pair was counted with its high half.
    if (!(isLow(text.charCodeAt(i)) && i > 0 && isHigh(text.charCodeAt(i - 1)))) count++;
  }
  return count;
}

/** The UTF-16 offset of a DOM boundary point, counted in root's textContent. */
function unitOffset(root, node, offset) {
  const before = document.createRange();
  before.setStart(root, 0);
  before.setEnd(node, offset);
  return before.toString().length;
}

/** Selectors for the part of the current selection inside root, or null. */
export function describeSelection(root) {
  const selection = document.getSelection();
  if (!root || !selection || selection.rangeCount === 0 || selection.isCollapsed) return null;
  const range = selection.getRangeAt(0).cloneRange();
  if (!range.intersectsNode(root)) return null;
  const whole = document.createRange();
  whole.selectNodeContents(root);
  if (range.compareBoundaryPoints(Range.START_TO_START, whole) < 0) {
    range.setStart(whole.startContainer, whole.startOffset);
  }
  if (range.compareBoundaryPoints(Range.END_TO_END, whole) > 0) {
    range.setEnd(whole.endContainer, whole.endOffset);
  }
  const text = root.textContent;
  let from = unitOffset(root, range.startContainer, range.startOffset);
  let to = unitOffset(root, range.endContainer, range.endOffset);
  // Never cut a character in half.
  if (from > 0 && isLow(text.charCodeAt(from)) && isHigh(text.charCodeAt(from - 1))) from--;
  if (to < text.length && isLow(text.charCodeAt(to)) && isHigh(text.charCodeAt(to - 1))) to++;
  const exact = text.slice(from, to);
  if (!exact.trim()) return null;
  const start = codePoints(text, from);
  // 2 * CONTEXT code units hold at least CONTEXT whole code points on the near side.
  const prefix = Array.from(text.slice(Math.max(0, from - 2 * CONTEXT), from)).slice(-CONTEXT);
  const suffix = Array.from(text.slice(to, to + 2 * CONTEXT)).slice(0, CONTEXT);
  return {
    exact,
    prefix: prefix.join(""),
    suffix: suffix.join(""),
    start,
    end: start + codePoints(exact),
    rect: range.getBoundingClientRect(),
    range,
  };
}

function storyBody() {
  return document.getElementById("story-body");
}

function lastColour(form) {
  let stored = null;
  try {
    stored = localStorage.getItem(LAST_COLOUR);
  } catch {
    // Storage can be off; the first colour is a fine default.
  }
  const buttons = [...form.querySelectorAll("button[data-colour]")];
  return buttons.find((button) => button.dataset.colour === stored) || buttons[0];
}

function rememberColour(colour) {
  try {
    localStorage.setItem(LAST_COLOUR, colour);
  } catch {
    // Not remembered: nothing else depends on it.
  }
}

function isEditable(element) {
  return element instanceof Element && element.closest("input, textarea, select, [contenteditable]");
}

/** Paint range (or nothing) as the named CSS custom highlight: the DOM stays as it is. */
function paint(name, range) {
  if (typeof Highlight === "undefined" || !CSS.highlights) return;
  if (range) CSS.highlights.set(name, new Highlight(range));
  else CSS.highlights.delete(name);
}

/** The block a keyboard selection starts in, and where in it. */
function startingPoint(body) {
  const focused = body.contains(document.activeElement) ? document.activeElement : null;
  if (focused?.matches("mark.hl")) {
    // Just after a highlight: the next passage is usually what comes next.
    const parent = focused.parentNode;
    return [focused.closest(BLOCKS) || body, parent, [...parent.childNodes].indexOf(focused) + 1];
  }
  const blocks = [...body.querySelectorAll(BLOCKS)].filter((block) => block.textContent.trim());
  const block =
    focused?.closest(BLOCKS) ||
    blocks.find((candidate) => candidate.getBoundingClientRect().bottom > 0) ||
    blocks.at(-1) ||
    body;
  const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const at = walker.currentNode.data.search(/\S/);
    if (at >= 0) return [block, walker.currentNode, at];
  }
  return [block, block, 0];
}

function setUpToolbar(form) {
  const panel = form.querySelector(".annotate-comment");
  const error = () => form.querySelector("#annotate-error");
  let pointerInToolbar = false;
  let dragging = false;
  let pending = 0;

  const commenting = () => form.classList.contains("is-commenting");

  // The selection's box relative to the toolbar's offset parent (scrolling leaves it valid).
  let anchor = null;

  function place(rect) {
    form.hidden = false;
    const parent = (form.offsetParent || document.body).getBoundingClientRect();
    anchor = {
      top: rect.top - parent.top,
      bottom: rect.bottom - parent.top,
      left: rect.left - parent.left,
      width: rect.width,
    };
    position();
  }

  function position() {
    if (!anchor) return;
    const parent = (form.offsetParent || document.body).getBoundingClientRect();
    const gap = 8;
    // Above the selection; below it when there is no room, or when the comment box would
    // otherwise grow down over the words being commented on.
    let top = anchor.top - form.offsetHeight - gap;
    if (commenting() || parent.top + top < 0) top = anchor.bottom + gap;
    const left = anchor.left + anchor.width / 2 - form.offsetWidth / 2;
    const maxLeft = Math.max(0, parent.width - form.offsetWidth);
    // CSSOM properties, not a style attribute: the CSP allows no inline styles.
    form.style.setProperty("--toolbar-top", `${Math.round(top)}px`);
    form.style.setProperty("--toolbar-left", `${Math.round(Math.min(Math.max(0, left), maxLeft))}px`);
  }

  function fill(selectors) {
    for (const name of ["exact", "prefix", "suffix", "start", "end"]) {
      form.elements.namedItem(name).value = String(selectors[name]);
    }
    form.elements.namedItem("revision").value = storyBody().dataset.revision || "";
  }

  // While the comment box has the focus the selection is no longer shown: paint the passage
  // with the CSS Custom Highlight API, which leaves the body's DOM (and its text) alone.
  function showPending(range) {
    paint("annotate-pending", range);
  }

  let selected = null;

  function openComment() {
    showPending(selected);
    panel.disabled = false;
    form.classList.add("is-commenting");
    const colour = lastColour(form)?.dataset.colour;
    const radio = form.querySelector(`input[type=radio][name=colour][value="${colour}"]`);
    if (radio) radio.checked = true;
    position();
    form.scrollIntoView({ block: "nearest" });
    form.querySelector("textarea[name=comment]").focus({ preventScroll: true });
  }

  function hide() {
    showPending(null);
    form.hidden = true;
    form.classList.remove("is-commenting");
    panel.disabled = true;
    if (error()) error().replaceChildren();
  }

  function reset() {
    hide();
    form.querySelector("textarea[name=comment]").value = "";
    form.querySelector("input[name=tags]").value = "";
    document.getSelection()?.removeAllRanges();
    stopSelecting();
  }

  // --- The keyboard selection ("v"): the block it started in, while it goes on.
  let keyboardBlock = null;
  const hint = document.getElementById("annotate-keys");

  const selecting = () =>
    Boolean(keyboardBlock?.isConnected && storyBody()?.contains(document.activeElement));

  function stopSelecting() {
    keyboardBlock = null;
    showCaret();
  }

  function startSelecting() {
    const body = storyBody();
    if (!body) return false;
    const [block, node, offset] = startingPoint(body);
    if (!block.hasAttribute("tabindex")) block.tabIndex = -1;
    block.focus();
    keyboardBlock = block;
    document.getSelection().collapse(node, offset);
    showCaret();
    return true;
  }

  // A collapsed selection is not drawn in text that is not editable: mark the letter
  // after it, and say which keys do what (a live region, for screen readers too).
  function showCaret() {
    const selection = document.getSelection();
    let caret = null;
    if (selecting() && selection.rangeCount && selection.isCollapsed) {
      selection.modify("extend", "forward", "character");
      caret = selection.getRangeAt(0).cloneRange();
      selection.collapseToStart();
      if (caret.collapsed || !storyBody().contains(caret.endContainer)) caret = null;
    }
    paint("annotate-caret", caret);
    let text = "";
    if (selecting()) text = selection.isCollapsed ? HINT_CARET : HINT_SELECTED;
    if (hint && hint.textContent !== text) hint.textContent = text;
  }

  function moveCaret(event) {
    const step = STEPS[event.key];
    const selection = document.getSelection();
    if (!step || event.metaKey || !selection.rangeCount) return false;
    const { anchorNode, anchorOffset, focusNode, focusOffset } = selection;
    const granularity = event.ctrlKey || event.altKey ? step[2] : step[1];
    selection.modify(event.shiftKey ? "extend" : "move", step[0], granularity);
    // Never out of the story: only what is in it can be highlighted.
    if (!storyBody().contains(selection.focusNode)) {
      selection.setBaseAndExtent(anchorNode, anchorOffset, focusNode, focusOffset);
    }
    showCaret();
    return true;
  }

  /** The colour button a key presses: h (and Enter while selecting) the last one, 1–5. */
  function colourButton(key) {
    if (key === "h" || (key === "Enter" && selecting())) return lastColour(form);
    if (/^[1-9]$/.test(key)) return form.querySelectorAll("button[data-colour]")[Number(key) - 1];
    return null;
  }

  function update() {
    window.clearTimeout(pending);
    // The selection moved into the comment box: keep the one we have. A drag is not over
    // until the button is released: no toolbar jumping about under the pointer.
    if (commenting() || dragging) return;
    const selectors = describeSelection(storyBody());
    if (selectors) {
      if (error()) error().replaceChildren();
      selected = selectors.range;
      fill(selectors);
      place(selectors.rect);
    } else if (!pointerInToolbar && !form.contains(document.activeElement)) {
      hide();
    }
  }

  // Trailing: while a drag goes on the selection keeps changing; read it when it rests.
  document.addEventListener("selectionchange", () => {
    window.clearTimeout(pending);
    pending = window.setTimeout(update, 120);
  });
  document.addEventListener(
    "pointerdown",
    (event) => {
      pointerInToolbar = form.contains(event.target);
      if (!pointerInToolbar && keyboardBlock) stopSelecting();
      dragging = !pointerInToolbar && event.pointerType === "mouse" && event.button === 0;
    },
    true,
  );
  document.addEventListener(
    "pointerup",
    () => {
      if (!dragging) return;
      dragging = false;
      update();
    },
    true,
  );
  window.addEventListener("blur", () => {
    dragging = false; // the button may be released outside the window
  });
  // Pressing a toolbar button must not collapse the selection it is about.
  form.addEventListener("mousedown", (event) => {
    if (!isEditable(event.target) && !event.target.closest("label")) event.preventDefault();
  });
  form.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (!button) return;
    // The selection as it is now, not as it was when the timer last ran.
    if (button.dataset.colour || button.dataset.action === "comment") update();
    if (button.dataset.colour) rememberColour(button.dataset.colour);
    if (button.dataset.action === "comment") openComment();
    if (button.dataset.action === "cancel") reset();
  });
  form.addEventListener("change", (event) => {
    if (event.target.matches("input[type=radio][name=colour]")) rememberColour(event.target.value);
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && (!form.hidden || selecting())) {
      // Back to where the keyboard selection began, not to the top of the page.
      const back = selecting() || form.contains(document.activeElement) ? keyboardBlock : null;
      reset();
      if (back?.isConnected) back.focus();
      return;
    }
    if (commenting() || isEditable(event.target) || document.querySelector("dialog[open]")) return;
    if (selecting() && moveCaret(event)) {
      event.preventDefault();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "v" && startSelecting()) {
      event.preventDefault();
      return;
    }
    const tab = event.key === "Tab" && !event.shiftKey && selecting();
    const colour = colourButton(event.key);
    if (!colour && !tab && event.key !== "c") return;
    update(); // the selection as it is now, not as it was when the timer last ran
    if (form.hidden) {
      if (tab) stopSelecting(); // nothing selected: Tab leaves as it always does
      else if (selecting()) event.preventDefault(); // nothing to highlight yet
      return;
    }
    event.preventDefault();
    if (tab) lastColour(form)?.focus();
    else if (colour) press(colour);
    else openComment();
  });
  // The body the server sends back after a highlight names it (data-created). Acted on as
  // it is swapped in, before htmx's settle delay lets another key through: a selection
  // begun then is the reader's next one and must not be reset afterwards.
  document.addEventListener("htmx:before:settle", () => {
    const body = storyBody();
    const id = body?.dataset.created;
    if (!id) return;
    delete body.dataset.created;
    reset();
    // After the rest of the answer (the card, where no mark can be) is in place.
    queueMicrotask(() => focusDrawn(id));
  });
}

/** Focus the new highlight (or its card, where no mark can be). */
function focusDrawn(id) {
  const target = document.getElementById(`hl-${id}`) || document.getElementById(`annotation-${id}`);
  if (!target) return;
  if (!target.hasAttribute("tabindex")) target.tabIndex = -1;
  target.focus();
}

function setUpMarks() {
  const toCard = (mark) => {
    const card = document.getElementById(`annotation-${mark.dataset.annotation}`);
    if (!card) return false;
    window.location.hash = card.id;
    card.focus({ preventScroll: true });
    return true;
  };
  document.addEventListener("click", (event) => {
    const mark = event.target instanceof Element && event.target.closest("mark.hl[data-annotation]");
    if (!mark || event.target.closest("a") || !document.getSelection()?.isCollapsed) return;
    toCard(mark);
  });
  document.addEventListener("keydown", (event) => {
    const mark = event.target instanceof Element && event.target.matches("mark.hl[data-annotation]");
    if (mark && event.key === "Enter" && toCard(event.target)) event.preventDefault();
  });
}

const toolbar = document.getElementById("annotate-toolbar");
if (toolbar) setUpToolbar(toolbar);
setUpMarks();
// Share menus with Copy buttons, in the page or swapped in later, need share.js.
const share = () => document.querySelector("button[data-copy]") && import("./share.js");
share();
document.addEventListener("htmx:after:swap", share);
