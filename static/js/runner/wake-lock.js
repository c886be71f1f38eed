// Facilitator mode, the screen stays on during a session (Wake Lock, where the browser allows it).

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
