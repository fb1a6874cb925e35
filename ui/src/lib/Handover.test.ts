import { afterEach, describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import { clearMocks } from "@tauri-apps/api/mocks";
import Inbox from "./Inbox.svelte";
import { callsOf, conversationSummary, meAs, message, mockCore, queueOver, sendingOptions } from "./fixtures";
import { expectAccessible } from "./a11y";
import { KEEP, ROW_HEIGHT } from "./queue.svelte";

afterEach(() => clearMocks());

const manager = meAs({
  username: "mia",
  capabilities: ["conversations.view", "conversations.reply", "conversations.assign", "conversations.transfer"],
});
const sheena = conversationSummary();
const omar = conversationSummary({ id: 8, contact_id: 8, customer_name: "Omar Haddad", last_message_at: Date.now() - 60_000 });
const offered = { agents: ["anna", "mia"], teams: [{ id: 2, name: "Store B" }] };

function core(handlers: Parameters<typeof mockCore>[0] = {}) {
  return mockCore({
    list_conversations: () => [sheena, omar],
    conversation_messages: () => [message({ text: "Is the blue one in stock?" })],
    mark_read: () => null,
    sending_options: () => sendingOptions(),
    handover_options: () => offered,
    assign_conversation: () => undefined,
    transfer_conversation: () => undefined,
    ...handlers,
  });
}

async function openSheena() {
  render(Inbox, { me: manager, onSignedOut: vi.fn() });
  await fireEvent.click(await screen.findByRole("button", { name: /Sheena Nelson/ }));
  return within(await screen.findByTestId("handover"));
}

describe("Handing a conversation over", () => {
  it("assigns it to a colleague of its team, or back to the team's queue", async () => {
    const calls = core();
    const handover = await openSheena();
    const assignee = handover.getByLabelText("Assigned to") as HTMLSelectElement;
    expect([...assignee.options].map((o) => o.text)).toEqual(["Team queue (Store A)", "anna", "mia (me)"]);
    await expectAccessible();
    await fireEvent.change(assignee, { target: { value: "anna" } });
    await waitFor(() => expect(callsOf(calls, "assign_conversation")).toHaveLength(1));
    await fireEvent.change(assignee, { target: { value: "" } });
    await waitFor(() => expect(callsOf(calls, "assign_conversation")).toHaveLength(2));
    expect(callsOf(calls, "assign_conversation")).toEqual([
      { conversationId: 7, request: { agent: "anna" } },
      { conversationId: 7, request: { agent: null } },
    ]);
  });

  it("moves it to another team with a private note, and shows why the core refused", async () => {
    const calls = core({
      transfer_conversation: (_, n) => {
        if (n === 1) throw { code: "invalid", message: "there is no such team" };
      },
    });
    const handover = await openSheena();
    await fireEvent.click(handover.getByRole("button", { name: "Move to another team…" }));
    const form = within(screen.getByTestId("move-form"));
    const move = form.getByRole("button", { name: "Move" }) as HTMLButtonElement;
    expect(move.disabled).toBe(true);
    await fireEvent.change(form.getByLabelText("Team"), { target: { value: "2" } });
    await fireEvent.input(form.getByLabelText(/A private note for them/), { target: { value: " She collects in B " } });
    await fireEvent.click(move);
    expect((await screen.findByRole("alert")).textContent).toContain("there is no such team");
    expect(screen.getByTestId("move-form")).toBeTruthy();
    await fireEvent.click(move);
    await waitFor(() => expect(screen.queryByTestId("move-form")).toBeNull());
    expect(callsOf(calls, "transfer_conversation")[1]).toEqual({ conversationId: 7, request: { team: 2, note: "She collects in B" } });
  });

  it("shows nothing, and asks nothing, to a role that may neither assign nor move", async () => {
    const calls = core();
    render(Inbox, { me: meAs({ capabilities: ["conversations.view", "conversations.reply"] }), onSignedOut: vi.fn() });
    await fireEvent.click(await screen.findByRole("button", { name: /Sheena Nelson/ }));
    await screen.findByText("Is the blue one in stock?", { selector: ".message p" });
    expect(screen.queryByTestId("handover")).toBeNull();
    expect(callsOf(calls, "handover_options")).toEqual([]);
  });
});

describe("Keyboard shortcuts at the counter", () => {
  it("Alt+↓ and Alt+↑ go through the list, Alt+R goes to the reply box, Alt+A takes the conversation", async () => {
    const calls = core();
    render(Inbox, { me: manager, onSignedOut: vi.fn() });
    await screen.findByRole("button", { name: /Sheena Nelson/ });
    await fireEvent.keyDown(window, { key: "ArrowDown", altKey: true });
    expect((await screen.findByRole("heading", { level: 2 })).textContent).toContain("Sheena Nelson");
    await fireEvent.keyDown(window, { key: "ArrowDown", altKey: true });
    await waitFor(() => expect(screen.getByRole("heading", { level: 2 }).textContent).toContain("Omar Haddad"));
    await fireEvent.keyDown(window, { key: "ArrowUp", altKey: true });
    await waitFor(() => expect(screen.getByRole("heading", { level: 2 }).textContent).toContain("Sheena Nelson"));
    await screen.findByTestId("handover");
    await fireEvent.keyDown(window, { key: "r", altKey: true });
    expect(document.activeElement?.id).toBe("reply");
    await fireEvent.keyDown(window, { key: "a", altKey: true });
    await waitFor(() => expect(callsOf(calls, "assign_conversation")).toEqual([{ conversationId: 7, request: { agent: "mia" } }]));
  });
});

describe("Narrowing the list", () => {
  it("shows one team's conversations, mine, or those no one has yet, and counts what is shown", async () => {
    const york = conversationSummary({ id: 9, contact_id: 9, customer_name: "Erin Walsh", team: { id: 2, name: "York" }, assignee: "mia", last_message_at: Date.now() - 120_000 });
    const calls = core({ list_conversations: () => [sheena, omar, york], conversation_page: queueOver(() => [sheena, omar, york], "mia") });
    render(Inbox, { me: manager, onSignedOut: vi.fn() });
    await screen.findByRole("button", { name: /Erin Walsh/ });
    const names = () => screen.queryAllByTestId("conversation").map((b) => b.querySelector(".name")?.textContent);
    expect(names()).toEqual(["Sheena Nelson", "Omar Haddad", "Erin Walsh"]);
    await fireEvent.change(screen.getByLabelText("Team"), { target: { value: "2" } });
    expect(names()).toEqual(["Erin Walsh"]);
    expect(screen.getByTestId("view-active").textContent).toContain("1");
    await fireEvent.change(screen.getByLabelText("Team"), { target: { value: "" } });
    await fireEvent.change(screen.getByLabelText("Assigned"), { target: { value: "unassigned" } });
    expect(names()).toEqual(["Sheena Nelson", "Omar Haddad"]);
    await fireEvent.change(screen.getByLabelText("Assigned"), { target: { value: "mine" } });
    expect(names()).toEqual(["Erin Walsh"]);
    // The core is asked for what is chosen: the list is cut there, a page at a time.
    const asked = callsOf(calls, "conversation_page").map((a) => a.request);
    expect(asked.at(-1)).toMatchObject({ view: "active", team: null, assigned: "mine", limit: 50 });
    expect(asked).toContainEqual(expect.objectContaining({ team: 2, assigned: "anyone" }));
    await expectAccessible();
  });

  it("offers no team choice when every conversation is one team's", async () => {
    core();
    render(Inbox, { me: manager, onSignedOut: vi.fn() });
    await screen.findByRole("button", { name: /Sheena Nelson/ });
    expect(screen.queryByLabelText("Team")).toBeNull();
    expect(screen.getByLabelText("Assigned")).toBeTruthy();
  });
});

/** A core whose queue holds `n` conversations, read `limit` at a time by a cursor. */
function longQueue(n: number) {
  const many = Array.from({ length: n }, (_, i) =>
    conversationSummary({ id: i + 1, contact_id: i + 1, customer_name: `Customer ${i + 1}`, last_message_at: 2_000_000 - i }),
  );
  return core({
    conversation_page: (args) => {
      const r = args.request as { after?: string | null; limit: number };
      const from = r.after ? Number(r.after) : 0;
      const items = many.slice(from, from + r.limit);
      const end = from + items.length;
      return { items, next: end < n ? String(end) : null, counts: { active: n, waiting: 0, resolved: 0, all: n } };
    },
  });
}

describe("A long queue", () => {
  it("draws only the rows in sight and reads the next page as the end comes into sight", async () => {
    const calls = longQueue(1000);
    render(Inbox, { me: manager, onSignedOut: vi.fn() });
    await screen.findByRole("button", { name: /Customer 1\b/ });
    expect(screen.getByTestId("view-active").textContent).toContain("1000");
    // 50 read; only those in sight (and a few either side) drawn.
    expect(screen.getAllByTestId("conversation").length).toBeLessThan(25);
    const rows = screen.getByTestId("queue-rows") as HTMLDivElement;
    rows.scrollTop = 40 * ROW_HEIGHT;
    await fireEvent.scroll(rows);
    await waitFor(() => expect(screen.getByRole("button", { name: /Customer 45\b/ })).toBeTruthy());
    expect(screen.queryByRole("button", { name: /Customer 1\b/ })).toBeNull();
    await waitFor(() => expect(callsOf(calls, "conversation_page").some((a) => (a.request as { after?: string }).after === "50")).toBe(true));
    expect(screen.getAllByTestId("conversation").length).toBeLessThan(25);
  });
});

describe("A long queue, scrolled far", () => {
  it("keeps the rows read beyond the first 200 when the list refreshes", async () => {
    const calls = longQueue(600);
    render(Inbox, { me: manager, onSignedOut: vi.fn() });
    await screen.findByRole("button", { name: /Customer 1\b/ });
    const rows = screen.getByTestId("queue-rows") as HTMLDivElement;
    for (const at of [45, 95, 145, 195, 245]) {
      rows.scrollTop = at * ROW_HEIGHT;
      await fireEvent.scroll(rows);
      await screen.findByRole("button", { name: new RegExp(`Customer ${at + 1}\\b`) });
    }
    const firstPages = () => callsOf(calls, "conversation_page").filter((a) => !(a.request as { after?: string }).after).length;
    const before = firstPages();
    await waitFor(() => expect(firstPages()).toBeGreaterThan(before), { timeout: 3000 });
    // Still drawn where the reader is, and nothing read again from the top beyond 200.
    expect(screen.getByRole("button", { name: /Customer 246\b/ })).toBeTruthy();
    const refreshed = callsOf(calls, "conversation_page").filter((a) => !(a.request as { after?: string }).after).at(-1);
    expect((refreshed?.request as { limit: number }).limit).toBe(200);
  });
});

describe("A long queue, scrolled to its end and back", () => {
  it("lets go of the rows far above and reads them again on the way back", async () => {
    // Far enough past row 300 that its page is let go (more than KEEP rows beyond it).
    const n = 300 + 50 + KEEP + 150;
    const calls = longQueue(n);
    render(Inbox, { me: manager, onSignedOut: vi.fn() });
    await screen.findByRole("button", { name: /Customer 1\b/ });
    const rows = screen.getByTestId("queue-rows") as HTMLDivElement;
    for (let at = 45; at < n; at += 50) {
      rows.scrollTop = at * ROW_HEIGHT;
      await fireEvent.scroll(rows);
      await screen.findByRole("button", { name: new RegExp(`Customer ${at + 1}\\b`) });
    }
    const readsOf300 = () => callsOf(calls, "conversation_page").filter((a) => (a.request as { after?: string }).after === "300").length;
    expect(readsOf300()).toBe(1);
    // Below the top 200 (which every refresh reads again anyway).
    rows.scrollTop = 300 * ROW_HEIGHT;
    await fireEvent.scroll(rows);
    await screen.findByRole("button", { name: /Customer 301\b/ });
    expect(screen.getByRole("button", { name: /Customer 305\b/ })).toBeTruthy();
    expect(readsOf300()).toBe(2);
  }, 20_000);
});

describe("A long queue, its view changed while a page is on its way", () => {
  it("shows only the new view's rows: the late page of the old view is dropped", async () => {
    let release: () => void = () => {};
    const late = new Promise<void>((r) => (release = r));
    const rowsOf = (view: string, from: number, n: number) =>
      Array.from({ length: n }, (_, i) =>
        conversationSummary({ id: (view === "all" ? 10_000 : 0) + from + i + 1, customer_name: `${view} ${from + i + 1}`, last_message_at: 2_000_000 - from - i }),
      );
    core({
      conversation_page: async (args) => {
        const r = args.request as { view: string; after?: string | null; limit: number };
        const from = r.after ? Number(r.after) : 0;
        if (r.view === "active" && from > 0) await late;
        return { items: rowsOf(r.view, from, r.limit), next: String(from + r.limit), counts: { active: 500, waiting: 0, resolved: 0, all: 500 } };
      },
    });
    render(Inbox, { me: manager, onSignedOut: vi.fn() });
    await screen.findByRole("button", { name: /active 1\b/ });
    const rows = screen.getByTestId("queue-rows") as HTMLDivElement;
    rows.scrollTop = 40 * ROW_HEIGHT;
    await fireEvent.scroll(rows);
    await fireEvent.click(screen.getByTestId("view-all"));
    await screen.findByRole("button", { name: /all 1\b/ });
    release();
    await new Promise((r) => setTimeout(r, 50));
    rows.scrollTop = 45 * ROW_HEIGHT;
    await fireEvent.scroll(rows);
    await screen.findByRole("button", { name: /all 46\b/ });
    expect(screen.queryAllByRole("button", { name: /active \d+/ })).toEqual([]);
  });
});

describe("A conversation that leaves the reader's inbox", () => {
  it("closes quietly once the core no longer shows it (moved to another team)", async () => {
    let moved = false;
    core({
      list_conversations: () => (moved ? [omar] : [sheena, omar]),
      conversation_summary: () => {
        throw { code: "not_found", message: "not found" };
      },
      transfer_conversation: () => {
        moved = true;
      },
    });
    const handover = await openSheena();
    await fireEvent.click(handover.getByRole("button", { name: "Move to another team…" }));
    const form = within(screen.getByTestId("move-form"));
    await fireEvent.change(form.getByLabelText("Team"), { target: { value: "2" } });
    await fireEvent.click(form.getByRole("button", { name: "Move" }));
    expect(await screen.findByText(/Choose a conversation on the left/)).toBeTruthy();
    expect(screen.queryByRole("alert")).toBeNull();
  });
});
