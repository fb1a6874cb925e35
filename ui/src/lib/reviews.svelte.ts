// What the signed-in person is asked to review, shared by the tab bar (the count, and whether
// it is overdue) and the Reviews screen. Asked for when the app starts and every minute after.
import { api } from "./api";

export const REVIEWS_POLL_MS = 60_000;

class MyReviews {
  pending = $state(0);
  overdue = $state(false);
  /** Items in open campaigns: the tab shows while there are any. */
  any = $state(false);

  async refresh(): Promise<void> {
    try {
      const mine = await api.myAccessReviews();
      this.pending = mine.pending;
      this.overdue = mine.overdue;
      this.any = mine.items.length > 0;
    } catch {
      // A failed poll leaves the last count; the screen reports errors itself.
    }
  }
}

export const myReviews = new MyReviews();
