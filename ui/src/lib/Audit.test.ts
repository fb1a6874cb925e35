import { afterEach, describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, within } from "@testing-library/svelte";
import { clearMocks } from "@tauri-apps/api/mocks";
import { createRawSnippet } from "svelte";
import Audit from "./Audit.svelte";
import Shell from "./Shell.svelte";
import { openAlerts } from "./alerts.svelte";
import type { AuditEvent } from "./api";
import { callsOf, meAs, mockCore } from "./fixtures";
import { expectAccessible } from "./a11y";

afterEach(() => {
  clearMocks();
  openAlerts.count = 0;
});

const auditor = meAs({ username: "ada", role: "auditor", capabilities: ["audit.view", "audit.export"], second_factor_methods: ["totp"] });

function event(seq: number, changes: Partial<AuditEvent> = {}): AuditEvent {
  return {
    seq,
    at: Date.UTC(2026, 11, 3, 9, 30),
    actor: "mia.manager",
    actor_id: "user:3",
    action: "data.reveal",
    summary: "Masked data revealed",
    target: "message:41",
    outcome: "success",
    risk: "high",
    origin: "this PC",
    device: "Countersign desktop",
    detail: [{ key: "reason", value: "customer asked which card" }],
    ...changes,
  };
}

const kinds = [
  { action: "session.login", summary: "Signed in", risk: "low" },
  { action: "data.reveal", summary: "Masked data revealed", risk: "high" },
];

/** What the screen asks for besides the events: no alerts, a year's retention. */
const quiet = {
  audit_kinds: () => kinds,
  audit_retention: () => ({ days: 365, oldest_at: Date.UTC(2026, 0, 5), may_change: false }),
  security_alerts: () => ({ open: 0, alerts: [] }),
};

function alert(seq: number, rule: string, label: string, detail: { key: string; value: string }[], target: string) {
  return {
    rule,
    label,
    event: event(seq, { action: "audit.alert", summary: "Unusual activity", target, detail: [{ key: "rule", value: rule }, ...detail] }),
  };
}

