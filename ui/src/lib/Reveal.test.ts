import { afterEach, describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { clearMocks } from "@tauri-apps/api/mocks";
import Inbox from "./Inbox.svelte";
import { callsOf, meAs, message, mockCore, sendingOptions } from "./fixtures";

afterEach(() => {
  clearMocks();
  vi.useRealTimers();
});

const conversation = {
  id: 7,
  customer_name: "Sheena Nelson",
  customer_handle: "+*******1234",
  last_message_preview: "my card is **** **** **** 1111",
  last_message_at: Date.now(),
  reply_window_closes_at: Date.now() + 3_600_000,
};
const masked = message({ id: 1, text: "my card is **** **** **** 1111", masked: true });
const full = message({ id: 1, text: "my card is 4111 1111 1111 1111" });

function core(revealed: () => unknown = () => ({ message: full, until: Date.now() + 60_000 })) {
  return mockCore({
    list_conversations: () => [conversation],
    conversation_messages: () => [masked],
    mark_read: () => null,
    sending_options: () => sendingOptions(),
    reveal_message: revealed,
  });
}

async function openConversation(capabilities: string[]) {
  render(Inbox, { me: meAs({ capabilities: ["conversations.view", "conversations.reply", ...capabilities] }), onSignedOut: vi.fn() });
  await fireEvent.click(await screen.findByRole("button", { name: /Sheena Nelson/ }));
  await screen.findByText("my card is **** **** **** 1111", { selector: ".message p" });
}

describe("Reveal", () => {
  it("is offered only to those who may reveal", async () => {
    core();
    await openConversation([]);
    expect(screen.queryByRole("button", { name: "Reveal…" })).toBeNull();
  });

  it("shows the message for a minute after a reason, then masks it again", async () => {
    const calls = core(() => ({ message: full, until: Date.now() + 1_500 }));
    await openConversation(["sensitive.reveal_financial"]);
    await fireEvent.click(screen.getByRole("button", { name: "Reveal…" }));
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
    await fireEvent.click(screen.getByRole("button", { name: "Reveal…" }));
    await fireEvent.input(screen.getByLabelText("Why do you need to see it?"), { target: { value: "calling her back" } });
    await fireEvent.click(screen.getByRole("button", { name: "Show for a minute" }));
    expect((await screen.findByRole("alert")).textContent).toContain("permission");
  });
});
