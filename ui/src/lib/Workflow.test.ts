import { afterEach, describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import { clearMocks } from "@tauri-apps/api/mocks";
import Inbox from "./Inbox.svelte";
import { callsOf, conversationSummary, meAs, message, mockCore, sendingOptions } from "./fixtures";
import type { ConversationSummary, Note } from "./api";

afterEach(() => clearMocks());

const agent = meAs({
  capabilities: ["conversations.view", "conversations.reply", "conversations.close", "notes.view", "notes.write"],
});

function conversation(id: number, name: string, extra: Partial<ConversationSummary> = {}): ConversationSummary {
  return conversationSummary({ id, contact_id: id, customer_name: name, last_message_at: Date.now() - id * 1000, ...extra });
}

const note: Note = { id: 4, author: "mia.manager", text: "Card **** **** **** 1111 refunded", at: Date.now(), mentions: ["demo.agent"] };

function quiet(list: ConversationSummary[], more: Record<string, (a: Record<string, unknown>, n: number) => unknown> = {}) {
  return mockCore({
    list_conversations: () => list,
    conversation_messages: () => [message({ id: 1, text: "Hello", sent_at: Date.now() - 60_000 })],
    conversation_notes: () => [],
    my_mentions: () => ({ mentions: [] }),
    mark_read: () => null,
    sending_options: () => sendingOptions(),
    ...more,
  });
}

describe("Inbox work", () => {
  it.each([
    ["active", ["Urgent Ulla", "Newest Nia", "Older Otto"]],
    ["waiting", ["Pending Pia", "Snoozed Sam"]],
    ["resolved", ["Done Dan"]],
  ])("shows %s conversations, the most urgent first", async (view, names) => {
    quiet([
      conversation(1, "Newest Nia", { unread: 2 }),
      conversation(2, "Older Otto"),
      conversation(3, "Urgent Ulla", { priority: "urgent" }),
      conversation(4, "Pending Pia", { status: "pending" }),
      conversation(5, "Snoozed Sam", { snoozed_until: Date.now() + 3_600_000 }),
      conversation(6, "Done Dan", { status: "resolved" }),
    ]);
    render(Inbox, { me: agent, onSignedOut: vi.fn() });
    await fireEvent.click(await screen.findByTestId(`view-${view}`));
    await waitFor(() => {
      const shown = screen.getAllByTestId("conversation").map((b) => b.querySelector(".name")?.textContent);
      expect(shown).toEqual(names);
    });
    expect(screen.getByTestId("view-active").textContent).toContain("3");
    expect(screen.getByTestId("view-waiting").textContent).toContain("2");
  });

  it("says how many messages are unread and that nothing needs the agent when all is done", async () => {
    quiet([conversation(1, "Nia", { unread: 2 }), conversation(2, "Dan", { status: "resolved" })]);
    render(Inbox, { me: agent, onSignedOut: vi.fn() });
    expect((await screen.findByTestId("unread")).getAttribute("aria-label")).toBe("2 unread");
    await fireEvent.click(screen.getByTestId("view-waiting"));
    expect((await screen.findByTestId("view-empty")).textContent).toContain("Nothing is waiting");
  });

  it("resolves the open conversation and snoozes it until a chosen time", async () => {
    const calls = quiet([conversation(1, "Nia")], {
      set_conversation_status: () => undefined,
    });
    render(Inbox, { me: agent, onSignedOut: vi.fn() });
    await fireEvent.click(await screen.findByRole("button", { name: /Nia/ }));
    await fireEvent.click(await screen.findByTestId("resolve"));
    await waitFor(() => expect(callsOf(calls, "set_conversation_status")).toHaveLength(1));
    expect(callsOf(calls, "set_conversation_status")[0]).toEqual({
      conversationId: 1,
      request: { status: "resolved", snooze_until: null },
    });
    const before = Date.now();
    await fireEvent.change(screen.getByLabelText("Snooze until"), { target: { value: "0" } });
    await waitFor(() => expect(callsOf(calls, "set_conversation_status")).toHaveLength(2));
    const snooze = callsOf(calls, "set_conversation_status")[1] as { request: { status: string; snooze_until: number } };
    expect(snooze.request.status).toBe("pending");
    expect(snooze.request.snooze_until).toBeGreaterThanOrEqual(before + 3_600_000);
  });

  it("shows the core's reason when a change is refused", async () => {
    quiet([conversation(1, "Nia")], {
      set_conversation_status: () => {
        throw { code: "forbidden", message: "you may not do that" };
      },
    });
    render(Inbox, { me: agent, onSignedOut: vi.fn() });
    await fireEvent.click(await screen.findByRole("button", { name: /Nia/ }));
    await fireEvent.click(await screen.findByTestId("resolve"));
    const state = screen.getByTestId("conversation-state");
    expect((await within(state).findByRole("alert")).textContent).toContain("you may not do that");
  });

  it("writes a private note apart from the reply, and shows notes unmistakably in the thread", async () => {
    const calls = quiet([conversation(1, "Nia")], {
      conversation_notes: () => [note],
      add_note: (a) => ({ ...note, id: 5, author: "demo.agent", text: (a.request as { text: string }).text, mentions: [] }),
    });
    render(Inbox, { me: agent, onSignedOut: vi.fn() });
    await fireEvent.click(await screen.findByRole("button", { name: /Nia/ }));
    const shown = await screen.findByTestId("note");
    expect(shown.textContent).toContain("not sent to the customer");
    expect(shown.textContent).toContain("notified @demo.agent");
    expect(screen.getByLabelText("Reply")).toBeTruthy();
    await fireEvent.click(screen.getByTestId("mode-note"));
    expect(screen.queryByLabelText("Reply")).toBeNull();
    await fireEvent.input(screen.getByLabelText("Private note"), { target: { value: "@mia.manager she wants a call" } });
    await fireEvent.click(screen.getByRole("button", { name: "Add note" }));
    await waitFor(() => expect(screen.getAllByTestId("note")).toHaveLength(2));
    expect(callsOf(calls, "add_note")).toEqual([{ conversationId: 1, request: { text: "@mia.manager she wants a call" } }]);
    expect(callsOf(calls, "send_text")).toEqual([]);
  });

  it("lists the notes that mention me and opens their conversation", async () => {
    const calls = quiet([conversation(1, "Nia"), conversation(2, "Otto")], {
      my_mentions: () => ({ mentions: [{ note: 4, conversation: 2, author: "mia.manager", preview: "please call her", at: Date.now() }] }),
    });
    render(Inbox, { me: agent, onSignedOut: vi.fn() });
    const mention = await screen.findByTestId("mention");
    expect(mention.textContent).toContain("mia.manager");
    await fireEvent.click(mention);
    await waitFor(() => expect(callsOf(calls, "conversation_notes")).toContainEqual({ conversationId: 2 }));
  });

  it("searches, shows masked snippets, opens a hit, and goes back to the list", async () => {
    const calls = quiet([conversation(1, "Nia"), conversation(2, "Otto")], {
      search: () => ({
        hits: [{ id: 9, conversation: 2, contact: 2, customer_name: "Otto", snippet: "paid with **** **** **** 1111", at: Date.now() }],
        next_before: null,
      }),
    });
    render(Inbox, { me: agent, onSignedOut: vi.fn() });
    await fireEvent.input(await screen.findByRole("searchbox"), { target: { value: "paid" } });
    await fireEvent.click(within(screen.getByTestId("search-form")).getByRole("button", { name: "Search" }));
    const hit = await screen.findByTestId("search-hit");
    expect(hit.textContent).toContain("**** **** **** 1111");
    expect(callsOf(calls, "search")).toEqual([{ request: { q: "paid", kind: "messages", before: null, limit: 25 } }]);
    expect(screen.queryAllByTestId("conversation")).toHaveLength(0);
    await fireEvent.click(hit);
    await waitFor(() => expect(callsOf(calls, "conversation_messages")).toContainEqual({ conversationId: 2, request: { limit: 50 } }));
    await fireEvent.click(screen.getByRole("button", { name: "Back to the list" }));
    expect(await screen.findAllByTestId("conversation")).toHaveLength(2);
  });

  it("inserts a quick reply filled in for this customer, ready to change before sending", async () => {
    quiet([conversation(1, "Nia")], {
      conversation_quick_replies: () => [
        { id: 3, team: null, shortcut: "hours", body: "Hi {{customer_name}}, we open at 9.", filled: "Hi Nia, we open at 9." },
      ],
    });
    render(Inbox, { me: agent, onSignedOut: vi.fn() });
    await fireEvent.click(await screen.findByRole("button", { name: /Nia/ }));
    const picker = await screen.findByLabelText("Insert a quick reply");
    await fireEvent.change(picker, { target: { value: "3" } });
    expect((screen.getByLabelText("Reply") as HTMLTextAreaElement).value).toBe("Hi Nia, we open at 9.");
    expect((picker as HTMLSelectElement).value).toBe("");
  });
});
