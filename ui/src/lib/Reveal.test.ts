import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import { clearMocks } from "@tauri-apps/api/mocks";
import Inbox from "./Inbox.svelte";
import { callsOf, conversationSummary, meAs, message, mockCore, sendingOptions } from "./fixtures";
import type { DataClass, RevealAccess } from "./api";
import { expectAccessible } from "./a11y";

afterEach(() => {
  clearMocks();
  vi.useRealTimers();
});

const conversation = conversationSummary();
const masked = message({ id: 1, text: "my card is **** **** **** 1111", masked: true });
const full = message({ id: 1, text: "my card is 4111 1111 1111 1111" });

let access: RevealAccess = {
  revealable: [], needs_approval: [], approved_until: null, may_ask: false, pending: false, transfer_teams: [],
};

function core(revealed: () => unknown = () => ({ message: full, until: Date.now() + 60_000 })) {
  return mockCore({
    list_conversations: () => [conversation],
    conversation_messages: () => [masked],
    mark_read: () => null,
    sending_options: () => sendingOptions(),
    reveal_message: revealed,
    reveal_access: () => access,
    escalations: () => ({ mine: [], to_decide: [] }),
  });
}

async function openConversation(capabilities: string[]) {
  const classes = capabilities.filter((c) => c.startsWith("sensitive.reveal_")).map((c) => c.slice(16) as DataClass);
  access = { ...access, revealable: classes };
  render(Inbox, { me: meAs({ capabilities: ["conversations.view", "conversations.reply", ...capabilities] }), onSignedOut: vi.fn() });
  await fireEvent.click(await screen.findByRole("button", { name: /Sheena Nelson/ }));
  await screen.findByText("my card is **** **** **** 1111", { selector: ".message p" });
}

