import { afterEach, describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import { clearMocks } from "@tauri-apps/api/mocks";
import Teams from "./Teams.svelte";
import { callsOf, meAs, mockCore } from "./fixtures";
import type { Team } from "./api";

afterEach(() => clearMocks());

const general: Team = { id: 1, name: "General", default: true, members: ["ana"] };
const admin = meAs({ role: "admin", capabilities: ["teams.manage", "users.view"] });
const users = ["ana", "bo", "cy"].map((username) => ({ username, role: "agent", disabled: username === "cy", teams: [] }));

function team(name: string): HTMLElement {
  const found = screen.getAllByTestId("team").find((t) => t.querySelector("h2")?.textContent === name);
  if (!found) throw new Error(`no team ${name}`);
  return found;
}

describe("Teams", () => {
  it("creates a store's team and puts people in and out of it", async () => {
    const leeds: Team = { id: 2, name: "Store 12, Leeds", default: false, members: [] };
    const calls = mockCore({
      teams: () => [general],
      users: () => users,
      create_team: () => leeds,
      add_team_member: () => ({ ...leeds, members: ["bo"] }),
      remove_team_member: () => leeds,
    });
    render(Teams, { me: admin, onSignedOut: vi.fn() });
    await screen.findAllByTestId("team");
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
});
