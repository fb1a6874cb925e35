import { afterEach, describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import { clearMocks } from "@tauri-apps/api/mocks";
import Roles from "./Roles.svelte";
import { callsOf, meAs, mockCore } from "./fixtures";
import type { RoleInfo, Roles as RolesData } from "./api";
import { expectAccessible } from "./a11y";

afterEach(() => clearMocks());

const catalog = [
  {
    label: "Conversations",
    permissions: [
      { name: "conversations.view", label: "View conversations and their messages", scoped: true },
      { name: "conversations.reply", label: "Reply to customers", scoped: true },
    ],
  },
  {
    label: "Administration",
    permissions: [
      { name: "users.view", label: "View users", scoped: false },
      { name: "roles.manage", label: "Create, change and delete custom roles", scoped: false },
    ],
  },
];

function role(changes: Partial<RoleInfo>): RoleInfo {
  return {
    slug: "agent",
    name: "Support agent",
    description: "Answers customers",
    builtin: true,
    editable: false,
    assignable: true,
    grants: [
      { permission: "conversations.view", scope: "team" },
      { permission: "conversations.reply", scope: "team" },
    ],
    all_labels: false,
    labels: [],
    users: 3,
    ...changes,
  };
}

const agent = role({});
const trainee = role({ slug: "trainee", name: "Trainee", builtin: false, editable: true, users: 2, grants: [] });
const vip = { id: 7, name: "VIP", colour: "purple", restricted: true, roles: [] };

const admin = meAs({
  role: "admin",
  capabilities: ["conversations.view", "conversations.reply", "roles.view", "roles.manage"],
  second_factor_methods: ["totp"],
});

function core(handlers: Parameters<typeof mockCore>[0] = {}, roles: RoleInfo[] = [agent, trainee]) {
  const data: RolesData = { catalog, roles };
  return mockCore({ roles: () => data, labels: () => [vip], ...handlers });
}

async function openRole(name: string) {
  const button = (await screen.findAllByTestId("role")).find((b) => b.textContent?.includes(name));
  if (!button) throw new Error(`no role ${name}`);
  await fireEvent.click(button);
  return screen.getByTestId("role-editor");
}

function permission(editor: HTMLElement, label: string): HTMLInputElement {
  return within(editor).getByRole("checkbox", { name: label }) as HTMLInputElement;
}

describe("Roles", () => {
  it("shows a built-in role read-only, and clones it into a custom role that saves what was ticked", async () => {
    const created = role({ slug: "counter-trainee", name: "Counter trainee", builtin: false, editable: true });
    const calls = core({
      roles: (_, n) => ({ catalog, roles: n === 1 ? [agent, trainee] : [agent, trainee, created] }),
      create_role: () => created,
    });
    render(Roles, { me: admin, onSignedOut: vi.fn() });
    let editor = await openRole("Support agent");
    await expectAccessible();
    expect(within(editor).getByText(/built-in template/)).toBeTruthy();
    expect(permission(editor, "Reply to customers").checked).toBe(true);
    expect(permission(editor, "Reply to customers").disabled).toBe(true);
    expect(within(editor).queryByRole("button", { name: "Save changes" })).toBeNull();

    await fireEvent.click(within(editor).getByRole("button", { name: "Clone" }));
    editor = screen.getByTestId("role-editor");
    const name = within(editor).getByRole("textbox", { name: "Name" }) as HTMLInputElement;
    expect(name.value).toBe("Support agent (copy)");
    await fireEvent.input(name, { target: { value: "Counter trainee" } });
    await fireEvent.click(permission(editor, "Reply to customers"));
    await fireEvent.change(within(editor).getByRole("combobox", { name: "View conversations and their messages: reaches" }), {
      target: { value: "own" },
    });
    await fireEvent.click(within(editor).getByRole("checkbox", { name: "VIP" }));
    await fireEvent.click(within(editor).getByRole("button", { name: "Create role" }));

    expect((await screen.findByRole("status")).textContent).toContain("from their next action");
    expect(callsOf(calls, "create_role")).toEqual([
      {
        request: {
          name: "Counter trainee",
          description: "Answers customers",
          grants: [{ permission: "conversations.view", scope: "own" }],
          labels: [7],
        },
      },
    ]);
    expect(screen.getAllByTestId("role").map((b) => b.textContent)).toContainEqual(expect.stringContaining("Counter trainee"));
  });

  it("does not let anyone tick a permission they do not hold", async () => {
    core();
    render(Roles, { me: admin, onSignedOut: vi.fn() });
    await screen.findAllByTestId("role");
    await fireEvent.click(screen.getByRole("button", { name: "New role" }));
    const editor = screen.getByTestId("role-editor");
    expect(permission(editor, "View users").disabled).toBe(true);
    expect(permission(editor, "Reply to customers").disabled).toBe(false);
  });

  it("asks for a fresh second factor before saving, then saves", async () => {
    const calls = core({
      update_role: (_, n) => {
        if (n === 1) throw { code: "step_up_required", message: "confirm it is you" };
        return trainee;
      },
      step_up: () => undefined,
    });
    render(Roles, { me: admin, onSignedOut: vi.fn() });
    const editor = await openRole("Trainee");
    await fireEvent.click(permission(editor, "Reply to customers"));
    await fireEvent.click(within(editor).getByRole("button", { name: "Save changes" }));
    await fireEvent.input(await screen.findByLabelText("Code"), { target: { value: "123456" } });
    await fireEvent.click(screen.getByRole("button", { name: "Confirm" }));
    await screen.findByRole("status");
    const saves = callsOf(calls, "update_role");
    expect(saves).toHaveLength(2);
    expect(saves[1]).toMatchObject({ slug: "trainee", request: { grants: [{ permission: "conversations.reply", scope: "team" }] } });
  });

  it("shows why the core refused a change", async () => {
    core({
      update_role: () => {
        throw { code: "forbidden", message: "you cannot grant “Export contacts”: you do not hold it" };
      },
    });
    render(Roles, { me: admin, onSignedOut: vi.fn() });
    const editor = await openRole("Trainee");
    await fireEvent.click(within(editor).getByRole("button", { name: "Save changes" }));
    expect((await screen.findByRole("alert")).textContent).toContain("you do not hold it");
  });

  it("moves a role's users to another role before deleting it", async () => {
    const calls = core({ delete_role: () => undefined });
    render(Roles, { me: admin, onSignedOut: vi.fn() });
    const editor = await openRole("Trainee");
    await fireEvent.click(within(editor).getByRole("button", { name: "Delete…" }));
    await fireEvent.click(within(editor).getByRole("button", { name: "Delete role" }));
    expect((await screen.findByRole("alert")).textContent).toContain("Choose the role its 2 users will have");
    expect(callsOf(calls, "delete_role")).toEqual([]);

    await fireEvent.change(within(editor).getByRole("combobox", { name: /Its 2 users will have this role instead/ }), {
      target: { value: "agent" },
    });
    await fireEvent.click(within(editor).getByRole("button", { name: "Delete role" }));
    await waitFor(() => expect(screen.getByRole("status").textContent).toContain("deleted"));
    expect(callsOf(calls, "delete_role")).toEqual([{ slug: "trainee", request: { reassign_to: "agent" } }]);
  });

  it("is read-only for someone who may only view roles", async () => {
    core();
    render(Roles, { me: meAs({ role: "auditor", capabilities: ["roles.view"] }), onSignedOut: vi.fn() });
    const editor = await openRole("Trainee");
    expect(permission(editor, "View users").disabled).toBe(true);
    expect(screen.queryByRole("button", { name: "New role" })).toBeNull();
    expect(within(editor).queryByRole("button")).toBeNull();
  });
});
