import { afterEach, describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { clearMocks } from "@tauri-apps/api/mocks";
import SecuritySettings from "./SecuritySettings.svelte";
import { callsOf, meAs, mockCore } from "./fixtures";
import { expectAccessible } from "./a11y";

const admin = meAs({ role: "admin", capabilities: ["security.manage"], second_factor_methods: ["totp"] });
const loyalty = { name: "Loyalty card", pattern: String.raw`\bLOY-?\d{8}\b`, class: "financial", keep_last: 4 };

afterEach(() => clearMocks());

function core(handlers: Parameters<typeof mockCore>[0], saved: unknown[] = []) {
  return mockCore({
    security_settings: () => ({
      password_min_length: 12,
      lockout_max_failures: 5,
      second_factor_roles: [],
      session_idle_minutes: 15,
      session_absolute_hours: 12,
      lock_after_seconds: 300,
      step_up_minutes: 5,
      masking_region: null,
      masking_identity_numbers: [],
      masking_patterns: saved,
      reveal_approval: [],
      reveal_approval_minutes: 15,
      content_protection: true,
    }),
    allowlist: () => ({ entries: [], desktop_note: "" }),
    ...handlers,
  });
}

describe("MaskingPatterns", () => {
  it("adds a pattern, tries it on a message and shows what staff would see", async () => {
    const calls = core({
      try_masking: () => ({
        masked: "card ***-****5678, a***@e***.com",
        found: [
          { what: "Loyalty card", class: "financial" },
          { what: "email", class: "contact" },
        ],
      }),
    });
    render(SecuritySettings, { me: admin, onSignedOut: vi.fn() });
    expect(await screen.findByText(/No custom patterns/)).toBeTruthy();
    await expectAccessible();
    await fireEvent.click(screen.getByRole("button", { name: "Add pattern" }));
    await fireEvent.input(screen.getByLabelText("Name of pattern 1"), { target: { value: loyalty.name } });
    await fireEvent.input(screen.getByLabelText("Pattern 1"), { target: { value: loyalty.pattern } });
    const tryIt = screen.getByRole("button", { name: "Try it" }) as HTMLButtonElement;
    expect(tryIt.disabled).toBe(true);
    await fireEvent.input(screen.getByLabelText(/Try a message/), { target: { value: "card LOY-12345678" } });
    await fireEvent.click(tryIt);
    const result = await screen.findByTestId("masking-trial");
    expect(result.textContent).toContain("card ***-****5678");
    expect(result.textContent).toContain("Found: Loyalty card (financial), E-mail address (contact details).");
    expect(callsOf(calls, "try_masking")[0]).toEqual({ trial: { sample: "card LOY-12345678", patterns: [loyalty] } });
    expect(callsOf(calls, "set_security_settings")).toHaveLength(0);
  });

  it("shows the core's reason when a pattern cannot work", async () => {
    core({
      try_masking: () => {
        throw { code: "invalid", message: 'the pattern of "Loyalty card" is not valid: unclosed group' };
      },
    }, [loyalty]);
    render(SecuritySettings, { me: admin, onSignedOut: vi.fn() });
    await fireEvent.input(await screen.findByLabelText(/Try a message/), { target: { value: "x" } });
    await fireEvent.click(screen.getByRole("button", { name: "Try it" }));
    expect((await screen.findByRole("alert")).textContent).toContain("is not valid: unclosed group");
  });

  it("saves the list on its own, and the other settings without it", async () => {
    const calls = core({ set_security_settings: () => undefined }, [loyalty]);
    render(SecuritySettings, { me: admin, onSignedOut: vi.fn() });
    expect(((await screen.findByLabelText("Pattern 1")) as HTMLInputElement).value).toBe(loyalty.pattern);
    await fireEvent.change(screen.getByLabelText("Characters shown of pattern 1"), { target: { value: "2" } });
    await fireEvent.click(screen.getByRole("button", { name: "Save patterns" }));
    await waitFor(() => expect(callsOf(calls, "set_security_settings")).toHaveLength(1));
    expect(callsOf(calls, "set_security_settings")[0]).toEqual({
      settings: { masking_patterns: [{ ...loyalty, keep_last: 2 }] },
    });
    expect((await screen.findByRole("status")).textContent).toContain("Custom patterns saved.");

    await fireEvent.click(screen.getByRole("button", { name: "Remove" }));
    await fireEvent.click(screen.getByRole("button", { name: "Save settings" }));
    await waitFor(() => expect(callsOf(calls, "set_security_settings")).toHaveLength(2));
    expect(callsOf(calls, "set_security_settings")[1].settings).not.toHaveProperty("masking_patterns");
  });
});
