import { afterEach, describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import ChangePassword from "./ChangePassword.svelte";
import { meAs } from "./fixtures";
import { expectAccessible } from "./a11y";

afterEach(() => clearMocks());

const me = meAs({ must_change_password: true });

async function fill(current: string, next: string, repeat: string) {
  await fireEvent.input(screen.getByLabelText("Temporary password"), { target: { value: current } });
  await fireEvent.input(screen.getByLabelText("New password"), { target: { value: next } });
  await fireEvent.input(screen.getByLabelText("New password again"), { target: { value: repeat } });
  await fireEvent.click(screen.getByRole("button", { name: "Save and continue" }));
}

describe("ChangePassword", () => {
  it("sends the change and continues with the updated user", async () => {
    const calls: unknown[] = [];
    mockIPC((cmd, args) => {
      calls.push({ cmd, args });
      return { ...me, must_change_password: false, second_factor_required: false, second_factor_enrolment_required: false };
    });
    const onChanged = vi.fn();
    render(ChangePassword, { me, onChanged, onSignedOut: vi.fn() });
    await expectAccessible();
    await fill("temporary pass 123", "violet tractor under seven lamps", "violet tractor under seven lamps");
    await waitFor(() => expect(onChanged).toHaveBeenCalledWith(expect.objectContaining({ must_change_password: false })));
    expect(calls).toEqual([
      { cmd: "change_password", args: { currentPassword: "temporary pass 123", newPassword: "violet tractor under seven lamps" } },
    ]);
  });

  it("catches a mistyped repeat without asking the core", async () => {
    const invoked = vi.fn();
    mockIPC(invoked);
    render(ChangePassword, { me, onChanged: vi.fn(), onSignedOut: vi.fn() });
    await fill("temporary pass 123", "violet tractor under seven lamps", "violet tractor under seven lamp");
    expect((await screen.findByRole("alert")).textContent).toContain("not the same");
    expect(invoked).not.toHaveBeenCalled();
  });

  it("shows the policy's reason and clears every field", async () => {
    mockIPC(() => {
      throw { code: "invalid", message: "this password is common or easy to guess; try a phrase of several unrelated words" };
    });
    render(ChangePassword, { me, onChanged: vi.fn(), onSignedOut: vi.fn() });
    await fill("temporary pass 123", "password1234", "password1234");
    expect((await screen.findByRole("alert")).textContent).toContain("easy to guess");
    expect((screen.getByLabelText("New password") as HTMLInputElement).value).toBe("");
  });
});
