import { afterEach, describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import { clearMocks } from "@tauri-apps/api/mocks";
import Teams from "./Teams.svelte";
import { callsOf, meAs, mockCore } from "./fixtures";
import type { Team } from "./api";
import { expectAccessible } from "./a11y";

afterEach(() => clearMocks());

const general: Team = { id: 1, name: "General", default: true, members: ["ana"], hours: null };
const admin = meAs({ role: "admin", capabilities: ["teams.manage", "users.view"] });
const users = ["ana", "bo", "cy"].map((username) => ({ username, role: "agent", disabled: username === "cy", teams: [] }));

function team(name: string): HTMLElement {
  const found = screen.getAllByTestId("team").find((t) => t.querySelector("h2")?.textContent === name);
  if (!found) throw new Error(`no team ${name}`);
  return found;
}

describe("Teams", () => {
  it("creates a store's team and puts people in and out of it", async () => {
    const leeds: Team = { id: 2, name: "Store 12, Leeds", default: false, members: [], hours: null };
    const calls = mockCore({
      teams: () => [general],
      users: () => users,
      create_team: () => leeds,
      add_team_member: () => ({ ...leeds, members: ["bo"] }),
      remove_team_member: () => leeds,
    });
    render(Teams, { me: admin, onSignedOut: vi.fn() });
    await screen.findAllByTestId("team");
    await expectAccessible();
    expect(within(team("General")).queryByRole("button", { name: "Delete…" })).toBeNull();

    await fireEvent.input(screen.getByRole("textbox", { name: "Team name" }), { target: { value: "Store 12, Leeds" } });
    await fireEvent.click(screen.getByRole("button", { name: "Create team" }));
    await waitFor(() => expect(team("Store 12, Leeds").textContent).toContain("Nobody yet"));

    const add = within(team("Store 12, Leeds")).getByRole("combobox", { name: "Add someone to Store 12, Leeds" });
    // Disabled accounts are not offered.
    expect(within(add).queryByRole("option", { name: "cy" })).toBeNull();
    await fireEvent.change(add, { target: { value: "bo" } });
    await fireEvent.click(within(team("Store 12, Leeds")).getByRole("button", { name: "Add" }));
    await waitFor(() => expect(within(team("Store 12, Leeds")).getAllByTestId("member").length).toBe(1));
    expect((await screen.findByRole("status")).textContent).toBe("bo joined Store 12, Leeds.");

    await fireEvent.click(screen.getByRole("button", { name: "Remove bo from Store 12, Leeds" }));
    await waitFor(() => expect(within(team("Store 12, Leeds")).queryAllByTestId("member").length).toBe(0));
    expect(callsOf(calls, "create_team")).toEqual([{ request: { name: "Store 12, Leeds" } }]);
    expect(callsOf(calls, "add_team_member")).toEqual([{ id: 2, request: { username: "bo" } }]);
    expect(callsOf(calls, "remove_team_member")).toEqual([{ id: 2, username: "bo" }]);
  });

  it("explains why a team that still holds conversations is kept", async () => {
    const store = { id: 3, name: "Store 3", default: false, members: [] };
    mockCore({
      teams: () => [general, store],
      users: () => users,
      delete_team: () => {
        throw { code: "conflict", message: "the team still holds 4 conversation(s) or contact(s): transfer them first" };
      },
    });
    render(Teams, { me: admin, onSignedOut: vi.fn() });
    await screen.findAllByTestId("team");
    await fireEvent.click(within(team("Store 3")).getByRole("button", { name: "Delete…" }));
    await fireEvent.click(screen.getByRole("button", { name: "Delete Store 3" }));
    expect((await screen.findByRole("alert")).textContent).toContain("transfer them first");
    expect(team("Store 3")).toBeTruthy();
  });

  it("sets a store's business hours, keeps a refused form open, and shows whether it is open", async () => {
    const leeds: Team = { id: 2, name: "Leeds", default: false, members: [], hours: null };
    let tries = 0;
    const calls = mockCore({
      teams: () => [general, leeds],
      users: () => users,
      set_team_hours: () => {
        tries += 1;
        if (tries === 1) throw { code: "invalid", message: "\"London\" is not a time zone; use its name in the time zone database, such as Europe/London" };
        return { ...leeds, hours: { zone: "Europe/London", open: [{ day: "mon", opens: "09:00", closes: "17:30" }], open_now: false } };
      },
    });
    render(Teams, { me: admin, onSignedOut: vi.fn() });
    await screen.findAllByTestId("team");
    const store = within(team("Leeds"));
    expect(store.getByTestId("team-hours").textContent).toContain("No business hours: routing counts it as always open.");
    await fireEvent.click(store.getByRole("button", { name: "Business hours…" }));
    const form = within(store.getByTestId("hours-form"));
    // Monday to Friday, nine to half past five, is offered to start from.
    expect(form.getAllByRole("listitem").length).toBe(5);
    // Keep Monday only.
    for (let n = 0; n < 4; n++) await fireEvent.click(form.getAllByRole("button", { name: /^Remove/ })[1]);
    expect(form.getAllByRole("listitem").length).toBe(1);
    await fireEvent.input(form.getByLabelText("Time zone"), { target: { value: "London" } });
    await fireEvent.click(form.getByRole("button", { name: "Save hours" }));
    expect((await screen.findByRole("alert")).textContent).toContain("Europe/London");
    expect(store.getByTestId("hours-form")).toBeTruthy();
    await fireEvent.input(form.getByLabelText("Time zone"), { target: { value: "Europe/London" } });
    await fireEvent.click(form.getByRole("button", { name: "Save hours" }));
    await waitFor(() => expect(store.queryByTestId("hours-form")).toBeNull());
    expect(store.getByTestId("open-now").textContent).toBe("Closed now");
    expect(store.getByTestId("team-hours").textContent).toContain("Mon 09:00–17:30 (Europe/London)");
    expect(callsOf(calls, "set_team_hours")[1]).toEqual({
      id: 2,
      request: { hours: { zone: "Europe/London", open: [{ day: "mon", opens: "09:00", closes: "17:30" }] } },
    });
  });
});
