// Reading progress: remembers how far down the story the reader got and scrolls back there
// the next time it is opened. The fraction (0 = top of the story, 1 = its end in view) is
// posted while scrolling, at most every few seconds, and once more when the page is left.
// Without this script nothing is remembered and nothing else changes.

const INTERVAL = 3000; // ms between posts while scrolling
const EPSILON = 0.01; // smaller moves are not worth a request
const NEAR_TOP = 0.02; // closer than this to either end: start from the top
const NEAR_END = 0.98;

const article = document.querySelector("article[data-progress-url]");

function csrfToken() {
  return document.querySelector("input[name=csrfmiddlewaretoken]")?.value || "";
}

/** The article's extent in page coordinates and how far the viewport can travel in it. */
function span() {
  const top = article.getBoundingClientRect().top + window.scrollY;
  const travel = Math.max(1, article.offsetHeight - window.innerHeight);
  return { top, travel };
}

function currentFraction() {
  const { top, travel } = span();
  return Math.min(1, Math.max(0, (window.scrollY - top) / travel));
}

function scrollToFraction(fraction) {
  const { top, travel } = span();
  window.scrollTo({ top: Math.round(top + fraction * travel), behavior: "instant" });
}

function setUp() {
  const url = article.dataset.progressUrl;
  const saved = Number.parseFloat(article.dataset.progress || "0") || 0;
  let sent = saved;
  let timer = 0;
  let userScrolled = false;

  function send({ leaving = false } = {}) {
    timer = 0;
    const fraction = Math.round(currentFraction() * 1000) / 1000;
    if (Math.abs(fraction - sent) < EPSILON) return;
    sent = fraction;
    const body = new FormData();
    body.append("progress", String(fraction));
    body.append("csrfmiddlewaretoken", csrfToken());
    if (leaving && navigator.sendBeacon) {
      navigator.sendBeacon(url, body);
      return;
    }
    fetch(url, { method: "POST", body, credentials: "same-origin", keepalive: leaving }).catch(
      () => {
        sent = -1; // not stored: try again with the next scroll
      },
    );
  }

  // Back/forward restores the scroll position itself, and a link to a highlight (#hl-…)
  // says where to go: only a fresh visit resumes.
  const navigation = performance.getEntriesByType("navigation")[0];
  const resume =
    saved > NEAR_TOP && saved < NEAR_END && !window.location.hash && navigation?.type !== "back_forward";
  if (resume) {
    scrollToFraction(saved);
    // Images without sizes can move the text once they load; follow them unless the
    // reader has started scrolling.
    window.addEventListener("load", () => {
      if (!userScrolled) scrollToFraction(saved);
    });
  }

  for (const name of ["wheel", "touchmove", "keydown", "pointerdown"]) {
    window.addEventListener(name, () => {
      userScrolled = true;
    }, { passive: true, once: true });
  }
  window.addEventListener(
    "scroll",
    () => {
      if (!timer) timer = window.setTimeout(send, INTERVAL);
    },
    { passive: true },
  );
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") send({ leaving: true });
  });
  window.addEventListener("pagehide", () => send({ leaving: true }));
}

if (article) setUp();
