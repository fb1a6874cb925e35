// The only place the UI talks to the core. Every call goes through a Tauri command that the
// core authorizes again; the UI holds no token (the shell keeps the session) and decides nothing.
import { invoke } from "@tauri-apps/api/core";

/** A role's stable slug: a built-in (`owner`, `admin`, `manager`, `agent`, `sales`, `marketing`,
 * `auditor`) or a custom role's. */
export type Role = string;

export interface Me {
  username: string;
  role: Role;
  /** The role's display name. */
  role_name: string;
  capabilities: string[];
  must_change_password: boolean;
  second_factor_required: boolean;
  second_factor_enrolment_required: boolean;
  /** The session is locked: only the lock screen may show. */
  locked: boolean;
  /** The app locks after this many seconds without input. */
  lock_after_seconds: number;
  /** The second factors the user has. */
  second_factor_methods: ("totp" | "security_key")[];
  /** Signs in with the organisation's identity provider (no password here). */
  single_sign_on: boolean;
}

export interface SecurityKey {
  id: number;
  name: string;
  created_at: number;
  last_used_at: number | null;
}

export type LockReason = "manual" | "idle" | "system";

export interface SessionInfo {
  id: number;
  current: boolean;
  device: string;
  origin: string;
  started_at: number;
  last_seen_at: number;
}

/** The WhatsApp channel as an admin sees it: whether each secret is set, never its value. */
export interface ChannelSettings {
  configured: boolean;
  phone_number_id: string | null;
  graph_base_url: string | null;
  api_version: string | null;
  verify_token_set: boolean;
  app_secret_set: boolean;
  access_token_set: boolean;
  replies_held_by_token: number;
  business_account_id: string | null;
}

/** A message template in the catalog; only `APPROVED` ones can be sent. */
export interface Template {
  name: string;
  language: string;
  status: string;
  category: string;
  header: string | null;
  /** A photo, video, document or place header Countersign cannot fill yet: not offered for sending. */
  media_header: string | null;
  body: string;
  footer: string | null;
  source: "graph" | "admin";
  /** The values to fill: for a button's, `button` is its label. */
  slots: { part: "header" | "body" | "button"; name: string; button: string | null }[];
  buttons: TemplateButton[];
  /** The labels it is meant for (empty: every contact). */
  audience: LabelRef[];
}

/** A label by name, as a template's audience lists it. */
export interface LabelRef {
  id: number;
  name: string;
  colour: string;
  restricted: boolean;
}

/** Which files a label lets staff send to its contacts. */
export type FilePolicy = "any" | "no_documents" | "none";

/** Each file policy in words. */
export const FILE_POLICIES: Record<FilePolicy, string> = {
  any: "Any file",
  no_documents: "Photos, videos and audio, no documents",
  none: "No files",
};

/** A message shown unmasked until `until` (ms since the epoch), after a reveal. */
export interface RevealView {
  message: Message;
  until: number;
}

/** What the composer may offer in one conversation (the contact's labels decide). */
export interface SendingOptions {
  files: FilePolicy;
  /** Why files are limited, naming the label. */
  files_note: string | null;
  /** Approved templates meant for this contact. */
  templates: Template[];
  /** How many approved templates are for contacts with other labels. */
  templates_withheld: number;
}

/** A template's button: `URL` (its link may end in a placeholder), `QUICK_REPLY`, `PHONE_NUMBER`, `COPY_CODE`… */
export interface TemplateButton {
  kind: string;
  text: string;
  target: string | null;
}

export interface TemplateRequest {
  name: string;
  language: string;
  category: string;
  header?: string;
  body: string;
  footer?: string;
  status?: string;
  buttons?: { type: string; text: string; target?: string }[];
}

/** A change to the channel; a secret left out (or blank) keeps the stored one. */
export interface ChannelUpdate {
  phone_number_id: string;
  business_account_id?: string;
  graph_base_url?: string;
  api_version?: string;
  verify_token?: string;
  app_secret?: string;
  access_token?: string;
}

export interface SecuritySettings {
  password_min_length: number;
  lockout_max_failures: number;
  second_factor_roles: Role[];
  session_idle_minutes: number;
  session_absolute_hours: number;
  lock_after_seconds: number;
  step_up_minutes: number;
  /** The country whose local phone numbers are masked too (`GB`); "" or null for none. */
  masking_region: string | null;
  /** The national identity numbers masked. */
  masking_identity_numbers: string[];
  /** The organisation's own patterns (loyalty cards, member numbers). */
  masking_patterns: MaskingPattern[];
  /** The classes of data a manager must approve before staff without the approve permission see them. */
  reveal_approval: DataClass[];
  /** Minutes a manager's approval to reveal lasts for the one who asked (1 to 240). */
  reveal_approval_minutes: number;
  /** Whether the app's window is left out of screenshots and screen sharing (Windows, macOS). */
  content_protection: boolean;
  /** The settings IT's policy on this computer sets (shown locked). */
  locked_by_policy?: ("second_factor_roles" | "lock_after_seconds" | "content_protection")[];
}

