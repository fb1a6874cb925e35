import { afterEach, describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import { clearMocks } from "@tauri-apps/api/mocks";
import People from "./People.svelte";
import { callsOf, meAs, mockCore } from "./fixtures";
import type { UserInfo } from "./api";
import { expectAccessible } from "./a11y";

afterEach(() => clearMocks());

const store1 = { id: 2, name: "Store 1" };
const roles = [
  { slug: "admin", name: "Administrator", assignable: true },
  { slug: "agent", name: "Support agent", assignable: true },
  { slug: "owner", name: "Owner", assignable: false },
].map((r) => ({ ...r, description: "", builtin: true, editable: false, grants: [], all_labels: false, labels: [], users: 1 }));
const people: UserInfo[] = [
  { username: "ana", role: "admin", disabled: false, teams: [{ id: 1, name: "General" }] },
  { username: "bo", role: "agent", disabled: false, teams: [store1] },
  { username: "olu", role: "owner", disabled: false, teams: [] },
];
const admin = meAs({
  username: "ana",
  role: "admin",
  capabilities: ["users.view", "users.manage", "roles.view"],
  second_factor_methods: ["totp"],
});

function core(handlers: Parameters<typeof mockCore>[0] = {}) {
  return mockCore({
    users: () => people,
    teams: () => [{ id: 1, name: "General", default: true, members: ["ana"] }, { ...store1, default: false, members: ["bo"] }],
    roles: () => ({ catalog: [], roles }),
    ...handlers,
  });
}

function row(username: string): HTMLElement {
  const found = screen.getAllByTestId("user").find((r) => r.textContent?.startsWith(username));
  if (!found) throw new Error(`no row for ${username}`);
  return found;
}

describe("People", () => {
  it("gives someone another role and says when it applies", async () => {
    const calls = core({ set_user_role: () => ({ ...people[1], role: "admin" }) });
    render(People, { me: admin, onSignedOut: vi.fn() });
    await screen.findAllByTestId("user");
    await expectAccessible();
    const select = within(row("bo")).getByRole("combobox", { name: "Role of bo" }) as HTMLSelectElement;
    expect(select.value).toBe("agent");
    // The owners' role is not theirs to give.
    expect((within(select).getByRole("option", { name: "Owner" }) as HTMLOptionElement).disabled).toBe(true);
    await fireEvent.change(select, { target: { value: "admin" } });
    expect((await screen.findByRole("status")).textContent).toBe(
      "bo is now Administrator. It applies from their next action.",
    );
    expect(callsOf(calls, "set_user_role")).toEqual([{ username: "bo", request: { role: "admin" } }]);
  });

  it("disables someone only after saying what it does", async () => {
    const calls = core({ set_user_disabled: () => ({ ...people[1], disabled: true }) });
    render(People, { me: admin, onSignedOut: vi.fn() });
    await screen.findAllByTestId("user");
    expect(within(row("ana")).queryByRole("button")).toBeNull();
    await fireEvent.click(within(row("bo")).getByRole("button", { name: "Disable…" }));
    expect(screen.getByRole("group", { name: "Disable bo" }).textContent).toContain("signed out everywhere");
    expect(callsOf(calls, "set_user_disabled")).toEqual([]);
    await fireEvent.click(screen.getByRole("button", { name: "Disable bo" }));
    await waitFor(() => expect(row("bo").textContent).toContain("Disabled"));
    expect(within(row("bo")).getByRole("button", { name: "Enable" })).toBeTruthy();
    expect(callsOf(calls, "set_user_disabled")).toEqual([{ username: "bo", request: { disabled: true } }]);
  });

  it("adds someone with a role and teams", async () => {
    const calls = core({ create_user: () => people[1] });
    render(People, { me: admin, onSignedOut: vi.fn() });
    await fireEvent.click(await screen.findByRole("button", { name: "Add someone" }));
    const form = screen.getByTestId("add-user");
    expect((within(form).getByRole("combobox", { name: "Role" }) as HTMLSelectElement).value).toBe("agent");
    expect(within(form).queryByRole("option", { name: "Owner" })).toBeNull();
    await fireEvent.input(within(form).getByRole("textbox", { name: "User name" }), { target: { value: " cy " } });
    await fireEvent.input(within(form).getByLabelText(/Temporary password/), { target: { value: "a long temporary pass" } });
    await fireEvent.click(within(form).getByRole("checkbox", { name: "Store 1" }));
    await fireEvent.click(within(form).getByRole("button", { name: "Add" }));
    expect((await screen.findByRole("status")).textContent).toContain("cy added");
    expect(callsOf(calls, "create_user")).toEqual([
      { request: { username: "cy", password: "a long temporary pass", role: "agent", teams: [2] } },
    ]);
  });

  it("shows a store manager who is in which team, and nothing to change", async () => {
    core({ roles: () => {
      throw new Error("a manager may not list roles");
    } });
    render(People, { me: meAs({ role: "manager", capabilities: ["users.view"] }), onSignedOut: vi.fn() });
    await screen.findAllByTestId("user");
    expect(row("bo").textContent).toContain("Store 1");
    expect(screen.queryByRole("combobox")).toBeNull();
    expect(screen.queryByRole("button")).toBeNull();
  });

  it("resets someone's password to a temporary one, given in person", async () => {
    const calls = core({ reset_password: () => undefined });
    render(People, { me: admin, onSignedOut: vi.fn() });
    await fireEvent.click(within(await waitFor(() => row("bo"))).getByRole("button", { name: "Reset password…" }));
    const form = screen.getByTestId("reset-password");
    const reset = within(form).getByRole("button", { name: "Reset password" }) as HTMLButtonElement;
    expect(reset.disabled).toBe(true);
    await fireEvent.input(within(form).getByLabelText("Temporary password for bo"), { target: { value: "counter-till-7731" } });
    await fireEvent.click(reset);
    expect((await screen.findByRole("status")).textContent).toContain("choose their own at the next sign-in");
    expect(callsOf(calls, "reset_password")).toEqual([{ username: "bo", request: { new_password: "counter-till-7731" } }]);
    expect(screen.queryByTestId("reset-password")).toBeNull();
  });

  it.each([
    [true, "bo may try to sign in again."],
    [false, "bo was not locked out."],
  ])("unlocks sign-in after failed attempts (locked: %s)", async (locked, notice) => {
    const calls = core({ unlock_user: () => locked });
    render(People, { me: admin, onSignedOut: vi.fn() });
    await fireEvent.click(within(await waitFor(() => row("bo"))).getByRole("button", { name: "Unlock sign-in" }));
    expect((await screen.findByRole("status")).textContent).toContain(notice);
    expect(callsOf(calls, "unlock_user")).toEqual([{ username: "bo" }]);
    expect(within(row("ana")).queryByRole("button", { name: "Unlock sign-in" })).toBeNull();
  });

  it("offboards someone in one step, handing their work to a colleague, and shows the report", async () => {
    const calls = core({
      offboard_user: () => ({
        username: "bo",
        sessions_ended: 2,
        keys_removed: 1,
        authenticator_removed: true,
        teams_left: [store1],
        conversations_reassigned: 4,
        conversations_to_queue: 1,
        contacts_reassigned: 3,
        reassigned_to: "olu",
        report_days: 90,
        high_risk: [
          { seq: 41, at: Date.UTC(2026, 11, 1), actor: "bo", actor_id: "user:2", action: "data.reveal", summary: "Masked data revealed",
            target: "message:9", outcome: "success", risk: "high", origin: null, device: null, detail: [] },
        ],
      }),
    });
    render(People, { me: admin, onSignedOut: vi.fn() });
    await screen.findAllByTestId("user");
    await fireEvent.click(within(row("bo")).getByRole("button", { name: "Offboard…" }));
    const form = screen.getByRole("form", { name: "Offboard bo" });
    expect(form.textContent).toContain("high-risk actions of the last 90 days");
    expect(callsOf(calls, "offboard_user")).toEqual([]);
    await fireEvent.change(within(form).getByLabelText(/Hand their work to/), { target: { value: "olu" } });
    await expectAccessible();
    await fireEvent.click(within(form).getByRole("button", { name: "Offboard bo" }));
    const report = await screen.findByTestId("offboard-report");
    const said = report.textContent?.replace(/\s+/g, " ");
    expect(said).toContain("2 sessions ended");
    expect(said).toContain("4 open conversations and 3 contacts handed to olu (1 to a team's queue");
    expect(screen.getAllByTestId("offboard-event")[0].textContent).toContain("Masked data revealed");
    expect(callsOf(calls, "offboard_user")).toEqual([{ username: "bo", request: { reassign_to: "olu" } }]);
  });
});
