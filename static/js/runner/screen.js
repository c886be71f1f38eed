// Facilitator mode, the screen during a session: steps turned by arrow keys and swipes in the
// reading direction, and the screen kept on (Wake Lock, where the browser allows it).

const SWIPE_MIN_PX = 50;

/** Call `move(1)` or `move(-1)` on a key or a swipe while `active()`: to the left is forward in Urdu. */
export function bindStepGestures(root, { rtl, active, move }) {
  document.addEventListener("keydown", (event) => {
    if (!active() || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    if (event.target.closest && event.target.closest("input, textarea, select, [contenteditable]")) {
      return;
    }
    // The next step lies in the reading direction: to the left in Urdu.
    const forward = rtl ? "ArrowLeft" : "ArrowRight";
    const back = rtl ? "ArrowRight" : "ArrowLeft";
    if (event.key !== forward && event.key !== back) return;
    event.preventDefault();
    move(event.key === forward ? 1 : -1);
  });
  let start = null;
  root.addEventListener(
    "touchstart",
    (event) => {
      const touch = event.touches[0];
      start = event.touches.length === 1 ? { x: touch.clientX, y: touch.clientY } : null;
    },
    { passive: true },
  );
  root.addEventListener("touchcancel", () => {
    start = null;
  });
  root.addEventListener(
    "touchend",
    (event) => {
      if (!start || !active()) return;
      const touch = event.changedTouches[0];
      const dx = touch.clientX - start.x;
      const dy = touch.clientY - start.y;
      start = null;
      if (Math.abs(dx) < SWIPE_MIN_PX || Math.abs(dx) < 2 * Math.abs(dy)) return;
      // Like turning a page: the next step comes in from the side the text reads towards.
      const forward = rtl ? dx > 0 : dx < 0;
      move(forward ? 1 : -1);
    },
    { passive: true },
  );
}

export class ScreenWakeLock {
  constructor() {
    this.lock = null;
    this.pending = false;
  }

  /** Ask for the lock while the page is visible; let it go if `stillWanted()` is false by then. */
  async keep(stillWanted) {
    if (!("wakeLock" in navigator) || document.visibilityState !== "visible") return;
    if (this.pending || (this.lock && !this.lock.released)) return;
    this.pending = true;
    try {
      this.lock = await navigator.wakeLock.request("screen");
      if (!stillWanted()) this.release(); // the session ended meanwhile
    } catch {
      this.lock = null; // not allowed (battery saver, insecure origin): the session still runs
    } finally {
      this.pending = false;
    }
  }

  release() {
    if (this.lock) this.lock.release().catch(() => {});
    this.lock = null;
  }
}