/** A request for a manager's approval about one conversation. */
export interface Escalation {
  id: number;
  conversation_id: number;
  customer_name: string;
  team: string;
  requested_by: string;
  /** Why, in their words (personal data masked). */
  reason: string;
  /** The classes of data it asks to reveal; empty for a plain escalation. */
  reveal: DataClass[];
  /** The team it asks the conversation to move to (approving moves it). */
  transfer_to: string | null;
  status: "pending" | "approved" | "rejected";
  created_at: number;
  decided_by: string | null;
  /** The manager's note (always there when refused). */
  note: string | null;
  decided_at: number | null;
  /** Until when an approved reveal may be used (ms since the epoch). */
  reveal_until: number | null;
}

/** One's own requests, and the queue one answers (managers). */
export interface Escalations {
  mine: Escalation[];
  to_decide: Escalation[];
}

/** What one may reveal in a conversation, and whether one may ask a manager for more. */
export interface RevealAccess {
  revealable: DataClass[];
  needs_approval: DataClass[];
  approved_until: number | null;
  may_ask: boolean;
  pending: boolean;
  /** The teams one may ask to move this conversation to (all but its own). */
  transfer_teams: TeamRef[];
}

/** Which page of the inbox's queue to read. */
export interface QueueRequest {
  view: "active" | "waiting" | "resolved" | "all";
  team: number | null;
  assigned: "anyone" | "mine" | "unassigned";
  after?: string | null;
  limit: number;
}

/** Which stretch of a conversation's thread to read: the latest, or before a page read. */
export interface ThreadRequest {
  /** The `earlier` of the page read before. */
  before?: string | null;
  /** How many messages (1 to 1000; 50 by default). */
  limit?: number;
}

/** How many messages a page of a thread holds, and the most one read holds. */
export const THREAD_PAGE = 50;
export const MAX_THREAD_PAGE = 1000;

/** A page of a conversation's thread, oldest first; `earlier` while it goes further back. */
export interface ThreadPage {
  messages: Message[];
  earlier: string | null;
}

/** A page of the queue, in the counter's order, and how many each view holds. */
export interface ConversationPage {
  items: ConversationSummary[];
  next: string | null;
  counts: { active: number; waiting: number; resolved: number; all: number };
}

/** Whom one may hand a conversation to: its team's active members (when one may assign it)
 * and the other teams (when one may move it). */
export interface Handover {
  agents: string[];
  teams: TeamRef[];
}

/** Who may reveal a piece of data. */
export type DataClass = "contact" | "financial" | "identity" | "health";

/** The data classes, in words. */
export const DATA_CLASSES: Record<DataClass, string> = {
  contact: "Contact details",
  financial: "Financial",
  identity: "Identity",
  health: "Health",
};

/** One of the organisation's own masking patterns. */
export interface MaskingPattern {
  name: string;
  /** A regular expression (Rust regex syntax). */
  pattern: string;
  class: DataClass;
  /** Characters left readable at the end (0 to 4). */
  keep_last: number;
}

/** A field the organisation keeps about its contacts. */
export interface ContactField {
  id: number;
  name: string;
  kind: "text" | "date_of_birth";
  /** Who may reveal its values. */
  class: DataClass | "none";
}

/** A contact's value of one field, masked by the field's class until revealed. */
export interface FieldValue extends ContactField {
  value: string | null;
  masked: boolean;
}

export interface ContactLabel {
  id: number;
  name: string;
  colour: string;
  restricted: boolean;
}

/** A customer, as the contact list and detail show them. */
export interface Contact {
  id: number;
  name: string;
  handle: string;
  team: { id: number; name: string };
  owner: string | null;
  labels: ContactLabel[];
  fields: FieldValue[];
  lifecycle: "new" | "lead" | "customer" | "inactive";
  /** Marketing consent: when, how (staff's words, masked) and who recorded it. */
  consent: { state: "unknown" | "opted_in" | "opted_out"; at: number | null; source: string | null; by: string | null };
}

/** A contact shown unmasked until `until` (ms since the epoch), after a reveal. */
export interface ContactReveal {
  contact: Contact;
  until: number;
}

/** A sample masked as an agent who may reveal nothing sees it, and what was found. */
export interface MaskingTrial {
  masked: string;
  found: { what: string; class: DataClass }[];
}

/** What the built-in detectors find, in words (national identity numbers below). */
export const DETECTORS: Record<string, string> = {
  card: "Card number",
  iban: "IBAN",
  uk_account: "UK bank account",
  email: "E-mail address",
  phone: "Phone number",
};

/** The national identity numbers masking can look for, in words. */
export const IDENTITY_NUMBERS: Record<string, string> = {
  us_ssn: "US Social Security number",
  uk_nino: "UK National Insurance number",
  hk_hkid: "Hong Kong identity card",
  sg_nric: "Singapore NRIC / FIN",
  in_aadhaar: "India Aadhaar",
  br_cpf: "Brazil CPF",
};

export interface AllowEntry {
  cidr: string;
  role: Role | null;
}

export interface Allowlist {
  entries: AllowEntry[];
  desktop_note: string;
  /** IT's policy on this computer sets the list. */
  locked_by_policy?: boolean;
}

export interface TotpEnrolment {
  secret: string;
  otpauth_url: string;
  qr_svg: string;
}

export interface ConversationSummary {
  id: number;
  /** The customer's contact (its details: `api.contact`). */
  contact_id: number;
  customer_name: string;
  customer_handle: string;
  last_message_preview: string;
  last_message_at: number;
  /** Until when a free-form reply may be sent (24 hours after the customer last wrote). */
  reply_window_closes_at: number | null;
  team: { id: number; name: string };
  assignee: string | null;
  /** Open: someone here has to act. Pending: waiting. Resolved: done (the customer's next message reopens it). */
  status: ConversationStatus;
  priority: Priority;
  /** Out of the working list until then, or until the customer writes. */
  snoozed_until: number | null;
  /** The customer's messages this reader has not seen. */
  unread: number;
}

