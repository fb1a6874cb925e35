import { afterEach, describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { clearMocks } from "@tauri-apps/api/mocks";
import AccessReviews from "./AccessReviews.svelte";
import MyReviews from "./MyReviews.svelte";
import { callsOf, meAs, mockCore } from "./fixtures";
import type { AccessReview, ReviewItem } from "./api";
import { expectAccessible } from "./a11y";

afterEach(() => clearMocks());

const admin = meAs({ username: "dora.admin", role: "admin", capabilities: ["access_reviews.manage", "users.view"] });
const mia = meAs({ username: "mia.manager", role: "manager", capabilities: ["conversations.view"] });

function review(changes: Partial<AccessReview> = {}): AccessReview {
  return {
    id: 1, name: "2026 Q4", started_by: "dora.admin", started_at: Date.UTC(2026, 11, 1), due_at: Date.UTC(2026, 11, 15),
    overdue: false, closed_at: null, default_reviewer: "olga.owner", items: 40, decided: 12, confirmed: 10, revoked: 2,
    flagged_unused: 7, reviewers: [{ reviewer: "mia.manager", items: 28, decided: 12 }, { reviewer: "olga.owner", items: 12, decided: 0 }],
    ...changes,
  };
}

function item(id: number, user: string, kind: ReviewItem["kind"], label: string, changes: Partial<ReviewItem> = {}): ReviewItem {
  return { id, review_id: 1, review_name: "2026 Q4", due_at: Date.UTC(2026, 11, 15), overdue: false, user, kind, label, unused: null,
    last_used_at: null, decision: null, note: null, outcome: null, ...changes };
}

describe("AccessReviews", () => {
  it("starts a review with the chosen reviewer and shows each reviewer's progress", async () => {
    const calls = mockCore({
      access_reviews: () => ({ reviews: [review()] }),
      users: () => [{ username: "dora.admin", role: "admin", disabled: false, teams: [] }, { username: "olga.owner", role: "owner", disabled: false, teams: [] }],
      start_access_review: () => review({ id: 2, name: "2027 Q1", decided: 0, confirmed: 0, revoked: 0 }),
    });
    render(AccessReviews, { me: admin, onSignedOut: vi.fn() });
    const progress = await screen.findAllByTestId("reviewer-progress");
    expect(progress.map((p) => p.textContent)).toEqual(["mia.manager12 of 28", "olga.owner0 of 12"]);
    await expectAccessible();
    await fireEvent.input(screen.getByLabelText("Name"), { target: { value: "2027 Q1" } });
    await fireEvent.change(screen.getByLabelText(/Reviewer for everyone else/), { target: { value: "olga.owner" } });
    await fireEvent.click(screen.getByRole("button", { name: "Start the review" }));
    expect((await screen.findByRole("status")).textContent).toContain("Review started");
    expect(callsOf(calls, "start_access_review")).toEqual([{ request: { name: "2027 Q1", reviewer: "olga.owner", due_days: 14 } }]);
    expect(screen.getAllByTestId("access-review")).toHaveLength(2);
  });

  it("closes a review only after saying what closing means, and saves its report", async () => {
    const calls = mockCore({
      access_reviews: () => ({ reviews: [review({ overdue: true })] }),
      users: () => [],
      close_access_review: () => review({ closed_at: Date.UTC(2026, 11, 20) }),
      export_access_review: () => ({ file: "/home/dora/Downloads/countersign-access-review-1-9.csv", rows: 40 }),
    });
    render(AccessReviews, { me: admin, onSignedOut: vi.fn() });
    expect((await screen.findByTestId("access-review")).textContent).toContain("overdue");
    await fireEvent.click(screen.getByRole("button", { name: "Close…" }));
    expect(callsOf(calls, "close_access_review")).toHaveLength(0);
    await fireEvent.click(screen.getByRole("button", { name: "Close the review" }));
    await waitFor(() => expect(screen.getByTestId("access-review").textContent).toContain("closed"));
    await fireEvent.click(screen.getByRole("button", { name: "Save the report (CSV)" }));
    expect((await screen.findByRole("status")).textContent).toContain("countersign-access-review-1-9.csv (40 rows)");
  });
});

describe("MyReviews", () => {
  const items = [
    item(1, "ava.agent", "role", "Support agent"),
    item(2, "ava.agent", "permission", "Reply to customers (team)", { unused: false, last_used_at: Date.UTC(2026, 11, 2) }),
    item(3, "zed.agent", "team", "Store A"),
    item(4, "zed.agent", "permission", "Reply to customers (team)", { unused: true }),
  ];

  it("lists each person's access with what the trail says of its use", async () => {
    mockCore({ my_access_reviews: () => ({ pending: 4, overdue: false, items }) });
    render(MyReviews, { me: mia, onSignedOut: vi.fn() });
    const people = await screen.findAllByTestId("review-person");
    expect(people.map((p) => p.querySelector("h2")?.textContent)).toEqual(["ava.agent", "zed.agent"]);
    expect(screen.getAllByTestId("unused").map((u) => u.textContent)).toEqual(["not used in the last 90 days"]);
    await expectAccessible();
  });

  it("keeps with one click and revokes after saying what it does, with why", async () => {
    const calls = mockCore({
      my_access_reviews: () => ({ pending: 4, overdue: false, items }),
      decide_access_review: (a) => {
        const id = a.id as number;
        const request = a.request as { decision: string; note: string | null };
        const revoked = request.decision === "revoke";
        return { ...items.find((i) => i.id === id)!, decision: revoked ? "revoked" : "confirmed", note: request.note,
          outcome: revoked ? "removed_from_team" : null };
      },
    });
    render(MyReviews, { me: mia, onSignedOut: vi.fn() });
    await fireEvent.click(await screen.findByRole("button", { name: "Keep Support agent for ava.agent" }));
    await waitFor(() => expect(callsOf(calls, "decide_access_review")).toHaveLength(1));
    await fireEvent.click(screen.getByRole("button", { name: "Revoke Store A of zed.agent…" }));
    expect(screen.getByRole("form", { name: "Revoke Store A of zed.agent" }).textContent).toContain("takes them out of the team now");
    await fireEvent.input(screen.getByLabelText("Why"), { target: { value: "left in August" } });
    await fireEvent.click(screen.getByRole("button", { name: "Revoke" }));
    await waitFor(() => expect(screen.getAllByTestId("decided").map((d) => d.textContent)).toEqual(["Kept", "Revoked · removed from the team"]));
    expect(callsOf(calls, "decide_access_review")).toEqual([
      { id: 1, request: { decision: "confirm", note: null } },
      { id: 3, request: { decision: "revoke", note: "left in August" } },
    ]);
  });
});
