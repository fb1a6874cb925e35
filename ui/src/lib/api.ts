// The only place the UI talks to the core. Every call goes through a Tauri command that the
// core authorizes again; the UI holds no token (the shell keeps the session) and decides nothing.
import { invoke } from "@tauri-apps/api/core";

/** A role's stable slug: a built-in (`owner`, `admin`, `manager`, `agent`, `sales`, `marketing`,
 * `auditor`) or a custom role's. */
export type Role = string;

export interface Me {
  username: string;
  role: Role;
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

export interface SecuritySettings {
  password_min_length: number;
  lockout_max_failures: number;
  second_factor_roles: Role[];
  session_idle_minutes: number;
  session_absolute_hours: number;
  lock_after_seconds: number;
  step_up_minutes: number;
}

export interface AllowEntry {
  cidr: string;
  role: Role | null;
}

export interface Allowlist {
  entries: AllowEntry[];
  desktop_note: string;
}

export interface TotpEnrolment {
  secret: string;
  otpauth_url: string;
  qr_svg: string;
}

export interface ConversationSummary {
  id: number;
  customer_name: string;
  customer_handle: string;
  last_message_preview: string;
  last_message_at: number;
}

export interface Message {
  id: number;
  direction: "inbound" | "outbound";
  kind: string;
  text: string | null;
  sent_at: number;
  status: string | null;
  author: string | null;
}

/** An error as the core reports it: a stable code and a message safe to show. */
export interface CoreError {
  code: string;
  message: string;
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
  me: () => invoke<Me | null>("me"),
  conversations: () => invoke<ConversationSummary[]>("list_conversations"),
  messages: (conversationId: number) =>
    invoke<Message[]>("conversation_messages", { conversationId }),
  verifySecondFactor: (code: string) => invoke<Me>("verify_second_factor", { code }),
  beginTotpEnrolment: () => invoke<TotpEnrolment>("begin_totp_enrolment"),
  confirmTotpEnrolment: (code: string) => invoke<{ codes: string[] }>("confirm_totp_enrolment", { code }),
  changePassword: (currentPassword: string, newPassword: string) =>
    invoke<Me>("change_password", { currentPassword, newPassword }),
  sendText: (conversationId: number, text: string) =>
    invoke<Message>("send_text", { conversationId, text }),
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
  allowlist: () => invoke<Allowlist>("allowlist"),
  setAllowlist: (entries: AllowEntry[], confirmLockout: boolean) =>
    invoke<Allowlist>("set_allowlist", { entries, confirmLockout }),
};

/** Ends the session in the core, then leaves the screen whatever the outcome. */
export async function signOutThen(leave: () => void): Promise<void> {
  try {
    await api.logout();
  } finally {
    leave();
  }
}
