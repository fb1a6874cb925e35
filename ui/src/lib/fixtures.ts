// Test data shared by the component tests.
import { mockIPC } from "@tauri-apps/api/mocks";
import type { ConversationPage, ConversationSummary, Me, Message, QueueRequest, SendingOptions, Template } from "./api";

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
    single_sign_on: false,
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

/** The core's queue over a plain list, for screens that show it: the view and filters the
 * request asks for, the counter's order, the counts, one page. (The paging itself, and the
 * order over ties, are the Rust tests'.) `me` is whose "mine" is. */
export function queueOver(list: () => ConversationSummary[], me = "anna"): Handler {
  const RANK: Record<string, number> = { urgent: 0, high: 1, normal: 2, low: 3 };
  const inView = (c: ConversationSummary, view: string, now: number) => {
    const snoozed = c.snoozed_until !== null && c.snoozed_until > now;
    if (view === "active") return c.status === "open" && !snoozed;
    if (view === "waiting") return c.status !== "resolved" && (c.status === "pending" || snoozed);
    if (view === "resolved") return c.status === "resolved";
    return true;
  };
  return (args): ConversationPage => {
    const r = args.request as QueueRequest;
    const now = Date.now();
    const chosen = list().filter(
      (c) =>
        (r.team === null || c.team.id === r.team) &&
        (r.assigned === "anyone" || (r.assigned === "mine" ? c.assignee === me : c.assignee === null)),
    );
    const items = chosen
      .filter((c) => inView(c, r.view, now))
      .sort((a, b) => RANK[a.priority] - RANK[b.priority] || b.last_message_at - a.last_message_at || b.id - a.id);
    const count = (view: string) => chosen.filter((c) => inView(c, view, now)).length;
    return {
      items: items.slice(0, r.limit),
      next: null,
      counts: { active: count("active"), waiting: count("waiting"), resolved: count("resolved"), all: count("all") },
    };
  };
}

/** A core that answers `handlers[command](args, n)` (the n-th call of that command, from 1),
 * records every call, and fails the test on a command it does not expect. */
export function mockCore(handlers: Record<string, Handler>): Call[] {
  const calls: Call[] = [];
  mockIPC((cmd, args) => {
    const a = (args ?? {}) as Record<string, unknown>;
    calls.push([cmd, a]);
    const n = calls.filter(([c]) => c === cmd).length;
    const list = handlers.list_conversations;
    const handler =
      handlers[cmd] ??
      (cmd === "conversation_page" && list ? queueOver(() => list({}, n) as ConversationSummary[]) : undefined) ??
      (cmd === "conversation_summary" && list
        ? () => (list({}, n) as ConversationSummary[]).find((c) => c.id === a.conversationId)
        : undefined);
    if (handler === undefined) throw new Error(`unexpected ${cmd}`);
    const answer = handler(a, n);
    // A thread given as its messages is the whole thread, in one page.
    const paged = (m: unknown) => (Array.isArray(m) ? { messages: m, earlier: null } : m);
    if (cmd !== "conversation_messages") return answer;
    return answer instanceof Promise ? answer.then(paged) : paged(answer);
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
