// The reading view's selection toolbar. It turns a text selection in the story body into
// W3C selectors and puts them in the toolbar form; htmx posts the form and swaps in what
// the server draws. Offsets are code points of the body's textContent, the server's
// body_text: the browser counts UTF-16 code units, so they are converted here.
// Also: a click on a highlight goes to its card in the sidebar.

const CONTEXT = 32; // code points of prefix/suffix, as annotations.anchoring.describe
const LAST_COLOUR = "newsreader.lastColour";

const isHigh = (unit) => unit >= 0xd800 && unit <= 0xdbff;
const isLow = (unit) => unit >= 0xdc00 && unit <= 0xdfff;

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
    if (typeof Highlight === "undefined" || !CSS.highlights) return;
    if (range) CSS.highlights.set("annotate-pending", new Highlight(range));
    else CSS.highlights.delete("annotate-pending");
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
    if (event.key === "Escape" && !form.hidden) {
      reset();
      return;
    }
    if (commenting() || event.ctrlKey || event.metaKey || event.altKey) return;
    if (isEditable(event.target) || (event.key !== "h" && event.key !== "c")) return;
    update(); // a selection made with the keyboard a moment ago counts too
    if (form.hidden) return;
    if (event.key === "h") {
      event.preventDefault();
      lastColour(form)?.click();
    } else if (event.key === "c") {
      event.preventDefault();
      openComment();
    }
  });
  // Sent by the server (HX-Trigger) once the annotation is stored and drawn.
  document.body.addEventListener("annotation-created", reset);
}

function setUpMarks() {
  document.addEventListener("click", (event) => {
    const mark = event.target instanceof Element && event.target.closest("mark.hl[data-annotation]");
    if (!mark || event.target.closest("a") || !document.getSelection()?.isCollapsed) return;
    const card = document.getElementById(`annotation-${mark.dataset.annotation}`);
    if (!card) return;
    window.location.hash = card.id;
    card.focus({ preventScroll: true });
  });
}

const toolbar = document.getElementById("annotate-toolbar");
if (toolbar) setUpToolbar(toolbar);
setUpMarks();
