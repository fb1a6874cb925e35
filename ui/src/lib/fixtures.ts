// Test data shared by the component tests.
import { mockIPC } from "@tauri-apps/api/mocks";
import type { ConversationSummary, Me, Message, SendingOptions, Template } from "./api";

/** An agent, fully signed in, with `changes` applied. */
export function meAs(changes: Partial<Me> = {}): Me {
  return {
    username: "anna",
    role: "agent",
    role_name: "Support agent",
    capabilities: [],
    must_change_password: false,
    second_factor_required: false,
    second_factor_enrolment_required: false,
    locked: false,
    lock_after_seconds: 300,
    second_factor_methods: [],
    ...changes,
  };
}

/** An inbound text message, with `changes` applied (`content` follows `text` unless given). */
export function message(changes: Partial<Message> = {}): Message {
  const text = changes.text ?? "Hello";
  return {
    id: 1,
    direction: "inbound",
    kind: "text",
    text,
    content: { type: "text", body: text },
    sent_at: Date.now(),
    status: null,
    author: null,
    failure: null,
    quote: null,
    forwarded: null,
    referral: null,
    reaction: null,
    our_reaction: null,
    edited: false,
    deleted: false,
    masked: false,
    ...changes,
  };
}

/** An approved template with a tracking link ending in {{1}} and a quick reply. */
export const orderShipped: Template = {
  name: "order_shipped",
  language: "en_GB",
  status: "APPROVED",
  category: "UTILITY",
  header: null,
  media_header: null,
  body: "Good news {{1}}: your order is on its way.",
  footer: null,
  source: "graph",
  slots: [
    { part: "body", name: "1", button: null },
    { part: "button", name: "1", button: "Track parcel" },
  ],
  buttons: [
    { kind: "URL", text: "Track parcel", target: "https://track.example/parcel/{{1}}" },
    { kind: "QUICK_REPLY", text: "Call me back", target: null },
  ],
  audience: [],
};

/** What may be sent in a conversation: any file and no templates, with `changes` applied. */
export function sendingOptions(changes: Partial<SendingOptions> = {}): SendingOptions {
  return { files: "any", files_note: null, templates: [], templates_withheld: 0, ...changes };
}

export type Call = [string, Record<string, unknown>];
type Handler = (args: Record<string, unknown>, n: number) => unknown;

/** A core that answers `handlers[command](args, n)` (the n-th call of that command, from 1),
 * records every call, and fails the test on a command it does not expect. */
export function mockCore(handlers: Record<string, Handler>): Call[] {
  const calls: Call[] = [];
  mockIPC((cmd, args) => {
    const a = (args ?? {}) as Record<string, unknown>;
    calls.push([cmd, a]);
    const n = calls.filter(([c]) => c === cmd).length;
    const handler = handlers[cmd];
    if (handler === undefined) throw new Error(`unexpected ${cmd}`);
    return handler(a, n);
  });
  return calls;
}

/** The calls of `command`, by their arguments. */
export function callsOf(calls: Call[], command: string): Record<string, unknown>[] {
  return calls.filter(([c]) => c === command).map(([, a]) => a);
}

/** A conversation as the inbox lists it: open, normal priority, nothing unread, window open. */
export function conversationSummary(extra: Partial<ConversationSummary> = {}): ConversationSummary {
  return {
    id: 7,
    contact_id: 7,
    customer_name: "Sheena Nelson",
    customer_handle: "+*******1234",
    last_message_preview: "Is the blue one in stock?",
    last_message_at: Date.now(),
    reply_window_closes_at: Date.now() + 3_600_000,
    team: { id: 1, name: "Store A" },
    assignee: null,
    status: "open",
    priority: "normal",
    snoozed_until: null,
    unread: 0,
    ...extra,
  };
}