export type ConversationStatus = "open" | "pending" | "resolved";
export type Priority = "low" | "normal" | "high" | "urgent";

/** A private note: staff only, never sent to the customer; personal data in it is masked. */
export interface Note {
  id: number;
  author: string;
  text: string;
  at: number;
  /** Who it notified. */
  mentions: string[];
}

/** A routing rule as written: conditions (`when`, all must hold) and actions (`then`). */
export interface RuleSpec {
  name: string;
  enabled: boolean;
  when: {
    business_numbers?: string[];
    keywords?: string[];
    country_codes?: string[];
    labels?: number[];
    from_ad?: boolean | null;
    answers?: string[];
    /** ISO 639-3 codes or English names of languages. */
    languages?: string[];
    /** Custom fields (without a sensitivity class) and the values any of which will do. */
    fields?: { field: number; is: string[] }[];
    /** The rule's team is open (true) or closed (false), by its business hours. */
    open?: boolean | null;
  };
  then: {
    team?: number | null;
    agent?: "round_robin" | "least_busy" | null;
    label?: number | null;
    priority?: Priority | null;
    reply?:
      | { type: "text"; body: string }
      | { type: "list"; body: string; button: string; rows: string[] }
      | { type: "template"; name: string; language: string }
      | null;
  };
}

export interface RoutingRule {
  id: number;
  position: number;
  version: number;
  rule: RuleSpec;
  updated_by: string | null;
  updated_at: number;
}

export interface Routing {
  rules: RoutingRule[];
  default_team: { id: number; name: string } | null;
}

export interface RoutingTrial {
  rule: { id: number; name: string } | null;
  outcome: string[];
}

/** Something a search found: its snippet is cut from the masked text. */
export interface SearchHit {
  id: number;
  conversation: number | null;
  contact: number;
  customer_name: string;
  snippet: string;
  at: number;
}

export type SearchKind = "messages" | "notes" | "contacts";

/** A saved answer; `filled` is its text for the conversation it was asked for. */
export interface QuickReply {
  id: number;
  team: { id: number; name: string } | null;
  shortcut: string;
  body: string;
  filled: string | null;
}

/** A note that mentioned me, not yet seen. */
export interface Mention {
  note: number;
  conversation: number;
  author: string;
  preview: string;
  at: number;
}

/** What a message says, by type (the core reads WhatsApp's message object). */
export type Content =
  | { type: "text"; body: string }
  | {
      type: "media";
      media: "image" | "video" | "audio" | "voice" | "document" | "sticker";
      caption: string | null;
      filename: string | null;
      mime_type: string | null;
      /** The file: being downloaded, kept (fetch it with `api.messageMedia`), refused or failed. */
      file: "pending" | "stored" | "refused" | "failed" | "removed" | null;
      /** Why the file is not available, in words. */
      problem: string | null;
      size: number | null;
    }
  | { type: "location"; latitude: number | null; longitude: number | null; name: string | null; address: string | null }
  | { type: "contacts"; contacts: { name: string; phones: string[]; company: string | null }[] }
  | { type: "choice"; title: string }
  | { type: "question"; body: string; options: string[] }
  | { type: "form"; body: string | null; answers: { name: string; value: string }[] }
  | {
      type: "order";
      note: string | null;
      lines: { product: string; quantity: number; price: number | null; currency: string | null }[];
    }
  | { type: "notice"; body: string }
  /** Its content was removed under the organisation's retention policy, at `at`. */
  | { type: "removed"; at: number }
  | { type: "unsupported"; kind: string; reason: string | null };

export type OutboundMessage =
  | { type: "location"; latitude: number; longitude: number; name?: string; address?: string }
  | { type: "contact"; name: string; phone: string }
  | { type: "buttons"; body: string; buttons: string[] }
  | { type: "list"; body: string; button: string; rows: string[] }
  | { type: "reaction"; message_id: number; emoji: string };

export interface Message {
  id: number;
  direction: "inbound" | "outbound";
  kind: string;
  /** The message in words: its text, or what it is ("Photo: caption"). */
  text: string;
  content: Content;
  /** The message it answers, in words. */
  quote: string | null;
  forwarded: "forwarded" | "frequently_forwarded" | null;
  referral: { headline: string | null; source_url: string | null } | null;
  reaction: string | null;
  our_reaction: string | null;
  edited: boolean;
  deleted: boolean;
  /** Personal data in it is masked; those who may reveal it can ask, giving a reason. */
  masked: boolean;
  sent_at: number;
  status: string | null;
  author: string | null;
  /** Why an outbound message is not delivered or not sent yet, in words for staff. */
  failure: string | null;
}

export interface TeamRef {
  id: number;
  name: string;
}

/** Who a conversation or contact permission reaches: assigned to them, their teams, every team. */
export type Scope = "own" | "team" | "all";

export interface PermissionInfo {
  /** Stable name, such as `conversations.reply`. */
  name: string;
  label: string;
  /** A grant of it carries a scope. */
  scoped: boolean;
}

