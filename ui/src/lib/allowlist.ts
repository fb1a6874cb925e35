// The allowlist as an administrator types it: one network per line, optionally followed by the
// one role it is for. The core validates every entry; this only splits lines.
import type { AllowEntry, Role } from "./api";

export function parseEntries(text: string): AllowEntry[] {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const [cidr, role] = line.split(/\s+/, 2);
      return { cidr, role: (role as Role | undefined) ?? null };
    });
}

export function showEntries(entries: AllowEntry[]): string {
  return entries.map((e) => (e.role ? `${e.cidr} ${e.role}` : e.cidr)).join("\n");
}
