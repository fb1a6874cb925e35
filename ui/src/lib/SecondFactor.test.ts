import { afterEach, describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import SecondFactor from "./SecondFactor.svelte";
import { meAs } from "./fixtures";
import { expectAccessible } from "./a11y";

afterEach(() => clearMocks());

const me = meAs({ second_factor_required: true, second_factor_methods: ["totp"] });

async function enter(code: string) {
  await fireEvent.input(screen.getByLabelText("Code"), { target: { value: code } });
  await fireEvent.click(screen.getByRole("button", { name: "Continue" }));
}

describe("SecondFactor", () => {
  it("sends the code and continues when the core accepts it", async () => {
    const calls: unknown[] = [];
    mockIPC((cmd, args) => {
      calls.push({ cmd, args });
      return { ...me, second_factor_required: false, second_factor_enrolment_required: false };
    });
    const onVerified = vi.fn();
    render(SecondFactor, { me, onVerified, onSignedOut: vi.fn() });
    await expectAccessible();
    await enter(" 123456 ");
    await waitFor(() => expect(onVerified).toHaveBeenCalled());
    expect(calls).toEqual([{ cmd: "verify_second_factor", args: { code: "123456" } }]);
  });

  it("says why a code was refused and clears it", async () => {
    mockIPC(() => {
      throw { code: "invalid", message: "that code is not correct, or it was already used" };
    });
    render(SecondFactor, { me, onVerified: vi.fn(), onSignedOut: vi.fn() });
    await enter("654321");
    expect((await screen.findByRole("alert")).textContent).toContain("already used");
    expect((screen.getByLabelText("Code") as HTMLInputElement).value).toBe("");
  });

  it("offers only the security key to someone who has only a key", async () => {
    const calls: unknown[] = [];
    mockIPC((cmd, args) => {
      calls.push({ cmd, args });
      return meAs({ second_factor_methods: ["security_key"] });
    });
    const onVerified = vi.fn();
    const keyOnly = meAs({ second_factor_required: true, second_factor_methods: ["security_key"] });
    render(SecondFactor, { me: keyOnly, onVerified, onSignedOut: vi.fn() });
    expect(screen.queryByLabelText("Code")).toBeNull();
    await fireEvent.click(screen.getByRole("button", { name: "Use my security key" }));
    await waitFor(() => expect(onVerified).toHaveBeenCalled());
    expect(calls).toEqual([{ cmd: "verify_with_security_key", args: { pin: null } }]);
  });
});
