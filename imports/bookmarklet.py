"""The bookmarklet's code: a javascript: URL a reader drags to their bookmarks bar.

It runs in the page the reader is on, opens a small window on Newsreader's own origin
(where they are signed in: first-party cookies, its own CSRF token) and, once that window
says it is ready, posts it the page's address, title, selected text, rendered DOM and the
reader's save key. It sends only to our origin and listens only to the window it opened.
The DOM goes without its scripts, styles and media (a copy of it: the page is untouched),
which the story never keeps and which make up most of a page's weight.
The window (static/js/save-window.js) checks where the message came from and submits its
own form; the key tells the server the message came from the reader's bookmarklet, not
from a page that opened the window itself.
"""

from __future__ import annotations

import json
from urllib.parse import quote

# Kept short and readable; names in it are the page's too, so everything is local. No
# line comments: href() joins the lines into one. A window that reloads (a sign-in) says
# it is ready again and is sent the page again; it saves once, then leaves this page.
SOURCE = """(() => {
  const origin = %(origin)s, key = %(key)s;
  const selection = String(getSelection()).slice(0, 10000), url = location.href;
  const query = "?url=" + encodeURIComponent(url)
    + "&selection=" + encodeURIComponent(selection.slice(0, 1500));
  const win = open(origin + "/save/window/" + query, "newsreader-save",
    "popup,width=520,height=680");
  if (!win) { alert("Newsreader: this page does not allow pop-up windows."); return; }
  const copy = document.documentElement.cloneNode(true);
  copy.querySelectorAll("script,style,noscript,template,iframe,svg,canvas,video,audio")
    .forEach((node) => node.remove());
  const message = {type: "newsreader-save", key, url, title: document.title, selection,
    html: "<!doctype html>" + copy.outerHTML};
  const listen = (event) => {
    if (event.source !== win || event.origin !== origin) return;
    if (event.data !== "newsreader-ready") return;
    win.postMessage(message, origin);
  };
  addEventListener("message", listen);
})();"""


def code(origin: str, key: str) -> str:
    """The script itself (what a test runs in a page)."""
    return SOURCE % {"origin": json.dumps(origin), "key": json.dumps(key)}


def href(origin: str, key: str) -> str:
    """The javascript: URL: the script on one line, percent-encoded where a URL needs it."""
    one_line = " ".join(line.strip() for line in code(origin, key).splitlines())
    return "javascript:" + quote(one_line, safe=" ()[]{}=;:,.+!?&|<>/'\"*-_$")