describe("Audit trail", () => {
  it("searches by person and risk, opens an event, and pages to older ones", async () => {
    const calls = mockCore({
      ...quiet,
      audit_events: (a) => {
        const request = a.request as { before: number | null };
        return request.before === null
          ? { events: [event(9), event(8, { risk: "low", action: "session.login", summary: "Signed in", outcome: "failure" })], next_before: 8 }
          : { events: [event(3)], next_before: null };
      },
    });
    render(Audit, { me: auditor, onSignedOut: vi.fn() });
    expect(await screen.findAllByTestId("audit-event")).toHaveLength(2);
    await expectAccessible();
    expect(screen.getByText("Failed")).toBeTruthy();

    await fireEvent.input(screen.getByLabelText("Person"), { target: { value: " mia.manager " } });
    await fireEvent.change(screen.getByLabelText("Risk"), { target: { value: "high" } });
    await fireEvent.change(screen.getByLabelText("What"), { target: { value: "data.reveal" } });
    await fireEvent.click(screen.getByRole("button", { name: "Search" }));
    const searched = callsOf(calls, "audit_events")[1].request;
    expect(searched).toEqual({ actor: "mia.manager", action: "data.reveal", target: null, risk: "high", from: null, until: null, before: null, limit: 50 });

    await fireEvent.click((await screen.findAllByRole("button", { name: /Details of event 9/ }))[0]);
    const detail = within(screen.getByTestId("audit-detail"));
    expect(detail.getByText("customer asked which card")).toBeTruthy();
    expect(detail.getByText("Countersign desktop")).toBeTruthy();

    await fireEvent.click(screen.getByTestId("audit-older"));
    expect(await screen.findAllByTestId("audit-event")).toHaveLength(3);
    expect(callsOf(calls, "audit_events")[2].request).toMatchObject({ actor: "mia.manager", before: 8 });
    expect(screen.getByTestId("audit-count").textContent).toContain("3 events, the whole result");
    expect(screen.queryByTestId("audit-older")).toBeNull();
  });

  it("includes the whole of the last day of a range", async () => {
    const calls = mockCore({ ...quiet, audit_events: () => ({ events: [], next_before: null }) });
    render(Audit, { me: auditor, onSignedOut: vi.fn() });
    expect(await screen.findByText("No event matches this search.")).toBeTruthy();
    await fireEvent.input(screen.getByLabelText("From"), { target: { value: "2026-12-01" } });
    await fireEvent.input(screen.getByLabelText("To"), { target: { value: "2026-12-01" } });
    await fireEvent.click(screen.getByRole("button", { name: "Search" }));
    const request = callsOf(calls, "audit_events")[1].request as { from: number; until: number };
    expect(request.from).toBe(new Date(2026, 11, 1).getTime());
    expect(request.until).toBe(new Date(2026, 11, 2).getTime());
  });

  it("exports what was searched after a fresh code, and says where the file went", async () => {
    const calls = mockCore({
      ...quiet,
      audit_events: () => ({ events: [event(9)], next_before: null }),
      export_audit: (_, n) => {
        if (n === 1) throw { code: "step_up_required", message: "confirm it is you" };
        return { file: "/home/ada/Downloads/countersign-audit-1.csv", events: 1234 };
      },
      step_up: () => undefined,
    });
    render(Audit, { me: auditor, onSignedOut: vi.fn() });
    await screen.findAllByTestId("audit-event");
    await fireEvent.click(screen.getByTestId("export-csv"));
    await fireEvent.input(await screen.findByLabelText("Code"), { target: { value: "123456" } });
    await fireEvent.click(screen.getByRole("button", { name: "Confirm" }));
    expect((await screen.findByRole("status")).textContent).toContain("to /home/ada/Downloads/countersign-audit-1.csv");
    expect(callsOf(calls, "export_audit")[1]).toEqual({
      request: { search: { actor: null, action: null, target: null, risk: null, from: null, until: null }, format: "csv" },
    });
  });

  it("shows the core's reason when a search is wrong", async () => {
    mockCore({
      ...quiet,
      audit_events: (a) => {
        if ((a.request as { actor: string | null }).actor === "nobody") throw { code: "invalid", message: "no user has that name" };
        return { events: [], next_before: null };
      },
    });
    render(Audit, { me: meAs({ capabilities: ["audit.view"] }), onSignedOut: vi.fn() });
    await screen.findByText("No event matches this search.");
    expect(screen.queryByTestId("export-csv")).toBeNull();
    await fireEvent.input(screen.getByLabelText("Person"), { target: { value: "nobody" } });
    await fireEvent.click(screen.getByRole("button", { name: "Search" }));
    expect((await screen.findByRole("alert")).textContent).toBe("no user has that name");
  });

  it("lists unusual activity in words and acknowledges it, which takes it off the list", async () => {
    const burst = alert(30, "many_reveals", "Many masked values revealed in a few minutes",
      [{ key: "count", value: "20" }, { key: "within_minutes", value: "10" }], "user:3");
    const promoted = alert(31, "permission_escalation", "Someone was given more permissions",
      [{ key: "before", value: "agent" }, { key: "after", value: "admin" }], "user:7");
    const calls = mockCore({
      ...quiet,
      audit_events: () => ({ events: [event(9)], next_before: null }),
      security_alerts: () => (callsOf(calls, "acknowledge_alert").length === 0
        ? { open: 2, alerts: [promoted, burst] }
        : { open: 1, alerts: [promoted] }),
      acknowledge_alert: () => undefined,
    });
    render(Audit, { me: auditor, onSignedOut: vi.fn() });
    const list = within(await screen.findByTestId("alerts"));
    expect(list.getAllByTestId("alert")).toHaveLength(2);
    expect(list.getByText(/this PC · .* · 20 within 10 minutes/)).toBeTruthy();
    expect(list.getByText(/user:7: agent → admin/)).toBeTruthy();

    await fireEvent.click(list.getByRole("button", { name: "Details of alert 30" }));
    expect(within(screen.getByTestId("audit-detail")).getByText("many_reveals")).toBeTruthy();

    await fireEvent.click(list.getByRole("button", { name: /Acknowledge alert 30/ }));
    expect((await screen.findByRole("status")).textContent).toContain("Acknowledged: many masked values revealed");
    expect(callsOf(calls, "acknowledge_alert")).toEqual([{ seq: 30 }]);
    expect(within(screen.getByTestId("alerts")).getAllByTestId("alert")).toHaveLength(1);
    expect(screen.queryByTestId("audit-detail")).toBeNull();
  });

  it("says how long events are kept, and lets an owner change it after a fresh code", async () => {
    const calls = mockCore({
      ...quiet,
      audit_retention: () => ({ days: 365, oldest_at: null, may_change: true }),
      audit_events: () => ({ events: [], next_before: null }),
      set_audit_retention: (a, n) => {
        if (n === 1) throw { code: "step_up_required", message: "confirm it is you" };
        return { days: (a.request as { days: number }).days, oldest_at: null, may_change: true };
      },
      step_up: () => undefined,
    });
    render(Audit, { me: meAs({ role: "owner", capabilities: ["audit.view", "retention.manage"], second_factor_methods: ["totp"] }), onSignedOut: vi.fn() });
    const retention = within(await screen.findByTestId("retention"));
    expect(retention.getByText("365 days")).toBeTruthy();
    await fireEvent.input(retention.getByLabelText(/Keep events for/), { target: { value: "730" } });
    await fireEvent.click(retention.getByRole("button", { name: "Save" }));
    await fireEvent.input(await screen.findByLabelText("Code"), { target: { value: "123456" } });
    await fireEvent.click(screen.getByRole("button", { name: "Confirm" }));
    expect((await screen.findByRole("status")).textContent).toContain("kept for 730 days");
    expect(callsOf(calls, "set_audit_retention")[1]).toEqual({ request: { days: 730 } });
    expect(within(screen.getByTestId("retention")).getByText("730 days")).toBeTruthy();
  });

  it("keeps the retention fixed for an auditor, saying when the oldest event is from", async () => {
    mockCore({ ...quiet, audit_events: () => ({ events: [], next_before: null }) });
    render(Audit, { me: auditor, onSignedOut: vi.fn() });
    const retention = await screen.findByTestId("retention");
    expect(retention.textContent).toContain(new Date(Date.UTC(2026, 0, 5)).toLocaleDateString());
    expect(within(retention).queryByRole("button", { name: "Save" })).toBeNull();
  });

  it("counts open alerts on the Audit trail tab, wherever the administrator is", async () => {
    mockCore({ security_alerts: () => ({ open: 3, alerts: [] }) });
    const children = createRawSnippet(() => ({ render: () => "<p>content</p>" }));
    render(Shell, { me: auditor, view: "inbox", onNavigate: vi.fn(), onLock: vi.fn(), onSignedOut: vi.fn(), children });
    expect((await screen.findByTestId("alert-count")).textContent).toBe("3");
    expect(screen.getByRole("button", { name: /Audit trail/ }).textContent).toContain("3");
  });

  it.each([
    ["an auditor", ["audit.view"], true],
    ["an agent", ["conversations.view"], false],
  ])("shows the Audit trail tab to %s: %s", (_, capabilities, shown) => {
    const children = createRawSnippet(() => ({ render: () => "<p>content</p>" }));
    render(Shell, { me: meAs({ capabilities }), view: "inbox", onNavigate: vi.fn(), onLock: vi.fn(), onSignedOut: vi.fn(), children });
    expect(screen.queryByRole("button", { name: "Audit trail" }) !== null).toBe(shown);
  });
});
