import { afterEach, describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import { clearMocks } from "@tauri-apps/api/mocks";
import SecuritySettings from "./SecuritySettings.svelte";
import { callsOf, meAs, mockCore } from "./fixtures";
import { expectAccessible } from "./a11y";

const admin = meAs({ role: "admin", capabilities: ["security.manage"], second_factor_methods: ["totp"] });

afterEach(() => clearMocks());

const settings = {
  password_min_length: 12,
  lockout_max_failures: 5,
  second_factor_roles: ["admin"],
  session_idle_minutes: 15,
  session_absolute_hours: 12,
  lock_after_seconds: 300,
  step_up_minutes: 5,
  masking_region: null,
  masking_identity_numbers: ["us_ssn", "hk_hkid"],
  reveal_approval_minutes: 15,
  content_protection: true,
};
const note = "On a desktop without a server, this is checked against the PC's own addresses";

function core(handlers: Parameters<typeof mockCore>[0]) {
  return mockCore({
    security_settings: () => settings,
    allowlist: () => ({ entries: [], desktop_note: note }),
    ...handlers,
  });
}

describe("SecuritySettings", () => {
  it("shows the settings and says the desktop check is weaker", async () => {
    core({});
    render(SecuritySettings, { me: admin, onSignedOut: vi.fn() });
    expect(((await screen.findByLabelText(/Shortest password/)) as HTMLInputElement).value).toBe("12");
    await expectAccessible();
    expect(screen.getByText(note)).toBeTruthy();
    expect((screen.getByRole("checkbox", { name: "admin" }) as HTMLInputElement).checked).toBe(true);
    expect((screen.getByRole("checkbox", { name: "agent" }) as HTMLInputElement).checked).toBe(false);
    expect((screen.getByRole("checkbox", { name: /Keep this app out of screenshots/ }) as HTMLInputElement).checked).toBe(true);
  });

  it("asks for a fresh code when the core wants one, then saves", async () => {
    const calls = core({
      set_security_settings: (_, n) => {
        if (n === 1) throw { code: "step_up_required", message: "confirm it is you" };
      },
      step_up: () => undefined,
    });
    render(SecuritySettings, { me: admin, onSignedOut: vi.fn() });
    await fireEvent.input(await screen.findByLabelText(/Shortest password/), { target: { value: "16" } });
    await fireEvent.click(screen.getByRole("checkbox", { name: "agent" }));
    await fireEvent.click(screen.getByRole("checkbox", { name: /Keep this app out of screenshots/ }));
    await fireEvent.click(screen.getByRole("button", { name: "Save settings" }));
    await fireEvent.input(await screen.findByLabelText("Code"), { target: { value: "123456" } });
    await fireEvent.click(screen.getByRole("button", { name: "Confirm" }));
    expect((await screen.findByRole("status")).textContent).toContain("saved");
    const saves = calls.filter(([c]) => c === "set_security_settings");
    expect(saves).toHaveLength(2);
    expect(saves[1][1].settings).toMatchObject({
      password_min_length: 16,
      second_factor_roles: ["admin", "agent"],
      content_protection: false,
    });
    expect(calls.find(([c]) => c === "step_up")?.[1]).toEqual({ code: "123456" });
  });

  it("chooses the identity numbers masked and the country of local phone numbers", async () => {
    const calls = core({ set_security_settings: () => undefined });
    render(SecuritySettings, { me: admin, onSignedOut: vi.fn() });
    const hkid = (await screen.findByRole("checkbox", { name: "Hong Kong identity card" })) as HTMLInputElement;
    expect(hkid.checked).toBe(true);
    await fireEvent.click(hkid);
    await fireEvent.click(screen.getByRole("checkbox", { name: "UK National Insurance number" }));
    await fireEvent.input(screen.getByRole("textbox", { name: /Local phone numbers of/ }), { target: { value: "gb " } });
    await fireEvent.click(screen.getByRole("button", { name: "Save settings" }));
    await waitFor(() => expect(callsOf(calls, "set_security_settings")).toHaveLength(1));
    expect(callsOf(calls, "set_security_settings")[0].settings).toMatchObject({
      masking_region: "gb",
      masking_identity_numbers: ["us_ssn", "uk_nino"],
    });
  });

  it("has a manager approve the classes of data ticked before staff see them", async () => {
    const calls = core({
      security_settings: () => ({ ...settings, reveal_approval: ["identity"] }),
      set_security_settings: () => undefined,
    });
    render(SecuritySettings, { me: admin, onSignedOut: vi.fn() });
    const box = within(await screen.findByTestId("reveal-approval"));
    expect((box.getByRole("checkbox", { name: "Identity" }) as HTMLInputElement).checked).toBe(true);
    expect((box.getByRole("checkbox", { name: "Financial" }) as HTMLInputElement).checked).toBe(false);
    const lasts = box.getByLabelText(/An approval lasts/) as HTMLInputElement;
    expect(lasts.value).toBe("15");
    await fireEvent.click(box.getByRole("checkbox", { name: "Financial" }));
    await fireEvent.click(box.getByRole("checkbox", { name: "Identity" }));
    await fireEvent.input(lasts, { target: { value: "5" } });
    await fireEvent.click(screen.getByRole("button", { name: "Save settings" }));
    await waitFor(() => expect(callsOf(calls, "set_security_settings")).toHaveLength(1));
    expect(callsOf(calls, "set_security_settings")[0].settings).toMatchObject({
      reveal_approval: ["financial"],
      reveal_approval_minutes: 5,
    });
  });

  it("makes the administrator confirm a list that would lock them out", async () => {
    const calls = core({
      set_allowlist: (args) => {
        if (!args.confirmLockout) {
          throw { code: "confirmation_required", message: "this allowlist does not include the network you are on now" };
        }
        return { entries: args.entries, desktop_note: note };
      },
    });
    render(SecuritySettings, { me: admin, onSignedOut: vi.fn() });
    const text = await screen.findByRole("textbox", { name: /One network per line/ });
    await fireEvent.input(text, { target: { value: "10.0.0.0/8\n192.168.5.0/24 manager" } });
    await fireEvent.click(screen.getByRole("button", { name: "Save networks" }));
    expect((await screen.findByRole("alert")).textContent).toContain("network you are on now");
    await fireEvent.click(screen.getByRole("button", { name: "Save anyway" }));
    await waitFor(() => expect(screen.getByRole("status").textContent).toContain("saved"));
    const saves = calls.filter(([c]) => c === "set_allowlist");
    expect(saves.map(([, a]) => a.confirmLockout)).toEqual([false, true]);
    expect(saves[1][1].entries).toEqual([
      { cidr: "10.0.0.0/8", role: null },
      { cidr: "192.168.5.0/24", role: "manager" },
    ]);
  });

  it("shows what IT's policy sets as locked, and still saves the rest", async () => {
    const calls = core({
      security_settings: () => ({ ...settings, locked_by_policy: ["second_factor_roles", "lock_after_seconds", "content_protection"] }),
      allowlist: () => ({ entries: [{ cidr: "10.1.0.0/16", role: null }], desktop_note: note, locked_by_policy: true }),
      set_security_settings: () => undefined,
    });
    render(SecuritySettings, { me: admin, onSignedOut: vi.fn() });
    await screen.findByLabelText(/Shortest password/);
    expect(screen.getByRole("checkbox", { name: "agent" }).matches(":disabled")).toBe(true);
    expect((screen.getByRole("combobox", { name: /Lock this app after/ }) as HTMLSelectElement).disabled).toBe(true);
    expect((screen.getByRole("checkbox", { name: /Keep this app out of screenshots/ }) as HTMLInputElement).disabled).toBe(true);
    expect(screen.getByText(/Second factor required for \(set by your IT department\)/)).toBeTruthy();
    expect((screen.getByRole("textbox", { name: /One network per line/ }) as HTMLTextAreaElement).disabled).toBe(true);
    expect(screen.getByTestId("allowlist-pinned").textContent).toContain("only IT can change it");
    expect(screen.queryByRole("button", { name: "Save networks" })).toBeNull();
    await expectAccessible();
    await fireEvent.input(screen.getByLabelText(/Shortest password/), { target: { value: "16" } });
    await fireEvent.click(screen.getByRole("button", { name: "Save settings" }));
    await waitFor(() => expect(calls.filter(([c]) => c === "set_security_settings")).toHaveLength(1));
    const sent = calls.find(([c]) => c === "set_security_settings")?.[1].settings as Record<string, unknown>;
    expect(sent.password_min_length).toBe(16);
    expect(sent).not.toHaveProperty("locked_by_policy");
  });
});
