// The window the "Save to Newsreader" bookmarklet opens (imports/bookmarklet.py). It tells
// the page that opened it that it is ready, takes one message from that page alone, and
// sends its own form: the POST is this origin's, with this page's CSRF token. A message
// must come from the window that opened this one, and a page may only send its own
// address; the key it carries is checked by the server.
const form = document.getElementById("save-form");
const status = document.getElementById("save-status");

function fill(data) {
  form.elements.url.value = data.url;
  form.elements.selection.value = typeof data.selection === "string" ? data.selection : "";
  form.elements.title.value = typeof data.title === "string" ? data.title.slice(0, 1000) : "";
  form.elements.html.value = typeof data.html === "string" ? data.html : "";
  form.elements.key.value = typeof data.key === "string" ? data.key : "";
}

function receive(event) {
  if (!window.opener || event.source !== window.opener) return;
  const data = event.data;
  if (!data || data.type !== "newsreader-save" || typeof data.url !== "string" || !data.key) return;
  let sender;
  try {
    sender = new URL(data.url).origin;
  } catch {
    return;
  }
  if (sender !== event.origin) return;
  window.removeEventListener("message", receive);
  fill(data);
  status.textContent = "Saving…";
  form.querySelector("button[type=submit]").disabled = true;
  form.submit();
}

if (form && window.opener && !form.querySelector(".errorlist")) {
  window.addEventListener("message", receive);
  // Only a word: nothing about the reader goes to a page we do not know.
  window.opener.postMessage("newsreader-ready", "*");
}
