import { afterEach, describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import Inbox from "./Inbox.svelte";
import { callsOf, conversationSummary, meAs, message, mockCore, queueOver, sendingOptions } from "./fixtures";
import type { ConversationSummary } from "./api";
import { expectAccessible } from "./a11y";

afterEach(() => clearMocks());

const agent = meAs({ capabilities: ["conversations.view", "conversations.reply"] });
const conversation = conversationSummary();
const inbound = message({ id: 1, text: "Is the blue one in stock?" });

type Handler = (cmd: string, args: Record<string, unknown>) => unknown;

function core(overrides: Record<string, Handler> = {}) {
  mockIPC((cmd, args) => {
    const handler = overrides[cmd];
    if (handler) {
      const answer = handler(cmd, args as Record<string, unknown>);
      // A thread given as its messages is the whole thread, in one page.
      return cmd === "conversation_messages" && Array.isArray(answer) ? { messages: answer, earlier: null } : answer;
    }
    const list = overrides.list_conversations;
    if (cmd === "conversation_page") {
      return queueOver(() => (list ? (list(cmd, {}) as ConversationSummary[]) : [conversation]))(args as Record<string, unknown>, 1);
    }
    if (cmd === "conversation_messages") return { messages: [inbound], earlier: null };
    if (cmd === "sending_options") return sendingOptions();
    throw new Error(`unexpected ${cmd}`);
  });
}

describe("Inbox", () => {
  it("lists conversations with the masked number the core sent and opens one", async () => {
    core();
    render(Inbox, { me: agent, onSignedOut: vi.fn() });
    const item = await screen.findByRole("button", { name: /Sheena Nelson/ });
    await expectAccessible();
    expect(item.textContent).toContain("+*******1234");
    await fireEvent.click(item);
    expect(await screen.findByText("Is the blue one in stock?", { selector: ".message p" })).toBeTruthy();
  });

  it("hides the reply box from someone who may not send, and says why", async () => {
    core();
    render(Inbox, { me: { ...agent, capabilities: ["conversations.view"] }, onSignedOut: vi.fn() });
    await fireEvent.click(await screen.findByRole("button", { name: /Sheena Nelson/ }));
    await screen.findByText("Is the blue one in stock?", { selector: ".message p" });
    expect(screen.queryByLabelText("Reply")).toBeNull();
    expect(screen.getByTestId("read-only").textContent).toContain("not reply");
  });

  it.each([
    ["closed a day ago", Date.now() - 1000, "More than 24 hours have passed"],
    ["never opened", null, "has not written yet"],
  ])("offers no free-form reply when the window %s, and says why", async (_, closes, why) => {
    core({ list_conversations: () => [{ ...conversation, reply_window_closes_at: closes }] });
    render(Inbox, { me: agent, onSignedOut: vi.fn() });
    await fireEvent.click(await screen.findByRole("button", { name: /Sheena Nelson/ }));
    expect((await screen.findByTestId("window-closed")).textContent).toContain(why);
    expect(screen.queryByLabelText("Reply")).toBeNull();
  });

  it("says until when the window is open", async () => {
    core();
    render(Inbox, { me: agent, onSignedOut: vi.fn() });
    await fireEvent.click(await screen.findByRole("button", { name: /Sheena Nelson/ }));
    expect((await screen.findByTestId("window-open")).textContent).toContain("Reply window open until");
    expect(screen.getByLabelText("Reply")).toBeTruthy();
  });

  it("keeps the draft and shows why when a send fails", async () => {
    core({
      send_text: () => {
        throw { code: "channel", message: "WhatsApp did not accept the message: try again later" };
      },
    });
    render(Inbox, { me: agent, onSignedOut: vi.fn() });
    await fireEvent.click(await screen.findByRole("button", { name: /Sheena Nelson/ }));
    const reply = (await screen.findByLabelText("Reply")) as HTMLTextAreaElement;
    await fireEvent.input(reply, { target: { value: "Yes, size 39" } });
    await fireEvent.click(screen.getByRole("button", { name: "Send" }));
    expect((await screen.findByRole("alert")).textContent).toContain("try again later");
    expect(reply.value).toBe("Yes, size 39");
    // The inbox refreshes every 2 s; the reason stays in view.
    await new Promise((done) => setTimeout(done, 2200));
    expect(screen.getByRole("alert").textContent).toContain("try again later");
  });

  it.each([
    ["queued", "waiting: WhatsApp asked us to try later; Countersign keeps trying", "Waiting to send"],
    ["failed", "this customer cannot receive WhatsApp messages", "Not delivered"],
  ])("shows a %s reply with the reason in words", async (status, failure, label) => {
    const reply = message({ id: 2, direction: "outbound", text: "Yes, size 39", status, author: "demo.agent", failure });
    core({ conversation_messages: () => [inbound, reply] });
    render(Inbox, { me: agent, onSignedOut: vi.fn() });
    await fireEvent.click(await screen.findByRole("button", { name: /Sheena Nelson/ }));
    await screen.findByText("Yes, size 39", { selector: ".message p" });
    expect(screen.getAllByTestId("status").map((s) => s.textContent)).toContain(label);
    expect(screen.getByTestId("failure").textContent).toBe(failure);
  });

  it("offers no answer or reaction to a message whose content retention removed", async () => {
    const removed = message({ id: 3, text: "Removed under the retention policy", content: { type: "removed", at: Date.now() } });
    mockCore({
      list_conversations: () => [conversation],
      conversation_messages: () => [removed, inbound],
      mark_read: () => null,
      sending_options: () => sendingOptions(),
    });
    render(Inbox, { me: agent, onSignedOut: vi.fn() });
    await fireEvent.click(await screen.findByRole("button", { name: /Sheena Nelson/ }));
    await screen.findByTestId("content-removed");
    expect(screen.getAllByRole("button", { name: "Answer this message" })).toHaveLength(1);
    expect(screen.getAllByRole("button", { name: "React with 👍" })).toHaveLength(1);
  });

  it("answers a chosen message, tells the customer it was read, and that a reply is being typed", async () => {
    const calls = mockCore({
      list_conversations: () => [conversation],
      conversation_messages: () => [inbound],
      mark_read: () => null,
      sending_options: () => sendingOptions(),
      send_text: () => message({ id: 2, direction: "outbound", text: "Yes, size 39", status: "accepted" }),
    });
    render(Inbox, { me: agent, onSignedOut: vi.fn() });
    await fireEvent.click(await screen.findByRole("button", { name: /Sheena Nelson/ }));
    await waitFor(() => expect(callsOf(calls, "mark_read")).toEqual([{ conversationId: 7, typing: false }]));
    await fireEvent.click(await screen.findByRole("button", { name: "Answer this message" }));
    expect(screen.getByTestId("answering").textContent).toContain("Is the blue one in stock?");
    const reply = screen.getByLabelText("Reply");
    await fireEvent.input(reply, { target: { value: "Yes" } });
    await fireEvent.input(reply, { target: { value: "Yes, size 39" } });
    expect(callsOf(calls, "mark_read")).toEqual([
      { conversationId: 7, typing: false },
      { conversationId: 7, typing: true },
    ]);
    await fireEvent.click(screen.getByRole("button", { name: "Send" }));
    await waitFor(() =>
      expect(callsOf(calls, "send_text")).toEqual([{ conversationId: 7, text: "Yes, size 39", replyTo: 1, previewUrl: false }]),
    );
    await waitFor(() => expect(screen.queryByTestId("answering")).toBeNull());
  });

  it("sends a chosen file with the draft as its caption", async () => {
    const photo = message({ id: 9, direction: "outbound", kind: "image", text: "Photo: This pair", status: "accepted" });
    const calls = mockCore({
      list_conversations: () => [conversation],
      conversation_messages: (_, n) => (n === 1 ? [inbound] : [inbound, photo]),
      mark_read: () => null,
      sending_options: () => sendingOptions(),
      send_media: () => photo,
    });
    render(Inbox, { me: agent, onSignedOut: vi.fn() });
    await fireEvent.click(await screen.findByRole("button", { name: /Sheena Nelson/ }));
    await fireEvent.input(await screen.findByLabelText("Reply"), { target: { value: "This pair" } });
    const file = new File([new Uint8Array([0x89, 0x50])], "runners.png", { type: "image/png" });
    // jsdom's File has no arrayBuffer(); the webview's has.
    Object.defineProperty(file, "arrayBuffer", { value: async () => new Uint8Array([0x89, 0x50]).buffer });
    await screen.findByRole("button", { name: "Attach file" });
    const input = document.getElementById("attach") as HTMLInputElement;
    Object.defineProperty(input, "files", { value: [file] });
    await fireEvent.change(input);
    await waitFor(() => expect(callsOf(calls, "send_media")).toHaveLength(1));
    expect(await screen.findByText("Photo: This pair", { exact: false })).toBeTruthy();
    expect((screen.getByLabelText("Reply") as HTMLTextAreaElement).value).toBe("");
  });

  it.each([
    ["no_documents", "Attach photo or video", "labelled Dealer may receive photos"],
    ["none", null, "No files may be sent to contacts labelled Minor"],
  ] as const)("offers only the files the contact's labels allow (%s), and says why", async (files, button, note) => {
    core({ sending_options: () => sendingOptions({ files, files_note: note }) });
    render(Inbox, { me: agent, onSignedOut: vi.fn() });
    await fireEvent.click(await screen.findByRole("button", { name: /Sheena Nelson/ }));
    expect((await screen.findByTestId("files-note")).textContent).toContain(note);
    expect(screen.queryByRole("button", { name: "Attach file" })).toBeNull();
    const attach = button === null ? null : screen.getByRole("button", { name: button });
    expect(attach === null).toBe(button === null);
    const picker = document.getElementById("attach") as HTMLInputElement | null;
    expect(picker?.accept.includes("application/pdf") ?? false).toBe(false);
  });

  it.each([
    [true, true],
    [false, false],
  ])("offers a link preview when the reply has a link (kept: %s)", async (keep, previewUrl) => {
    const calls = mockCore({
      list_conversations: () => [conversation],
      conversation_messages: () => [inbound],
      mark_read: () => null,
      sending_options: () => sendingOptions(),
      send_text: () => message({ id: 2, direction: "outbound", text: "Here", status: "accepted" }),
    });
    render(Inbox, { me: agent, onSignedOut: vi.fn() });
    await fireEvent.click(await screen.findByRole("button", { name: /Sheena Nelson/ }));
    const reply = await screen.findByLabelText("Reply");
    await fireEvent.input(reply, { target: { value: "Here they are" } });
    expect(screen.queryByRole("checkbox", { name: /preview of the link/ })).toBeNull();
    await fireEvent.input(reply, { target: { value: "Here: https://shop.example/runners-39" } });
    const offer = screen.getByRole("checkbox", { name: /preview of the link/ }) as HTMLInputElement;
    expect(offer.checked).toBe(true);
    if (!keep) await fireEvent.click(offer);
    await fireEvent.click(screen.getByRole("button", { name: "Send" }));
    await waitFor(() => expect(callsOf(calls, "send_text")).toHaveLength(1));
    expect(callsOf(calls, "send_text")[0].previewUrl).toBe(previewUrl);
  });

  it("shares a place from the composer and shows it in the thread", async () => {
    const pin = message({ id: 8, direction: "outbound", kind: "location", text: "Location: Store 12", status: "accepted" });
    const calls = mockCore({
      list_conversations: () => [conversation],
      conversation_messages: (_, n) => (n === 1 ? [inbound] : [inbound, pin]),
      mark_read: () => null,
      sending_options: () => sendingOptions(),
      send_message: () => pin,
    });
    render(Inbox, { me: agent, onSignedOut: vi.fn() });
    await fireEvent.click(await screen.findByRole("button", { name: /Sheena Nelson/ }));
    await fireEvent.click(await screen.findByRole("button", { name: "Share place or contact" }));
    await fireEvent.input(screen.getByLabelText("Name"), { target: { value: "Store 12" } });
    await fireEvent.input(screen.getByLabelText("Coordinates"), { target: { value: "53.7997, -1.5492" } });
    await fireEvent.click(screen.getByRole("button", { name: "Share place" }));
    expect(await screen.findByText("Location: Store 12", { exact: false })).toBeTruthy();
    expect(screen.queryByTestId("share")).toBeNull();
    expect(callsOf(calls, "send_message")).toEqual([
      { conversationId: 7, message: { type: "location", latitude: 53.7997, longitude: -1.5492, name: "Store 12" } },
    ]);
  });

  it("reacts to a customer's message and can take the reaction back", async () => {
    const liked = { ...inbound, our_reaction: "👍" };
    const calls = mockCore({
      list_conversations: () => [conversation],
      conversation_messages: (_, n) => (n === 1 ? [inbound] : [liked]),
      mark_read: () => null,
      sending_options: () => sendingOptions(),
      send_message: () => message({ id: 3, direction: "outbound", kind: "reaction" }),
    });
    render(Inbox, { me: agent, onSignedOut: vi.fn() });
    await fireEvent.click(await screen.findByRole("button", { name: /Sheena Nelson/ }));
    await fireEvent.click(await screen.findByRole("button", { name: "React with 👍" }));
    await waitFor(() => expect(screen.getByRole("button", { name: "Take back our 👍" })).toBeTruthy());
    expect(callsOf(calls, "send_message")).toEqual([
      { conversationId: 7, message: { type: "reaction", message_id: 1, emoji: "👍" } },
    ]);
  });

  it("returns to sign-in when the session has ended", async () => {
    core({
      list_conversations: () => {
        throw { code: "unauthenticated", message: "your session has ended; please sign in again" };
      },
    });
    const onSignedOut = vi.fn();
    render(Inbox, { me: agent, onSignedOut });
    await vi.waitFor(() => expect(onSignedOut).toHaveBeenCalled());
  });
});