describe("Reveal", () => {
  it("is offered only to those who may reveal", async () => {
    core();
    await openConversation([]);
    await expectAccessible();
    expect(screen.queryByRole("button", { name: "Reveal…" })).toBeNull();
  });

  it("shows the message for a minute after a reason, then masks it again", async () => {
    const calls = core(() => ({ message: full, until: Date.now() + 1_500 }));
    await openConversation(["sensitive.reveal_financial"]);
    await fireEvent.click(await screen.findByRole("button", { name: "Reveal…" }));
    const show = screen.getByRole("button", { name: "Show for a minute" }) as HTMLButtonElement;
    expect(show.disabled).toBe(true);
    await fireEvent.input(screen.getByLabelText("Why do you need to see it?"), { target: { value: "confirm the card used" } });
    await fireEvent.click(show);
    expect(await screen.findByText("my card is 4111 1111 1111 1111", { selector: ".message p" })).toBeTruthy();
    expect(screen.getByTestId("revealed").textContent).toContain("then masked again");
    expect(callsOf(calls, "reveal_message")).toEqual([{ messageId: 1, request: { reason: "confirm the card used" } }]);
    await waitFor(() => expect(screen.queryByText("my card is 4111 1111 1111 1111", { selector: ".message p" })).toBeNull(), {
      timeout: 3_000,
    });
    expect(screen.getByRole("button", { name: "Reveal…" })).toBeTruthy();
  });

  it("says why a reveal was refused", async () => {
    core(() => {
      throw { code: "forbidden", message: "you do not have permission to do that" };
    });
    await openConversation(["sensitive.reveal_contact"]);
    await fireEvent.click(await screen.findByRole("button", { name: "Reveal…" }));
    await fireEvent.input(screen.getByLabelText("Why do you need to see it?"), { target: { value: "calling her back" } });
    await fireEvent.click(screen.getByRole("button", { name: "Show for a minute" }));
    expect((await screen.findByRole("alert")).textContent).toContain("permission");
  });

  describe("asking a manager", () => {
    const asker = {
      revealable: [], needs_approval: ["financial"], approved_until: null, may_ask: true, pending: false,
      transfer_teams: [{ id: 3, name: "Store B" }],
    };

    /** The inbox of someone who may ask, with Sheena's conversation open. */
    async function openAsAsker(handlers: Parameters<typeof mockCore>[0]) {
      const calls = mockCore({
        list_conversations: () => [conversation],
        conversation_messages: () => [masked],
        mark_read: () => null,
        sending_options: () => sendingOptions(),
        escalations: () => ({ mine: [], to_decide: [] }),
        ...handlers,
      });
      render(Inbox, { me: meAs({ capabilities: ["conversations.view", "escalations.request"] }), onSignedOut: vi.fn() });
      await fireEvent.click(await screen.findByRole("button", { name: /Sheena Nelson/ }));
      return calls;
    }

    it("asks which data and why, then says an answer is awaited", async () => {
      const calls = await openAsAsker({
        reveal_access: (_, n) => (n === 1 ? asker : { ...asker, pending: true }),
        request_escalation: () => ({}),
      });
      expect(screen.queryByRole("button", { name: "Reveal…" })).toBeNull();
      await fireEvent.click(await screen.findByRole("button", { name: "Ask a manager…" }));
      const form = within(screen.getByTestId("ask-form"));
      expect((form.getByRole("checkbox", { name: "Financial" }) as HTMLInputElement).checked).toBe(true);
      const send = form.getByRole("button", { name: "Ask a manager" }) as HTMLButtonElement;
      expect(send.disabled).toBe(true);
      await fireEvent.input(form.getByLabelText("What do you need, and why?"), { target: { value: "she disputes a charge" } });
      await fireEvent.click(send);
      expect(await screen.findByTestId("ask-pending")).toBeTruthy();
      expect(screen.queryByRole("button", { name: "Ask a manager…" })).toBeNull();
      expect(callsOf(calls, "request_escalation")).toEqual([
        { conversation: 7, request: { reason: "she disputes a charge", reveal: ["financial"] } },
      ]);
    });

    it("asks for a move to another team, with nothing to reveal", async () => {
      const calls = await openAsAsker({
        conversation_messages: () => [],
        reveal_access: (_, n) => (n === 1 ? asker : { ...asker, pending: true }),
        request_escalation: () => ({}),
      });
      await fireEvent.click(await screen.findByRole("button", { name: "Ask a manager…" }));
      const form = within(screen.getByTestId("ask-form"));
      expect(form.queryByRole("checkbox")).toBeNull();
      await fireEvent.change(form.getByLabelText("Move the conversation to"), { target: { value: "3" } });
      await fireEvent.input(form.getByLabelText("What do you need, and why?"), { target: { value: "she shops in B now" } });
      await fireEvent.click(form.getByRole("button", { name: "Ask a manager" }));
      expect(await screen.findByTestId("ask-pending")).toBeTruthy();
      expect(callsOf(calls, "request_escalation")).toEqual([
        { conversation: 7, request: { reason: "she shops in B now", reveal: [], transfer_to: 3 } },
      ]);
    });

    it("offers Reveal while an approval lasts, and shows why a request was refused", async () => {
      const until = Date.now() + 15 * 60_000;
      const refusal = {
        id: 4, conversation_id: 7, customer_name: "Sheena Nelson", team: "Store A", requested_by: "anna",
        reason: "she disputes a charge", reveal: ["financial"], transfer_to: null, status: "rejected", created_at: 0,
        decided_by: "mo.manager", note: "ask her to read the last four digits", decided_at: 1, reveal_until: null,
      };
      await openAsAsker({
        reveal_access: () => ({ ...asker, revealable: ["financial"], approved_until: until }),
        escalations: () => ({ mine: [refusal], to_decide: [] }),
      });
      expect((await screen.findByTestId("approved")).textContent).toContain("financial data here until");
      expect(screen.getByRole("button", { name: "Reveal…" })).toBeTruthy();
      cleanup();
      // A second request (a move, say) while the grant lasts: both are told.
      await openAsAsker({
        reveal_access: () => ({ ...asker, revealable: ["financial"], approved_until: until, pending: true }),
        escalations: () => ({ mine: [], to_decide: [] }),
      });
      expect(await screen.findByTestId("approved")).toBeTruthy();
      expect(screen.getByTestId("ask-pending").textContent).toContain("You asked a manager");
      cleanup();
      await openAsAsker({
        reveal_access: () => asker,
        escalations: () => ({ mine: [refusal], to_decide: [] }),
      });
      expect((await screen.findByTestId("ask-refused")).textContent).toContain("mo.manager refused your request: ask her to read the last four digits");
    });

    it("says when an approval has ended and offers to ask again, without Reveal", async () => {
      const ended = Date.now() - 1_000;
      const approval = {
        id: 5, conversation_id: 7, customer_name: "Sheena Nelson", team: "Store A", requested_by: "anna",
        reason: "she disputes a charge", reveal: ["financial"], transfer_to: null, status: "approved", created_at: 0,
        decided_by: "mo.manager", note: null, decided_at: 1, reveal_until: ended,
      };
      await openAsAsker({
        reveal_access: () => asker,
        escalations: () => ({ mine: [approval], to_decide: [] }),
      });
      const told = (await screen.findByTestId("approval-ended")).textContent ?? "";
      expect(told).toContain("mo.manager's approval to reveal financial data ended at");
      expect(told).toContain("masked again");
      expect(screen.queryByTestId("approved")).toBeNull();
      expect(screen.queryByRole("button", { name: "Reveal…" })).toBeNull();
      expect(screen.getByRole("button", { name: "Ask a manager…" })).toBeTruthy();
    });
  });
});
