/** A message time as a store clerk reads it: time today, otherwise the date and time. */
export function formatTime(ms: number, now: Date = new Date()): string {
  const d = new Date(ms);
  const sameDay = d.toDateString() === now.toDateString();
  return sameDay
    ? d.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" })
    : d.toLocaleString(undefined, { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
}

const STATUS_LABELS: Record<string, string> = {
  queued: "Waiting to send",
  accepted: "Sent to WhatsApp",
  sent: "Sent",
  delivered: "Delivered",
  read: "Read",
  played: "Played",
  failed: "Not delivered",
};

/** A delivery status in words; unknown statuses are shown as WhatsApp named them. */
export function statusLabel(status: string | null): string {
  if (status === null) return "";
  return STATUS_LABELS[status] ?? status;
}

const MEDIA_LABELS: Record<string, string> = {
  image: "Photo",
  video: "Video",
  audio: "Audio",
  voice: "Voice message",
  document: "Document",
  sticker: "Sticker",
};

/** What a piece of media is, in words. */
export function mediaLabel(media: string): string {
  return MEDIA_LABELS[media] ?? "File";
}

/** A price with its currency, or nothing when the order line has none. */
export function money(amount: number | null, currency: string | null): string {
  if (amount === null) return "";
  if (currency === null) return String(amount);
  try {
    return new Intl.NumberFormat(undefined, { style: "currency", currency }).format(amount);
  } catch {
    return `${amount} ${currency}`; // a currency code Intl does not know
  }
}

/** A file size as people read it. */
export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** A template's text with `values` (one per slot, header first) in place of its placeholders;
 * a slot without a value shows as its placeholder. */
export function renderTemplate(
  t: {
    header: string | null;
    body: string;
    footer: string | null;
    slots: { part: string; name: string; button?: string | null }[];
    buttons?: { kind: string; text: string; target: string | null }[];
  },
  values: string[],
): string {
  const fill = (text: string, part: string) =>
    t.slots.reduce((out, slot, i) => {
      if (slot.part !== part || !values[i]) return out;
      return out.split(`{{${slot.name}}}`).join(values[i]);
    }, text);
  // Button values follow the header's and body's, in button order (as the core reads them).
  const buttonValues = values.filter((_, i) => t.slots[i]?.part === "button");
  let next = 0;
  const buttons = (t.buttons ?? []).map((b) => {
    const takes = (b.kind === "URL" && (b.target ?? "").includes("{{")) || b.kind === "COPY_CODE";
    const value = takes ? buttonValues[next++] || null : null;
    if (b.kind === "URL" && b.target) return `[${b.text}: ${value ? b.target.replace(/\{\{[^}]*\}\}/, () => value) : b.target}]`;
    if (b.kind === "PHONE_NUMBER" && b.target) return `[${b.text}: ${b.target}]`;
    if (b.kind === "COPY_CODE" && value) return `[${b.text}: ${value}]`;
    return `[${b.text}]`;
  });
  return [t.header && fill(t.header, "header"), fill(t.body, "body"), t.footer, ...buttons].filter(Boolean).join("\n");
}

/** A point typed or pasted as "53.7997, -1.5492" (or a map link with "@53.7997,-1.5492"):
 * `null` unless both are numbers in range. */
export function parseCoordinates(text: string): { latitude: number; longitude: number } | null {
  const number = String.raw`[-+]?\d{1,3}(?:\.\d+)?`;
  const found =
    new RegExp(String.raw`^\s*(${number})\s*[,\s]\s*(${number})\s*$`).exec(text) ??
    new RegExp(String.raw`@(${number}),(${number})`).exec(text);
  if (found === null) return null;
  const [latitude, longitude] = [Number(found[1]), Number(found[2])];
  if (Math.abs(latitude) > 90 || Math.abs(longitude) > 180) return null;
  return { latitude, longitude };
}
