import { afterEach, describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, within } from "@testing-library/svelte";
import { clearMocks } from "@tauri-apps/api/mocks";
import Approvals from "./Approvals.svelte";
import type { Escalation } from "./api";
import { callsOf, meAs, mockCore } from "./fixtures";
import { expectAccessible } from "./a11y";

afterEach(() => clearMocks());

const manager = meAs({ username: "mo", role: "manager", capabilities: ["escalations.request", "escalations.approve"] });
const agent = meAs({ capabilities: ["escalations.request"] });

function request(changes: Partial<Escalation> = {}): Escalation {
  return {
    id: 4,
    conversation_id: 7,
    customer_name: "Sheena Nelson",
    team: "Store A",
    requested_by: "anna",
    reason: "she disputes the charge on **** **** **** 1111",
    reveal: ["financial"],
    transfer_to: null,
    status: "pending",
    created_at: Date.now(),
    decided_by: null,
    note: null,
    decided_at: null,
    reveal_until: null,
    ...changes,
  };
}

describe("Approvals", () => {
  it("lists what waits for a manager and approves it", async () => {
    const calls = mockCore({
      escalations: (_, n) => ({ mine: [], to_decide: n === 1 ? [request()] : [] }),
      decide_escalation: () => request({ status: "approved" }),
    });
    render(Approvals, { me: manager, onSignedOut: vi.fn() });
    const item = within(await screen.findByTestId("request"));
    await expectAccessible();
    expect(screen.getByTestId("queue-count").textContent).toBe("1");
    expect(item.getByText(/Reveal financial data/)).toBeTruthy();
    expect(item.getByText("she disputes the charge on **** **** **** 1111")).toBeTruthy();
    await fireEvent.click(item.getByRole("button", { name: "Approve" }));
    expect(await screen.findByText(/Nothing waits for you/)).toBeTruthy();
    expect(callsOf(calls, "decide_escalation")).toEqual([{ id: 4, answer: { approve: true, note: null } }]);
  });

  it("says that approving a move makes it", async () => {
    mockCore({
      escalations: () => ({ mine: [], to_decide: [request({ reveal: [], transfer_to: "Store B" })] }),
    });
    render(Approvals, { me: manager, onSignedOut: vi.fn() });
    const item = within(await screen.findByTestId("request"));
    expect(item.getByText(/Move to Store B/)).toBeTruthy();
    expect(item.getByText(/Approving moves the conversation to Store B now/)).toBeTruthy();
  });

  it("refuses only with a note, and shows the core's reason when it will not take the answer", async () => {
    const calls = mockCore({
      escalations: () => ({ mine: [], to_decide: [request()] }),
      decide_escalation: () => {
        throw { code: "forbidden", message: "this asks to reveal data your own role may not reveal" };
      },
    });
    render(Approvals, { me: manager, onSignedOut: vi.fn() });
    const item = within(await screen.findByTestId("request"));
    const refuse = item.getByRole("button", { name: "Refuse" }) as HTMLButtonElement;
    expect(refuse.disabled).toBe(true);
    await fireEvent.input(item.getByLabelText("Note for anna"), { target: { value: "ask her to read the digits" } });
    await fireEvent.click(refuse);
    expect((await item.findByRole("alert")).textContent).toContain("your own role may not reveal");
    expect(callsOf(calls, "decide_escalation")).toEqual([
      { id: 4, answer: { approve: false, note: "ask her to read the digits" } },
    ]);
  });

  it("shows an agent their requests and the answers, without a queue", async () => {
    mockCore({
      escalations: () => ({
        mine: [
          request({ status: "rejected", decided_by: "mo", note: "ask her to read the digits" }),
          request({ id: 5, status: "approved", decided_by: "mo", reveal_until: Date.now() + 60_000 }),
        ],
        to_decide: [],
      }),
    });
    render(Approvals, { me: agent, onSignedOut: vi.fn() });
    const rows = await screen.findAllByTestId("my-request");
    expect(rows.map((r) => r.textContent)).toEqual([
      expect.stringContaining("Refused by moask her to read the digits"),
      expect.stringContaining("Approved by mo, until"),
    ]);
    expect(screen.queryByText(/Waiting for your answer/)).toBeNull();
  });
});
