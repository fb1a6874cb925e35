import { afterEach, describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { clearMocks } from "@tauri-apps/api/mocks";
import Retention from "./Retention.svelte";
import { callsOf, meAs, mockCore } from "./fixtures";
import type { Retention as RetentionView, RetentionRun } from "./api";
import { expectAccessible } from "./a11y";

const owner = meAs({ role: "owner", capabilities: ["retention.manage"], second_factor_methods: ["totp"] });

afterEach(() => {
  clearMocks();
  vi.useRealTimers();
});

const none = { messages: 0, media: 0, deliveries: 0 };

function view(changes: Partial<RetentionView> = {}): RetentionView {
  return {
    message_days: 365,
    media_days: null,
    days_range: [1, 3650],
    holds: [
      { id: 4, scope: "contact", contact_id: 9, conversation_id: null, contact_name: "Ben Okafor", reason: "Case 2291: chargeback dispute",
        placed_by: "olga.owner", placed_at: Date.UTC(2026, 10, 2) },
    ],
    runs: [],
    due: { messages: 1200, media: 40, deliveries: 1100 },
    every_hours: 6,
    ...changes,
  };
}

function run(changes: Partial<RetentionRun>): RetentionRun {
  return { id: 1, trigger: "manual", state: "running", started_at: Date.UTC(2026, 11, 6), finished_at: null,
    due: { messages: 1200, media: 40, deliveries: 1100 }, done: none, percent: 0, ...changes };
}

describe("Retention", () => {
  it("shows the limits, what is past them, and the holds in force", async () => {
    mockCore({ retention: () => view() });
    render(Retention, { me: owner, onSignedOut: vi.fn() });
    expect(((await screen.findByLabelText(/Keep message content for/)) as HTMLInputElement).value).toBe("365");
    expect((screen.getByLabelText(/Keep photos and files for/) as HTMLInputElement).value).toBe("");
    expect(screen.getByTestId("retention-due").textContent).toContain("1,200 messages, 40 files, 1,100 raw WhatsApp deliveries");
    const hold = screen.getByTestId("legal-hold").textContent ?? "";
    for (const part of ["Ben Okafor", "all their conversations", "Case 2291", "olga.owner"]) expect(hold).toContain(part);
    await expectAccessible();
  });

  it("asks before shortening a limit, then saves with a fresh code", async () => {
    const calls = mockCore({
      retention: () => view(),
      set_retention: (a, n) => {
        if (n === 1) throw { code: "step_up_required", message: "confirm it is you" };
        const request = a.request as { message_days: number | null; media_days: number | null };
        return view(request);
      },
      step_up: () => undefined,
    });
    render(Retention, { me: owner, onSignedOut: vi.fn() });
    await fireEvent.input(await screen.findByLabelText(/Keep photos and files for/), { target: { value: "30" } });
    await fireEvent.click(screen.getByRole("button", { name: "Save limits" }));
    expect(callsOf(calls, "set_retention")).toHaveLength(0);
    expect(screen.getByRole("group", { name: "Confirm the shorter limits" }).textContent).toContain("cannot be brought back");
    await fireEvent.click(screen.getByRole("button", { name: "Shorten the limits" }));
    await fireEvent.input(await screen.findByLabelText("Code"), { target: { value: "123456" } });
    await fireEvent.click(screen.getByRole("button", { name: "Confirm" }));
    expect((await screen.findByRole("status")).textContent).toContain("Retention limits saved");
    expect(callsOf(calls, "set_retention")[1].request).toEqual({ message_days: 365, media_days: 30 });
  });

  it("saves a longer limit without asking, and an emptied box as no limit", async () => {
    const calls = mockCore({ retention: () => view(), set_retention: (a) => view(a.request as Partial<RetentionView>) });
    render(Retention, { me: owner, onSignedOut: vi.fn() });
    await fireEvent.input(await screen.findByLabelText(/Keep message content for/), { target: { value: "" } });
    await fireEvent.click(screen.getByRole("button", { name: "Save limits" }));
    await waitFor(() => expect(callsOf(calls, "set_retention")).toHaveLength(1));
    expect(callsOf(calls, "set_retention")[0].request).toEqual({ message_days: null, media_days: null });
  });

  it("starts a purge and follows its progress until it ends", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    let polls = 0;
    const steps = [
      run({ done: { messages: 500, media: 40, deliveries: 0 }, percent: 23 }),
      run({ state: "finished", done: { messages: 1200, media: 40, deliveries: 1100 }, percent: 100, finished_at: Date.UTC(2026, 11, 6, 0, 1) }),
    ];
    const calls = mockCore({
      retention: () => {
        if (callsOf(calls, "start_retention_purge").length === 0) return view();
        const step = steps[Math.min(polls++, steps.length - 1)];
        return view({ runs: [step], due: step.state === "running" ? null : none });
      },
      start_retention_purge: () => run({}),
    });
    render(Retention, { me: owner, onSignedOut: vi.fn() });
    await fireEvent.click(await screen.findByRole("button", { name: "Remove now" }));
    expect((await screen.findByTestId("retention-progress")).textContent).toContain("540 of 2,340 (23%)");
    await vi.advanceTimersByTimeAsync(1_100);
    await waitFor(() => expect(screen.queryByTestId("retention-progress")).toBeNull());
    expect(screen.getByTestId("retention-due").textContent).toContain("Nothing is past the limits");
    expect(screen.getByTestId("retention-run").textContent).toContain("1,200 messages, 40 files, 1,100 raw WhatsApp deliveries");
    const polled = callsOf(calls, "retention").length;
    await vi.advanceTimersByTimeAsync(3_000);
    expect(callsOf(calls, "retention")).toHaveLength(polled);
  });

  it("releases a hold only after saying what it lets go", async () => {
    const calls = mockCore({ retention: () => view(), release_legal_hold: () => view({ holds: [] }) });
    render(Retention, { me: owner, onSignedOut: vi.fn() });
    await fireEvent.click(await screen.findByRole("button", { name: "Release the hold on Ben Okafor" }));
    expect(callsOf(calls, "release_legal_hold")).toHaveLength(0);
    await fireEvent.click(screen.getByRole("button", { name: "Release the hold" }));
    expect((await screen.findByRole("status")).textContent).toContain("Hold on Ben Okafor released");
    expect(callsOf(calls, "release_legal_hold")[0]).toEqual({ id: 4 });
    expect(screen.getByTestId("no-holds")).toBeTruthy();
  });
});
