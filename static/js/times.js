// Relative times ("5 minutes ago") on annotation cards and replies stay right while the
// page is open: the server's words are the fallback without JavaScript, and cards come
// from a cache keyed by those words (annotations/cards.py). The same words as the server's
// annotation_tags.ago: whole units, a no-break space, the date after a week.
const UNITS = [["day", 86400], ["hour", 3600], ["minute", 60]];
const SELECTOR = ".annotation-time time[datetime], .reply-meta time[datetime]";

export function ago(then, now = Date.now()) {
  const seconds = Math.floor((now - then) / 1000);
  if (seconds < 60) return "just now";
  if (seconds < 7 * 86400) {
    for (const [unit, size] of UNITS) {
      if (seconds >= size) {
        const count = Math.floor(seconds / size);
        return `${count}\u00a0${unit}${count === 1 ? "" : "s"} ago`;
      }
    }
  }
  return null; // a week on: the server's date stands (its time zone, not the browser's)
}

export function refresh(root = document) {
  for (const time of root.querySelectorAll(SELECTOR)) {
    const then = Date.parse(time.getAttribute("datetime"));
    if (Number.isNaN(then)) continue;
    const words = ago(then);
    if (words === null) {
      // Left open for days past a week: the date, as the server would now write it.
      if (/ago$|^just now$/.test(time.textContent)) {
        time.textContent = new Date(then).toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "numeric" });
      }
    } else if (time.textContent !== words) {
      time.textContent = words;
    }
  }
}

refresh();
setInterval(refresh, 30_000);
document.addEventListener("htmx:after:swap", () => refresh());
