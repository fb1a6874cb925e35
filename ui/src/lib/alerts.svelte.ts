// The open security alerts, shared by the tab bar (the count, which is how administrators
// notice) and the audit screen (the list). Asked for when the app starts and every minute
// after; the audit screen refreshes it when someone acknowledges one.
import { api } from "./api";

export const ALERT_POLL_MS = 60_000;

class OpenAlerts {
  count = $state(0);

  async refresh(): Promise<void> {
    try {
      this.count = (await api.securityAlerts()).open;
    } catch {
      // A failed poll leaves the last count; the audit screen reports errors itself.
    }
  }
}

export const openAlerts = new OpenAlerts();
