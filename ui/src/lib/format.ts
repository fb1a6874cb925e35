/** A message time as a store clerk reads it: time today, otherwise the date and time. */
export function formatTime(ms: number, now: Date = new Date()): string {
  const d = new Date(ms);
  const sameDay = d.toDateString() === now.toDateString();
  return sameDay
    ? d.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" })
    : d.toLocaleString(undefined, { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
}

const STATUS_LABELS: Record<string, string> = {
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
