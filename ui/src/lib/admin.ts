// Which administration sections a user may open, from the capabilities the core reported.
// Hiding a section is a courtesy: the core checks every call again.
import type { Me } from "./api";

export type Section =
  | "people"
  | "roles"
  | "teams"
  | "labels"
  | "fields"
  | "templates"
  | "quick-replies"
  | "routing"
  | "import"
  | "channel"
  | "security"
  | "sso"
  | "retention"
  | "access-reviews";

/** `needs`: any of them opens the section; `all`: every one is needed. */
const SECTIONS: { section: Section; label: string; needs: string[]; all?: true }[] = [
  { section: "people", label: "People", needs: ["users.view"] },
  { section: "roles", label: "Roles", needs: ["roles.view"] },
  { section: "teams", label: "Teams", needs: ["teams.manage"] },
  { section: "labels", label: "Labels", needs: ["labels.manage"] },
  { section: "fields", label: "Contact fields", needs: ["security.manage"] },
  { section: "templates", label: "Templates", needs: ["templates.manage"] },
  { section: "quick-replies", label: "Quick replies", needs: ["quick_replies.manage"] },
  { section: "routing", label: "Routing", needs: ["routing.view"] },
  // Agents may create contacts one by one; a whole file is for those who also place them.
  { section: "import", label: "Import contacts", needs: ["contacts.create", "contacts.assign"], all: true },
  { section: "channel", label: "WhatsApp", needs: ["channel.manage"] },
  { section: "security", label: "Security", needs: ["security.manage"] },
  { section: "sso", label: "Single sign-on", needs: ["security.manage"] },
  { section: "retention", label: "Data retention", needs: ["retention.manage"] },
  { section: "access-reviews", label: "Access reviews", needs: ["access_reviews.manage"] },
];

/** The sections `me` may open, in menu order. */
export function sectionsFor(me: Me): { section: Section; label: string }[] {
  const holds = (n: string) => me.capabilities.includes(n);
  return SECTIONS.filter((s) => (s.all ? s.needs.every(holds) : s.needs.some(holds))).map(({ section, label }) => ({
    section,
    label,
  }));
}

export function may(me: Me, capability: string): boolean {
  return me.capabilities.includes(capability);
}

/** `list` with `item` in it (`on`) or not, for a ticked or unticked checkbox. */
export function ticked<T>(list: T[], item: T, on: boolean): T[] {
  const others = list.filter((x) => x !== item);
  return on ? [...others, item] : others;
}
