// Reading progress: how far down the story the reader got (0 = its top, 1 = its end in
// view), posted while scrolling (at most every 3 s) and on leaving; a fresh visit resumes
// there. Without this script nothing is remembered.

const article = document.querySelector("article[data-progress-url]");

/** The article's top in page coordinates, and how far the viewport can travel in it. */
function span() {
  const top = article.getBoundingClientRect().top + scrollY;
  return { top, travel: Math.max(1, article.offsetHeight - innerHeight) };
}

function scrollToFraction(fraction) {
  const { top, travel } = span();
  scrollTo({ top: Math.round(top + fraction * travel), behavior: "instant" });
}

function setUp() {
  const url = article.dataset.progressUrl;
  const saved = Number.parseFloat(article.dataset.progress) || 0;
  let sent = saved;
  let timer = 0;
  let userScrolled = false;

  function send(leaving = false) {
    timer = 0;
    const { top, travel } = span();
    const fraction = Math.round(Math.min(1, Math.max(0, (scrollY - top) / travel)) * 1000) / 1000;
    if (Math.abs(fraction - sent) < 0.01) return; // not worth a request
    sent = fraction;
    const body = new FormData();
    body.append("progress", fraction);
    body.append("csrfmiddlewaretoken", document.querySelector("[name=csrfmiddlewaretoken]")?.value || "");
    if (leaving && navigator.sendBeacon) navigator.sendBeacon(url, body);
    else fetch(url, { method: "POST", body, keepalive: leaving }).catch(() => { sent = -1; }); // retried on the next scroll
  }

  // Back/forward restores the scroll position itself and a #hl-… link says where to go:
  // only a fresh visit away from either end resumes.
  if (saved > 0.02 && saved < 0.98 && !location.hash && performance.getEntriesByType("navigation")[0]?.type !== "back_forward") {
    scrollToFraction(saved);
    // Images without sizes can move the text as they load: follow until the reader scrolls.
    addEventListener("load", () => userScrolled || scrollToFraction(saved));
  }
  for (const name of ["wheel", "touchmove", "keydown", "pointerdown"]) {
    addEventListener(name, () => { userScrolled = true; }, { passive: true, once: true });
  }
  addEventListener("scroll", () => { timer ||= setTimeout(send, 3000); }, { passive: true });
  document.addEventListener("visibilitychange", () => document.hidden && send(true));
  addEventListener("pagehide", () => send(true));
}

if (article) setUp();
