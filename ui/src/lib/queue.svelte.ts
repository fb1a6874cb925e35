import type { ConversationPage, ConversationSummary } from "./api";

/** A stretch of the list read with one request: the cursor it was read after, and its rows
 * (`null` once dropped to save memory; read again with the same cursor when it comes back
 * into sight). */
interface Chunk {
  after: string | null;
  length: number;
  items: ConversationSummary[] | null;
  /** Being read again. */
  reading?: boolean;
}

/** A dropped stretch to read again: ask the core for `limit` rows after `after`. */
export interface Wanted {
  readonly chunk: Chunk;
  readonly after: string | null;
  readonly limit: number;
}

/** Rows kept either side of those in sight; further ones are dropped until scrolled back to. */
export const KEEP = 500;

/** The height of a row of the inbox's list, in pixels: four lines (name and time, number,
 * preview, then the unread count, priority and assignee), so none is cut. Every row has it, so
 * the list can draw only the rows in sight. */
export const ROW_HEIGHT = 104;
/** How close to the rows in sight a dropped stretch is read again. */
const NEAR = 60;

/**
 * The inbox's list as read from the core a page at a time, holding at most the rows around
 * those in sight: scrolling through 100,000 conversations keeps memory flat. Every row keeps
 * its place (a dropped row is a `null` slot of the same height), so the scroll bar and the
 * reader's position never jump.
 */
export class QueueWindow {
  /** The list, a slot per row read so far; `null` where the row was dropped. One array,
   * changed in place (a fresh copy of 100,000 slots per page would be hundreds of MiB of
   * garbage over a long scroll); readers see a change through `#version`. */
  #rows: (ConversationSummary | null)[] = [];
  #version = $state(0);
  get rows(): readonly (ConversationSummary | null)[] {
    void this.#version;
    return this.#rows;
  }
  /** The cursor of the page after the last one read; `null` at the end. */
  next = $state<string | null>(null);
  #chunks: Chunk[] = [];
  /** Ids of every row placed (dropped ones too), so a page never repeats a row. */
  #ids = new Set<number>();
  /** Changes whenever the list starts again, so a late page for the list as it was is put
   * nowhere. */
  #generation = 0;

  /** Starts again, empty (another view or filter). */
  clear() {
    this.#chunks = [];
    this.#ids = new Set();
    this.#generation += 1;
    this.#rows = [];
    this.#version += 1;
    this.next = null;
  }

  /** What a request made now must give back to `fill`/`append` to still count. */
  get generation() {
    return this.#generation;
  }

  /** The list's top read again: it replaces the stretches it covers; rows read further down
   * are kept below it (so a list scrolled far does not shrink under the reader), less any
   * that the fresh top now holds. */
  top(page: ConversationPage) {
    const fresh = page.items;
    const keepBelow = page.next !== null && this.#rows.length > fresh.length;
    let rest: Chunk[] = [];
    let inPlace = false;
    if (keepBelow) {
      let covered = 0;
      let i = 0;
      while (i < this.#chunks.length && covered + this.#chunks[i].length <= fresh.length) covered += this.#chunks[i++].length;
      const freshIds = new Set(fresh.map((c) => c.id));
      rest = this.#chunks.slice(i);
      let removed = 0;
      for (const c of rest) {
        if (c.items === null) continue;
        const items = c.items.filter((r) => !freshIds.has(r.id));
        removed += c.length - items.length;
        c.items = items;
        c.length = items.length;
      }
      // The usual refresh: the same number of rows on top, none of them from below.
      inPlace = removed === 0 && covered === fresh.length;
    } else {
      // The list is this page now: a page on its way was read after an older end.
      this.next = page.next;
      this.#generation += 1;
    }
    this.#chunks = [{ after: null, length: fresh.length, items: fresh }, ...rest];
    if (!keepBelow) this.#ids = new Set();
    for (const r of fresh) this.#ids.add(r.id);
    if (inPlace) {
      for (const [i, r] of fresh.entries()) this.#rows[i] = r;
      this.#version += 1;
    } else {
      this.#flatten();
    }
  }

  /** The next page, read after `after`, appended. */
  append(page: ConversationPage, after: string, generation: number) {
    if (generation !== this.#generation) return;
    const items = page.items.filter((c) => !this.#ids.has(c.id));
    for (const c of items) this.#ids.add(c.id);
    this.#chunks.push({ after, length: items.length, items });
    this.next = page.next;
    this.#rows.push(...items);
    this.#version += 1;
  }

  /** Drops the stretches far from rows `first`..`last` (those in sight) and tells which
   * dropped ones near them to read again (each once, until `fill` or `failed`). */
  upkeep(first: number, last: number): Wanted[] {
    let start = 0;
    let dropped = false;
    const wanted: Wanted[] = [];
    for (const c of this.#chunks) {
      const end = start + c.length;
      if (c.items !== null && (end < first - KEEP || start > last + KEEP)) {
        c.items = null;
        this.#rows.fill(null, start, end);
        dropped = true;
      } else if (c.items === null && !c.reading && c.length > 0 && end >= first - NEAR && start <= last + NEAR) {
        c.reading = true;
        wanted.push({ chunk: c, after: c.after, limit: c.length });
      }
      start = end;
    }
    if (dropped) this.#version += 1;
    return wanted;
  }

  /** A dropped stretch read again, in its place. Rows that joined it since wait for the next
   * refresh (it keeps no more than it had); if rows left it, the rows below move up. */
  fill(wanted: Wanted, page: ConversationPage) {
    const c = wanted.chunk;
    c.reading = false;
    // Replaced meanwhile by a fresh top, or the list started again.
    if (!this.#chunks.includes(c) || c.items !== null) return;
    const items = page.items.slice(0, c.length);
    let start = 0;
    for (const before of this.#chunks) {
      if (before === c) break;
      start += before.length;
    }
    this.#rows.splice(start, c.length, ...items);
    c.items = items;
    c.length = items.length;
    for (const r of items) this.#ids.add(r.id);
    this.#version += 1;
  }

  /** A stretch could not be read again: it is asked for again when next in sight. */
  failed(wanted: Wanted) {
    wanted.chunk.reading = false;
  }

  /** The first row read (and not dropped) that passes `test`. */
  find(test: (c: ConversationSummary) => boolean): ConversationSummary | undefined {
    for (const r of this.rows) if (r !== null && test(r)) return r;
    return undefined;
  }

  /** The slots made again from the stretches (after the top is read again). */
  #flatten() {
    const rows: (ConversationSummary | null)[] = [];
    for (const c of this.#chunks) {
      if (c.items === null) for (let i = 0; i < c.length; i++) rows.push(null);
      else for (const r of c.items) rows.push(r);
    }
    this.#rows = rows;
    this.#version += 1;
  }
}