export interface PermissionModule {
  label: string;
  permissions: PermissionInfo[];
}

export interface Grant {
  permission: string;
  scope: Scope | null;
}

export interface RoleInfo {
  slug: string;
  name: string;
  description: string;
  builtin: boolean;
  /** The viewer may change or delete it. */
  editable: boolean;
  /** The viewer may give it to someone. */
  assignable: boolean;
  grants: Grant[];
  /** Sees every restricted label. */
  all_labels: boolean;
  /** The restricted labels it sees (when not all). */
  labels: number[];
  /** How many users have it. */
  users: number;
}

export interface Roles {
  catalog: PermissionModule[];
  roles: RoleInfo[];
}

export interface RoleRequest {
  name: string;
  description: string;
  grants: Grant[];
  labels: number[];
}

/** What offboarding someone did, and their high-risk actions for the reviewer. */
export interface OffboardReport {
  username: string;
  sessions_ended: number;
  keys_removed: number;
  authenticator_removed: boolean;
  teams_left: TeamRef[];
  conversations_reassigned: number;
  conversations_to_queue: number;
  contacts_reassigned: number;
  reassigned_to: string | null;
  report_days: number;
  high_risk: AuditEvent[];
}

export interface UserInfo {
  username: string;
  role: Role;
  disabled: boolean;
  teams: TeamRef[];
}

export interface NewUser {
  username: string;
  role: Role;
  /** Temporary: they choose their own at the first sign-in. */
  password: string;
  teams: number[];
}

export interface Team {
  id: number;
  name: string;
  /** Receives what nothing else claims; cannot be deleted. */
  default: boolean;
  /** Members' user names, for those who may see them. */
  members: string[] | null;
  /** Business hours, if kept (none: always open to routing). */
  hours: TeamHours | null;
}

/** What a contacts import did, or in a dry run would do. */
export interface ImportReport {
  dry_run: boolean;
  created: number;
  /** Rows whose number is a contact already (left as they are). */
  existing: number;
  /** Rows not imported for a problem. */
  rejected: number;
  /** By line (null: the whole file); values are never repeated. At most 200. */
  problems: { line: number | null; message: string }[];
}

export const WEEKDAYS = { mon: "Monday", tue: "Tuesday", wed: "Wednesday", thu: "Thursday", fri: "Friday", sat: "Saturday", sun: "Sunday" } as const;
export type Weekday = keyof typeof WEEKDAYS;

export interface OpenSpan {
  day: Weekday;
  /** `09:00`. */
  opens: string;
  /** `17:30`. */
  closes: string;
}

export interface TeamHours {
  /** `Europe/London`. */
  zone: string;
  open: OpenSpan[];
  open_now: boolean;
}

export const LABEL_COLOURS = ["grey", "red", "orange", "yellow", "green", "teal", "blue", "purple"] as const;

export interface Label {
  id: number;
  name: string;
  colour: string;
  /** Hides its contacts from roles not listed. */
  restricted: boolean;
  /** Roles that see its contacts, for those who manage labels. */
  roles: Role[] | null;
  /** Which files may be sent to its contacts. */
  files: FilePolicy;
}

export interface LabelRequest {
  name: string;
  colour: string;
  restricted: boolean;
  roles: Role[];
  files: FilePolicy;
}

/** A search of the audit trail; every part optional. */
export interface AuditSearch {
  /** A user name, or `operator:cli`, `system:webhook`, `anonymous`. */
  actor?: string | null;
  /** A kind of event, as stored (`session.login`). */
  action?: string | null;
  /** What it was done to, exactly (`conversation:4`). */
  target?: string | null;
  /** The least risk shown. */
  risk?: Risk | null;
  /** From this time (ms, inclusive). */
  from?: number | null;
  /** Until this time (ms, exclusive). */
  until?: number | null;
}

export type Risk = "low" | "medium" | "high";

export interface AuditEvent {
  seq: number;
  at: number;
  /** A user name, or "IT (command line)", "WhatsApp webhook", "not signed in". */
  actor: string;
  actor_id: string;
  action: string;
  /** What it means, in words. */
  summary: string;
  target: string | null;
  outcome: "success" | "failure" | "denied" | null;
  risk: Risk | null;
  origin: string | null;
  device: string | null;
  detail: { key: string; value: string }[];
}

export interface AuditPage {
  events: AuditEvent[];
  /** Pass as `before` for the next, older page; null at the end. */
  next_before: number | null;
}

export interface AuditKind {
  action: string;
  summary: string;
  risk: Risk;
}

export interface AuditExported {
  file: string;
  events: number;
}

/** Unusual activity nobody has acknowledged yet. */
export interface SecurityAlert {
  /** `many_reveals`, `many_exports`, `repeated_denials`, `permission_escalation`, `privileged_login_new_network`. */
  rule: string;
  /** What it means, in words. */
  label: string;
  /** Its event in the trail: who, when, from where, and the counts. */
  event: AuditEvent;
}

export interface SecurityAlerts {
  /** How many are open in all (the list holds the newest 50). */
  open: number;
  alerts: SecurityAlert[];
}

/** How many of each a purge removes. */
export interface RetentionCounts {
  messages: number;
  media: number;
  /** WhatsApp's raw deliveries, as received. */
  deliveries: number;
}

