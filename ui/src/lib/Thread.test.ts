import { afterEach, describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { clearMocks } from "@tauri-apps/api/mocks";
import Inbox from "./Inbox.svelte";
import { callsOf, conversationSummary, meAs, message, mockCore, sendingOptions } from "./fixtures";
import { expectAccessible } from "./a11y";
import type { Message, ThreadRequest } from "./api";

afterEach(() => clearMocks());

const agent = meAs({ capabilities: ["conversations.view", "conversations.reply"] });
const start = Date.now() - 3_600_000;

/** A conversation of `n` messages, read a page at a time as the core reads it. */
function longThread(n: number) {
  const all: Message[] = Array.from({ length: n }, (_, i) =>
    message({ id: i + 1, text: `Message ${i + 1}`, sent_at: start + i * 1000 }),
  );
  return mockCore({
    list_conversations: () => [conversationSummary()],
    mark_read: () => null,
    sending_options: () => sendingOptions(),
    conversation_messages: (args) => {
      const r = (args.request ?? {}) as ThreadRequest;
      const end = r.before ? all.findIndex((m) => String(m.id) === r.before) : all.length;
      const from = Math.max(0, end - (r.limit ?? 50));
      return { messages: all.slice(from, end), earlier: from > 0 ? String(all[from].id) : null };
    },
  });
}

const shown = () => screen.getAllByTestId("message").map((m) => m.querySelector("p")?.textContent);

describe("A long conversation", () => {
  it("opens on its latest 50, reads earlier ones on demand and keeps them when the thread refreshes", async () => {
    const calls = longThread(120);
    render(Inbox, { me: agent, onSignedOut: vi.fn() });
    await fireEvent.click(await screen.findByRole("button", { name: /Sheena Nelson/ }));
    await screen.findByText("Message 120");
    expect(shown()).toHaveLength(50);
    expect(shown()[0]).toBe("Message 71");

    await fireEvent.click(screen.getByRole("button", { name: "Show earlier messages" }));
    await screen.findByText("Message 21");
    expect(shown()).toHaveLength(100);
    expect(callsOf(calls, "conversation_messages").at(-1)?.request).toEqual({ before: "71", limit: 50 });
    await expectAccessible(document.body);

    // The periodic refresh reads again as far back as the reader has read.
    const before = callsOf(calls, "conversation_messages").length;
    await waitFor(() => expect(callsOf(calls, "conversation_messages").length).toBeGreaterThan(before), { timeout: 3000 });
    expect(callsOf(calls, "conversation_messages").at(-1)?.request).toEqual({ limit: 100 });
    expect(shown()).toHaveLength(100);

    await fireEvent.click(screen.getByRole("button", { name: "Show earlier messages" }));
    await screen.findByText("Message 1");
    expect(shown()).toHaveLength(120);
    expect(screen.queryByRole("button", { name: "Show earlier messages" })).toBeNull();
  }, 10_000);

  it("offers nothing earlier when the whole conversation is in sight", async () => {
    longThread(12);
    render(Inbox, { me: agent, onSignedOut: vi.fn() });
    await fireEvent.click(await screen.findByRole("button", { name: /Sheena Nelson/ }));
    await screen.findByText("Message 12");
    expect(shown()).toHaveLength(12);
    expect(screen.queryByRole("button", { name: "Show earlier messages" })).toBeNull();
  });

  it("starts again from the latest page when another conversation is opened", async () => {
    const calls = longThread(120);
    render(Inbox, { me: agent, onSignedOut: vi.fn() });
    await fireEvent.click(await screen.findByRole("button", { name: /Sheena Nelson/ }));
    await screen.findByText("Message 120");
    await fireEvent.click(screen.getByRole("button", { name: "Show earlier messages" }));
    await screen.findByText("Message 21");
    await fireEvent.click(screen.getByRole("button", { name: /Sheena Nelson/ }));
    await waitFor(() => expect(shown()).toHaveLength(50));
    expect(callsOf(calls, "conversation_messages").at(-1)?.request).toEqual({ limit: 50 });
  });
});
