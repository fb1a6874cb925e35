import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { emit } from "@tauri-apps/api/event";
import App from "./App.svelte";
import { conversationSummary, meAs, queueOver } from "./lib/fixtures";
import { expectAccessible } from "./lib/a11y";

const secret = "Card 4111 1111 1111 1111 please";
const conversation = conversationSummary({ last_message_preview: secret });

let calls: string[] = [];

beforeEach(() => {
  calls = [];
  mockIPC((cmd, args) => {
    calls.push(cmd);
    const a = args as Record<string, unknown>;
    if (cmd === "login") return meAs({ capabilities: ["conversations.view"], lock_after_seconds: 60 });
    if (cmd === "conversation_page") return queueOver(() => [conversation])(a, 1);
    if (cmd === "conversation_messages") return { messages: [], earlier: null };
    if (cmd === "lock") return meAs({ locked: true, lock_after_seconds: 60, capabilities: ["conversations.view"] });
    throw new Error(`unexpected ${cmd} ${JSON.stringify(a)}`);
  }, { shouldMockEvents: true });
});
afterEach(() => {
  clearMocks();
  vi.useRealTimers();
});

async function signIn() {
  render(App);
  await fireEvent.input(screen.getByLabelText("User name"), { target: { value: "anna" } });
  await fireEvent.input(screen.getByLabelText("Password"), { target: { value: "silver harbour" } });
  await fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
  await screen.findByText(secret);
}

describe("App on a shared PC", () => {
  it("locks after the idle time and shows nothing of the inbox", async () => {
    await signIn();
    vi.useFakeTimers();
    // Re-arm the idle timer under fake time, as a user's input would.
    window.dispatchEvent(new Event("pointermove"));
    await vi.advanceTimersByTimeAsync(60_000);
    vi.useRealTimers();
    await screen.findByTestId("lock-screen");
    await expectAccessible();
    expect(document.body.textContent).not.toContain(secret);
    expect(document.body.textContent).not.toContain("Sheena");
    expect(calls).toContain("lock");
  });

  it("Ctrl+L locks at once", async () => {
    await signIn();
    await fireEvent.keyDown(window, { key: "l", ctrlKey: true });
    await screen.findByTestId("lock-screen");
    expect(document.body.textContent).not.toContain(secret);
    await waitFor(() => expect(calls).toContain("lock"));
  });

  it("hides everything when the OS session locks", async () => {
    await signIn();
    await emit("session-locked");
    await screen.findByTestId("lock-screen");
    expect(document.body.textContent).not.toContain(secret);
  });
});
