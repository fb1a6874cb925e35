import { afterEach, describe, expect, it, vi } from "vitest";
import { render, screen } from "@testing-library/svelte";
import { clearMocks } from "@tauri-apps/api/mocks";
import Admin from "./Admin.svelte";
import Shell from "./Shell.svelte";
import { sectionsFor } from "./admin";
import { meAs, mockCore } from "./fixtures";
import { createRawSnippet } from "svelte";
import { expectAccessible } from "./a11y";

afterEach(() => clearMocks());

const everything = ["users.view", "users.manage", "roles.view", "roles.manage", "teams.manage", "labels.manage", "templates.manage", "channel.manage", "security.manage"];

describe("Administration", () => {
  it.each([
    ["an owner", everything, ["People", "Roles", "Teams", "Labels", "Contact fields", "Templates", "WhatsApp", "Security", "Single sign-on"]],
    ["a store manager", ["users.view", "conversations.view"], ["People"]],
    ["an auditor", ["users.view", "roles.view", "audit.view"], ["People", "Roles"]],
    ["a marketer", ["labels.manage", "contacts.view"], ["Labels"]],
    ["an agent", ["conversations.view", "conversations.reply"], []],
  ])("offers %s only the sections they may open", (_, capabilities, sections) => {
    expect(sectionsFor(meAs({ capabilities })).map((s) => s.label)).toEqual(sections);
  });

  it.each([
    ["an agent", ["conversations.view"], false],
    ["a marketer", ["labels.manage"], true],
  ])("shows the Admin tab to %s: %s", (_, capabilities, shown) => {
    const children = createRawSnippet(() => ({ render: () => "<p>content</p>" }));
    render(Shell, { me: meAs({ capabilities }), view: "inbox", onNavigate: vi.fn(), onLock: vi.fn(), onSignedOut: vi.fn(), children });
    expect(screen.queryByRole("button", { name: "Admin" }) !== null).toBe(shown);
    expect(screen.getByTestId("signed-in-as").textContent).toBe("anna · Support agent");
  });

  it("opens the first section it offers", async () => {
    mockCore({ labels: () => [] });
    render(Admin, { me: meAs({ capabilities: ["labels.manage"] }), onSignedOut: vi.fn() });
    expect(await screen.findByText(/No labels yet/)).toBeTruthy();
    await expectAccessible();
    expect(screen.getByRole("button", { name: "Labels" }).getAttribute("aria-current")).toBe("page");
  });
});