export interface RetentionRun {
  id: number;
  trigger: "schedule" | "manual" | "operator";
  /** `interrupted`: the app stopped during it; the next run takes up the rest. */
  state: "running" | "finished" | "failed" | "interrupted";
  started_at: number;
  finished_at: number | null;
  due: RetentionCounts;
  done: RetentionCounts;
  percent: number;
}

export interface LegalHold {
  id: number;
  scope: "contact" | "conversation";
  contact_id: number;
  conversation_id: number | null;
  contact_name: string | null;
  reason: string;
  /** `null`: IT at the machine. */
  placed_by: string | null;
  placed_at: number;
}

export interface ReviewerProgress {
  reviewer: string;
  items: number;
  decided: number;
}

/** An access review campaign and how far it got. */
export interface AccessReview {
  id: number;
  name: string;
  started_by: string | null;
  started_at: number;
  due_at: number;
  overdue: boolean;
  closed_at: number | null;
  default_reviewer: string;
  items: number;
  decided: number;
  confirmed: number;
  revoked: number;
  flagged_unused: number;
  reviewers: ReviewerProgress[];
}

/** One thing a reviewer confirms or revokes. */
export interface ReviewItem {
  id: number;
  review_id: number;
  review_name: string;
  due_at: number;
  overdue: boolean;
  user: string;
  kind: "role" | "team" | "permission";
  label: string;
  /** Permissions: no use in the 90 days before the campaign; `null`: using it leaves no trace. */
  unused: boolean | null;
  last_used_at: number | null;
  decision: "confirmed" | "revoked" | null;
  note: string | null;
  outcome: "removed_from_team" | "disabled" | "role_change_needed" | null;
}

export interface MyAccessReviews {
  pending: number;
  overdue: boolean;
  items: ReviewItem[];
}

/** What a privacy export wrote, and where the app saved it. */
export interface PrivacyExport {
  conversations: number;
  messages: number;
  files: number;
  notes: number;
  file: string | null;
}

/** What erasing a contact did. */
export interface Erasure {
  pseudonym: string;
  conversations: number;
  messages: number;
  files: number;
  notes: number;
  raw_deliveries: number;
  audit_records_pseudonymised: number;
  audit_records_kept: number;
}

/** How long message content and files are kept, the holds in force and the latest purges. */
export interface Retention {
  /** `null`: kept. */
  message_days: number | null;
  /** `null`: as long as the messages. */
  media_days: number | null;
  days_range: [number, number];
  holds: LegalHold[];
  /** Newest first; the first may be running. */
  runs: RetentionRun[];
  /** What a purge now would remove (`null` while one runs). */
  due: RetentionCounts | null;
  every_hours: number;
}

export interface AuditRetention {
  /** Events older than this are purged (a signed checkpoint keeps covering them). */
  days: number;
  /** When the oldest event left happened (ms). */
  oldest_at: number | null;
  may_change: boolean;
}

/** An error as the core reports it: a stable code and a message safe to show. */
export interface CoreError {
  code: string;
  message: string;
}

/** What the sign-in screen offers when the organisation uses single sign-on. */
export interface SsoOffer {
  /** The button's name (`Contoso Entra ID`). */
  label: string;
  /** Passwords still work for everyone (false: for the break-glass owner only). */
  passwords: boolean;
}

export type SsoMode = "off" | "sso_and_passwords" | "sso_only";

/** A provider group and what it gives: a role, a team, or both. */
export interface SsoMapping {
  group: string;
  role: string | null;
  team: number | null;
  team_name?: string | null;
}

/** Single sign-on as an admin sees it: whether a client secret is stored, never its value. */
export interface SsoSettings {
  mode: SsoMode;
  label: string;
  issuer: string;
  client_id: string;
  client_secret_set: boolean;
  scopes: string[];
  username_claim: string;
  groups_claim: string;
  provision: boolean;
  break_glass: string | null;
  mappings: SsoMapping[];
  /** IT's policy on this computer sets all of this. */
  locked_by_policy?: boolean;
}

/** New settings: every field; the secret is kept unless a new one is given or it is cleared. */
export interface SsoSettingsRequest extends Omit<SsoSettings, "client_secret_set" | "locked_by_policy"> {
  client_secret: string | null;
  clear_client_secret: boolean;
}

export function asCoreError(e: unknown): CoreError {
  if (typeof e === "object" && e !== null && "code" in e && "message" in e) {
    return e as CoreError;
  }
  return { code: "internal", message: "Something went wrong. Please try again." };
}

