import { describe, expect, it } from "vitest";
import { conversationSummary } from "./fixtures";
import { KEEP, QueueWindow } from "./queue.svelte";
import type { ConversationPage } from "./api";

const counts = { active: 0, waiting: 0, resolved: 0, all: 0 };
/** Rows `from`.. of a long list, `n` of them, as the core pages them. */
function page(from: number, n: number, total = 100_000): ConversationPage {
  const items = Array.from({ length: n }, (_, i) => conversationSummary({ id: from + i + 1, customer_name: `Customer ${from + i + 1}` }));
  return { items, next: from + n < total ? String(from + n) : null, counts };
}
/** A window read from the top to `rows` rows, 50 at a time. */
function readTo(rows: number) {
  const q = new QueueWindow();
  q.top(page(0, 50));
  for (let from = 50; from < rows; from += 50) q.append(page(from, 50), String(from), q.generation);
  return q;
}
const held = (q: QueueWindow) => q.rows.filter((r) => r !== null).length;

describe("The inbox's list window", () => {
  it("holds only the rows near those in sight, however far the list is read", () => {
    const q = readTo(5000);
    expect(q.upkeep(4980, 5000)).toEqual([]);
    expect(q.rows).toHaveLength(5000);
    expect(held(q)).toBeLessThanOrEqual(KEEP + 20 + 50);
    expect(q.rows[0]).toBeNull();
    expect(q.rows[4999]?.customer_name).toBe("Customer 5000");
  });

  it("reads a dropped stretch again, with its own cursor, when it comes back into sight", () => {
    const q = readTo(2000);
    q.upkeep(1980, 2000);
    const wanted = q.upkeep(100, 112);
    expect(wanted.map((w) => [w.after, w.limit])).toEqual([
      [null, 50],
      ["50", 50],
      ["100", 50],
      ["150", 50],
    ]);
    // Asked once while on their way.
    expect(q.upkeep(100, 112)).toEqual([]);
    for (const w of wanted) q.fill(w, page(Number(w.after ?? 0), w.limit));
    expect(q.rows[100]?.customer_name).toBe("Customer 101");
    expect(q.rows).toHaveLength(2000);
  });

  it("puts nowhere a page that comes back after the list started again", () => {
    const q = readTo(100);
    const before = q.generation;
    q.clear();
    q.top(page(0, 50));
    q.append(page(100, 50), "100", before);
    expect(q.rows).toHaveLength(50);
  });

  it("keeps reading onwards when the top is read again while a page is on its way", () => {
    const q = readTo(300);
    const generation = q.generation;
    q.top(page(0, 200));
    q.append(page(300, 50), "300", generation);
    expect(q.rows).toHaveLength(350);
    expect(q.next).toBe("350");
  });

  it("never shows a row twice when a refresh of the top brings up one read further down", () => {
    const q = readTo(300);
    const fresh = page(0, 200);
    fresh.items[0] = conversationSummary({ id: 250, customer_name: "Customer 250" });
    q.top(fresh);
    expect(q.rows.filter((r) => r?.id === 250)).toHaveLength(1);
    expect(q.rows).toHaveLength(299);
  });
});
