import { afterEach, describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { clearMocks } from "@tauri-apps/api/mocks";
import SsoSettings from "./SsoSettings.svelte";
import { callsOf, meAs, mockCore } from "./fixtures";
import { expectAccessible } from "./a11y";

const owner = meAs({ role: "owner", capabilities: ["security.manage", "roles.view"], second_factor_methods: ["totp"] });

afterEach(() => clearMocks());

const saved = {
  mode: "sso_and_passwords",
  label: "Contoso ID",
  issuer: "https://login.contoso.example/v2.0",
  client_id: "countersign-desktop",
  client_secret_set: true,
  scopes: ["profile", "groups"],
  username_claim: "preferred_username",
  groups_claim: "groups",
  provision: true,
  break_glass: "olga.owner",
  mappings: [
    { group: "cs-agents", role: "agent", team: null, team_name: null },
    { group: "cs-managers", role: "manager", team: null, team_name: null },
  ],
};

function core(extra: Parameters<typeof mockCore>[0] = {}) {
  return mockCore({
    sso_settings: () => structuredClone(saved),
    roles: () => ({ catalog: [], roles: [{ slug: "manager", name: "Store manager" }, { slug: "agent", name: "Support agent" }] }),
    teams: () => [{ id: 2, name: "York", default: false, members: null, hours: null }],
    set_sso_settings: (a) => ({ ...saved, ...(a.request as object), client_secret_set: true }),
    ...extra,
  });
}

describe("SsoSettings", () => {
  it("shows the provider without its secret, only that one is stored", async () => {
    core();
    render(SsoSettings, { me: owner, onSignedOut: vi.fn() });
    const secret = (await screen.findByLabelText("Client secret")) as HTMLInputElement;
    expect(secret.value).toBe("");
    expect(secret.placeholder).toContain("stored");
    expect((screen.getByLabelText(/Issuer URL/) as HTMLInputElement).value).toBe(saved.issuer);
    expect(screen.getAllByTestId("sso-mapping")).toHaveLength(2);
    await expectAccessible();
  });

  it("saves the mappings in the order shown, the strongest moved first, and keeps the secret unless typed", async () => {
    const calls = core();
    render(SsoSettings, { me: owner, onSignedOut: vi.fn() });
    await fireEvent.click(await screen.findByRole("button", { name: "Move group 2 up" }));
    await fireEvent.click(screen.getByRole("button", { name: "Add a group" }));
    await fireEvent.input(screen.getByLabelText("Group 3"), { target: { value: "store-york" } });
    await fireEvent.change(screen.getByLabelText("Team for group 3"), { target: { value: "2" } });
    await fireEvent.click(screen.getByLabelText(/Identity provider only/));
    await fireEvent.click(screen.getByRole("button", { name: "Save single sign-on" }));
    await waitFor(() => expect(callsOf(calls, "set_sso_settings")).toHaveLength(1));
    const request = callsOf(calls, "set_sso_settings")[0].request as Record<string, unknown>;
    expect(request.mode).toBe("sso_only");
    expect(request.client_secret).toBeNull();
    expect(request.clear_client_secret).toBe(false);
    expect(request.mappings).toEqual([
      { group: "cs-managers", role: "manager", team: null },
      { group: "cs-agents", role: "agent", team: null },
      { group: "store-york", role: null, team: 2 },
    ]);
    expect(await screen.findByText("Single sign-on settings saved.")).toBeTruthy();
  });

  it("sends a typed secret once and clears the field", async () => {
    const calls = core();
    render(SsoSettings, { me: owner, onSignedOut: vi.fn() });
    await fireEvent.input(await screen.findByLabelText("Client secret"), { target: { value: "n3w-secret" } });
    await fireEvent.click(screen.getByRole("button", { name: "Save single sign-on" }));
    await waitFor(() => expect(callsOf(calls, "set_sso_settings")).toHaveLength(1));
    expect((callsOf(calls, "set_sso_settings")[0].request as Record<string, unknown>).client_secret).toBe("n3w-secret");
    await waitFor(() => expect((screen.getByLabelText("Client secret") as HTMLInputElement).value).toBe(""));
  });

  it("shows the core's refusal", async () => {
    core({
      set_sso_settings: () => {
        throw { code: "invalid", message: "with passwords off, name a break-glass owner who keeps a password" };
      },
    });
    render(SsoSettings, { me: owner, onSignedOut: vi.fn() });
    await fireEvent.click(await screen.findByRole("button", { name: "Save single sign-on" }));
    expect((await screen.findByRole("alert")).textContent).toContain("break-glass owner");
  });

  it("shows single sign-on set by IT's policy as locked, with nothing to save", async () => {
    core({ sso_settings: () => ({ ...structuredClone(saved), locked_by_policy: true }) });
    render(SsoSettings, { me: owner, onSignedOut: vi.fn() });
    expect((await screen.findByTestId("sso-pinned")).textContent).toContain("only IT can change it");
    expect(screen.getByLabelText(/Issuer URL/).matches(":disabled")).toBe(true);
    expect(screen.queryByRole("button", { name: "Save single sign-on" })).toBeNull();
    await expectAccessible();
  });
});