export const api = {
  login: (username: string, password: string) => invoke<Me>("login", { username, password }),
  logout: () => invoke<void>("logout"),
  /** Single sign-on, if the organisation uses it (asked before anyone signs in). */
  ssoOffer: () => invoke<SsoOffer | null>("sso_offer"),
  /** Opens the identity provider in the system browser and waits for the person to sign in there. */
  ssoSignIn: () => invoke<Me>("sso_sign_in"),
  /** Unlocks by signing in at the identity provider again. */
  ssoUnlock: () => invoke<Me>("sso_unlock"),
  /** Stops waiting for the browser. */
  ssoCancel: () => invoke<void>("sso_cancel"),
  ssoSettings: () => invoke<SsoSettings>("sso_settings"),
  setSsoSettings: (request: SsoSettingsRequest) => invoke<SsoSettings>("set_sso_settings", { request }),
  me: () => invoke<Me | null>("me"),
  conversations: () => invoke<ConversationSummary[]>("list_conversations"),
  /** A page of the inbox's queue (after `after`, the `next` of the page before). */
  queue: (request: QueueRequest) => invoke<ConversationPage>("conversation_page", { request }),
  conversation: (conversationId: number) => invoke<ConversationSummary>("conversation_summary", { conversationId }),
  messages: (conversationId: number, request: ThreadRequest = {}) =>
    invoke<ThreadPage>("conversation_messages", { conversationId, request }),
  setStatus: (conversationId: number, status: ConversationStatus, snoozeUntil: number | null = null) =>
    invoke<void>("set_conversation_status", { conversationId, request: { status, snooze_until: snoozeUntil } }),
  setPriority: (conversationId: number, priority: Priority) =>
    invoke<void>("set_conversation_priority", { conversationId, request: { priority } }),
  handoverOptions: (conversationId: number) => invoke<Handover>("handover_options", { conversationId }),
  /** `agent` null: back to the team's queue. */
  assign: (conversationId: number, agent: string | null) =>
    invoke<void>("assign_conversation", { conversationId, request: { agent } }),
  transfer: (conversationId: number, team: number, note: string | null) =>
    invoke<void>("transfer_conversation", { conversationId, request: { team, note } }),
  notes: (conversationId: number) => invoke<Note[]>("conversation_notes", { conversationId }),
  addNote: (conversationId: number, text: string) =>
    invoke<Note>("add_note", { conversationId, request: { text } }),
  myMentions: () => invoke<{ mentions: Mention[] }>("my_mentions"),
  search: (q: string, kind: SearchKind, before: number | null = null) =>
    invoke<{ hits: SearchHit[]; next_before: number | null }>("search", { request: { q, kind, before, limit: 25 } }),
  quickReplies: () => invoke<QuickReply[]>("quick_replies"),
  saveQuickReply: (reply: { id: number | null; team: number | null; shortcut: string; body: string }) =>
    invoke<QuickReply[]>("save_quick_reply", { request: reply }),
  deleteQuickReply: (id: number) => invoke<QuickReply[]>("delete_quick_reply", { id }),
  setLifecycle: (contactId: number, stage: string) =>
    invoke<Contact>("set_contact_lifecycle", { contactId, request: { stage } }),
  setConsent: (contactId: number, state: string, source: string | null) =>
    invoke<Contact>("set_marketing_consent", { contactId, request: { state, source } }),
  conversationQuickReplies: (conversationId: number) =>
    invoke<QuickReply[]>("conversation_quick_replies", { conversationId }),
  routing: () => invoke<Routing>("routing_rules"),
  saveRoutingRule: (rule: RuleSpec, id: number | null = null, position: number | null = null) =>
    invoke<Routing>("save_routing_rule", { request: { id, position, rule } }),
  deleteRoutingRule: (id: number) => invoke<Routing>("delete_routing_rule", { id }),
  setDefaultTeam: (team: number | null) => invoke<Routing>("set_default_team", { request: { team } }),
  testRouting: (trial: {
    text: string;
    customer_number?: string | null;
    answer?: string | null;
    from_ad?: boolean;
    placed?: boolean;
    fields?: { field: number; value: string }[];
    /** When it arrives (ms since the epoch); now when left out. */
    at?: number | null;
  }) =>
    invoke<RoutingTrial>("test_routing", { request: trial }),
  verifySecondFactor: (code: string) => invoke<Me>("verify_second_factor", { code }),
  beginTotpEnrolment: () => invoke<TotpEnrolment>("begin_totp_enrolment"),
  confirmTotpEnrolment: (code: string) => invoke<{ codes: string[] }>("confirm_totp_enrolment", { code }),
  changePassword: (currentPassword: string, newPassword: string) =>
    invoke<Me>("change_password", { currentPassword, newPassword }),
  /** A text reply; `previewUrl` asks WhatsApp to show a preview of its first link. */
  sendText: (conversationId: number, text: string, replyTo: number | null = null, previewUrl = false) =>
    invoke<Message>("send_text", { conversationId, text, replyTo, previewUrl }),
  registerSecurityKey: (name: string, pin: string | null) =>
    invoke<SecurityKey[]>("register_security_key", { name, pin }),
  securityKeys: () => invoke<SecurityKey[]>("security_keys"),
  removeSecurityKey: (id: number) => invoke<SecurityKey[]>("remove_security_key", { id }),
  verifyWithSecurityKey: (pin: string | null) => invoke<Me>("verify_with_security_key", { pin }),
  signInWithSecurityKey: (username: string, pin: string | null) =>
    invoke<Me>("sign_in_with_security_key", { username, pin }),
  regenerateRecoveryCodes: () => invoke<{ codes: string[] }>("regenerate_recovery_codes"),
  removeTotp: () => invoke<Me>("remove_totp"),
  lock: (reason: LockReason) => invoke<Me>("lock", { reason }),
  unlock: (password: string) => invoke<Me>("unlock", { password }),
  switchUser: () => invoke<void>("switch_user"),
  stepUp: (code: string) => invoke<void>("step_up", { code }),
  mySessions: () => invoke<SessionInfo[]>("my_sessions"),
  endSession: (id: number) => invoke<void>("end_session", { id }),
  endOtherSessions: () => invoke<void>("end_other_sessions"),
  securitySettings: () => invoke<SecuritySettings>("security_settings"),
  setSecuritySettings: (settings: Partial<SecuritySettings>) =>
    invoke<void>("set_security_settings", { settings }),
  /** Masks `sample` with the saved detectors and `patterns` (or the saved ones); saves nothing. */
  tryMasking: (sample: string, patterns?: MaskingPattern[]) =>
    invoke<MaskingTrial>("try_masking", { trial: { sample, patterns: patterns ?? null } }),
  /** The file a media message carries (only for someone who may read its conversation). */
  messageMedia: (messageId: number) => invoke<ArrayBuffer>("message_media", { messageId }),
  /** Sends a file (the caption may be empty): the bytes travel as the raw request body. */
  sendMedia: async (conversationId: number, file: File, caption: string) =>
    invoke<Message>("send_media", new Uint8Array(await file.arrayBuffer()), {
      headers: {
        "Conversation-Id": String(conversationId),
        "File-Name": encodeURIComponent(file.name),
        // Not Content-Type: the IPC sets that to application/octet-stream for raw bodies.
        "File-Type": file.type || "application/octet-stream",
        Caption: encodeURIComponent(caption),
      },
    }),
  /** A place, a contact card, a question with buttons, or a reaction. */
  sendMessage: (conversationId: number, message: OutboundMessage) =>
    invoke<Message>("send_message", { conversationId, message }),
  /** Blue ticks for the customer's messages; with `typing`, "typing…" until the reply. */
  markRead: (conversationId: number, typing: boolean) => invoke<void>("mark_read", { conversationId, typing }),
  templates: () => invoke<Template[]>("templates"),
  syncTemplates: () => invoke<Template[]>("sync_templates"),
  saveTemplate: (request: TemplateRequest) => invoke<Template>("save_template", { request }),
  sendTemplate: (conversationId: number, name: string, language: string, values: string[]) =>
    invoke<Message>("send_template", { conversationId, request: { name, language, values } }),
  /** Limits a template to contacts with one of `labels` (none: every contact). */
  setTemplateAudience: (name: string, language: string, labels: number[]) =>
    invoke<Template>("set_template_audience", { name, language, request: { labels } }),
  /** A message unmasked for a minute; the reason goes in the audit trail. */
  contact: (id: number) => invoke<Contact>("contact", { id }),
  contacts: () => invoke<Contact[]>("contacts"),
  labelContact: (id: number, label: number) => invoke<Contact>("label_contact", { id, request: { label } }),
  unlabelContact: (id: number, label: number) => invoke<Contact>("unlabel_contact", { id, label }),
  /** Merges `duplicate` into `id` (the duplicate goes); the kept contact as it is now. */
  mergeContacts: (id: number, duplicate: number) => invoke<Contact>("merge_contacts", { id, request: { duplicate } }),
  contactFields: () => invoke<ContactField[]>("contact_fields"),
  createContactField: (request: { name: string; kind: ContactField["kind"]; class: ContactField["class"] }) =>
    invoke<ContactField>("create_contact_field", { request }),
  updateContactField: (id: number, request: { name: string; class: ContactField["class"] }) =>
    invoke<ContactField>("update_contact_field", { id, request }),
  deleteContactField: (id: number) => invoke<void>("delete_contact_field", { id }),
  /** Sets a contact's value of a field (empty clears it); the contact comes back masked. */
  setContactField: (id: number, field: number, value: string) =>
    invoke<Contact>("set_contact_field", { id, field, value }),
  revealContact: (id: number, reason: string) => invoke<ContactReveal>("reveal_contact", { id, reason }),
  revealMessage: (messageId: number, reason: string) =>
    invoke<RevealView>("reveal_message", { messageId, request: { reason } }),
  /** What the signed-in user may reveal in a conversation, and whether they may ask for more. */
  revealAccess: (conversation: number) => invoke<RevealAccess>("reveal_access", { conversation }),
  /** Asks a manager about a conversation: to reveal `reveal` (classes), or nothing but an answer. */
  requestEscalation: (conversation: number, reason: string, reveal: DataClass[], transferTo: number | null = null) =>
    invoke<Escalation>("request_escalation", {
      conversation,
      request: transferTo === null ? { reason, reveal } : { reason, reveal, transfer_to: transferTo },
    }),
  escalations: () => invoke<Escalations>("escalations"),
  auditEvents: (search: AuditSearch, before: number | null, limit = 50) =>
    invoke<AuditPage>("audit_events", { request: { ...search, before, limit } }),
  auditKinds: () => invoke<AuditKind[]>("audit_kinds"),
  exportAudit: (search: AuditSearch, format: "csv" | "jsonl") =>
    invoke<AuditExported>("export_audit", { request: { search, format } }),
  securityAlerts: () => invoke<SecurityAlerts>("security_alerts"),
  acknowledgeAlert: (seq: number) => invoke<void>("acknowledge_alert", { seq }),
  auditRetention: () => invoke<AuditRetention>("audit_retention"),
  /** Needs the retention permission and a fresh second factor. */
  setAuditRetention: (days: number) => invoke<AuditRetention>("set_audit_retention", { request: { days } }),
  retention: () => invoke<Retention>("retention"),
  /** Needs the retention permission and a fresh second factor. */
  setRetention: (messageDays: number | null, mediaDays: number | null) =>
    invoke<Retention>("set_retention", { request: { message_days: messageDays, media_days: mediaDays } }),
  placeLegalHold: (hold: { contact_id?: number; conversation_id?: number; reason: string }) =>
    invoke<Retention>("place_legal_hold", { request: hold }),
  /** Needs a fresh second factor: what the hold kept may go at the next purge. */
  releaseLegalHold: (id: number) => invoke<Retention>("release_legal_hold", { id }),
  startRetentionPurge: () => invoke<RetentionRun>("start_retention_purge"),
  accessReviews: () => invoke<{ reviews: AccessReview[] }>("access_reviews"),
  startAccessReview: (name: string, reviewer: string, dueDays: number) =>
    invoke<AccessReview>("start_access_review", { request: { name, reviewer, due_days: dueDays } }),
  closeAccessReview: (id: number) => invoke<AccessReview>("close_access_review", { id }),
  /** Saved to Downloads as CSV. */
  exportAccessReview: (id: number) => invoke<{ file: string; rows: number }>("export_access_review", { id }),
  myAccessReviews: () => invoke<MyAccessReviews>("my_access_reviews"),
  decideAccessReview: (id: number, decision: "confirm" | "revoke", note: string | null) =>
    invoke<ReviewItem>("decide_access_review", { id, request: { decision, note } }),
  /** Needs the privacy permission and a fresh second factor; saved to Downloads. */
  exportContactData: (id: number) => invoke<PrivacyExport>("export_contact_data", { id }),
  /** Needs the privacy permission, a fresh second factor and the contact's name typed. */
  eraseContact: (id: number, confirmName: string) =>
    invoke<Erasure>("erase_contact", { id, request: { confirm_name: confirmName } }),
  /** Approves or refuses a request; a refusal needs a note. */
  decideEscalation: (id: number, approve: boolean, note: string | null) =>
    invoke<Escalation>("decide_escalation", { id, answer: { approve, note } }),
  /** Which files and templates may be sent in a conversation. */
  sendingOptions: (conversationId: number) => invoke<SendingOptions>("sending_options", { conversationId }),
  channelSettings: () => invoke<ChannelSettings>("channel_settings"),
  setChannelSettings: (update: ChannelUpdate) => invoke<ChannelSettings>("set_channel_settings", { update }),
  allowlist: () => invoke<Allowlist>("allowlist"),
  setAllowlist: (entries: AllowEntry[], confirmLockout: boolean) =>
    invoke<Allowlist>("set_allowlist", { entries, confirmLockout }),

  roles: () => invoke<Roles>("roles"),
  createRole: (request: RoleRequest) => invoke<RoleInfo>("create_role", { request }),
  updateRole: (slug: string, request: RoleRequest) => invoke<RoleInfo>("update_role", { slug, request }),
  deleteRole: (slug: string, reassignTo: string | null) =>
    invoke<void>("delete_role", { slug, request: { reassign_to: reassignTo } }),
  users: () => invoke<UserInfo[]>("users"),
  createUser: (request: NewUser) => invoke<UserInfo>("create_user", { request }),
  setUserRole: (username: string, role: Role) => invoke<UserInfo>("set_user_role", { username, request: { role } }),
  setUserDisabled: (username: string, disabled: boolean) =>
    invoke<UserInfo>("set_user_disabled", { username, request: { disabled } }),
  endUserSessions: (username: string) => invoke<void>("end_user_sessions", { username }),
  /** Disables, signs out, removes keys and teams, hands work to `reassignTo` (or the team queue); step-up. */
  offboardUser: (username: string, reassignTo: string | null) =>
    invoke<OffboardReport>("offboard_user", { username, request: { reassign_to: reassignTo } }),
  /** Sets a temporary password they must change at the next sign-in (step-up). */
  resetPassword: (username: string, newPassword: string) =>
    invoke<void>("reset_password", { username, request: { new_password: newPassword } }),
  /** Clears a lock after too many failed sign-ins; `false` if there was none. */
  unlockUser: (username: string) => invoke<boolean>("unlock_user", { username }),
  teams: () => invoke<Team[]>("teams"),
  createTeam: (name: string) => invoke<Team>("create_team", { request: { name } }),
  renameTeam: (id: number, name: string) => invoke<Team>("rename_team", { id, request: { name } }),
  importContacts: (csv: string, dryRun: boolean, team: number | null) =>
    invoke<ImportReport>("import_contacts", { request: { csv, dry_run: dryRun, team } }),
  setTeamHours: (id: number, hours: { zone: string; open: OpenSpan[] } | null) =>
    invoke<Team>("set_team_hours", { id, request: { hours } }),
  deleteTeam: (id: number) => invoke<void>("delete_team", { id }),
  addTeamMember: (id: number, username: string) => invoke<Team>("add_team_member", { id, request: { username } }),
  removeTeamMember: (id: number, username: string) => invoke<Team>("remove_team_member", { id, username }),
  labels: () => invoke<Label[]>("labels"),
  createLabel: (request: LabelRequest) => invoke<Label>("create_label", { request }),
  updateLabel: (id: number, request: LabelRequest) => invoke<Label>("update_label", { id, request }),
  deleteLabel: (id: number) => invoke<void>("delete_label", { id }),
};

/** Ends the session in the core, then leaves the screen whatever the outcome. */
export async function signOutThen(leave: () => void): Promise<void> {
  try {
    await api.logout();
  } finally {
    leave();
  }
}
