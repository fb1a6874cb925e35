import { afterEach, describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import LockScreen from "./LockScreen.svelte";
import { callsOf, meAs, mockCore } from "./fixtures";
import { expectAccessible } from "./a11y";

afterEach(() => clearMocks());

const locked = meAs({ locked: true });

async function typePassword(value: string) {
  await fireEvent.input(screen.getByLabelText("Password"), { target: { value } });
  await fireEvent.click(screen.getByRole("button", { name: "Unlock" }));
}

describe("LockScreen", () => {
  it("says whose session is locked and unlocks with the password", async () => {
    const calls: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd === "sso_offer") return null;
      calls.push([cmd, args]);
      if (cmd === "unlock") return meAs();
    });
    const onUnlocked = vi.fn();
    render(LockScreen, { me: locked, onUnlocked, onSwitched: vi.fn() });
    await expectAccessible();
    expect(screen.getByTestId("lock-screen").textContent).toContain("locked for anna");
    await typePassword("silver harbour");
    await waitFor(() => expect(onUnlocked).toHaveBeenCalledWith(expect.objectContaining({ locked: false })));
    expect(calls).toEqual([["unlock", { password: "silver harbour" }]]);
  });

  it("shows the core's message for a wrong password and clears the field", async () => {
    mockIPC((cmd) => {
      if (cmd === "sso_offer") return null;
      throw { code: "invalid", message: "that password is not correct" };
    });
    render(LockScreen, { me: locked, onUnlocked: vi.fn(), onSwitched: vi.fn() });
    await typePassword("nope");
    expect((await screen.findByRole("alert")).textContent).toContain("not correct");
    expect((screen.getByLabelText("Password") as HTMLInputElement).value).toBe("");
  });

  it("goes to sign-in when the locked session has ended", async () => {
    mockIPC((cmd) => {
      if (cmd === "sso_offer") return null;
      throw { code: "unauthenticated", message: "your session has ended; please sign in again" };
    });
    const onSwitched = vi.fn();
    render(LockScreen, { me: locked, onUnlocked: vi.fn(), onSwitched });
    await typePassword("whatever");
    await waitFor(() => expect(onSwitched).toHaveBeenCalled());
  });

  it("switching user ends the locked session", async () => {
    const calls: string[] = [];
    mockIPC((cmd) => {
      if (cmd !== "sso_offer") calls.push(cmd);
    });
    const onSwitched = vi.fn();
    render(LockScreen, { me: locked, onUnlocked: vi.fn(), onSwitched });
    await fireEvent.click(screen.getByTestId("switch-user"));
    await waitFor(() => expect(onSwitched).toHaveBeenCalled());
    expect(calls).toEqual(["switch_user"]);
  });

  it("unlocks with the identity provider when the organisation uses one", async () => {
    const calls = mockCore({
      sso_offer: () => ({ label: "Contoso ID", passwords: true }),
      sso_unlock: () => meAs(),
    });
    const onUnlocked = vi.fn();
    render(LockScreen, { me: locked, onUnlocked, onSwitched: vi.fn() });
    await fireEvent.click(await screen.findByRole("button", { name: "Unlock with Contoso ID" }));
    await waitFor(() => expect(onUnlocked).toHaveBeenCalledWith(expect.objectContaining({ locked: false })));
    expect(callsOf(calls, "sso_unlock")).toHaveLength(1);
    expect(callsOf(calls, "unlock")).toHaveLength(0);
  });

  it("asks someone who signs in with the identity provider for no password", async () => {
    mockCore({ sso_offer: () => ({ label: "Contoso ID", passwords: false }) });
    render(LockScreen, { me: meAs({ locked: true, single_sign_on: true }), onUnlocked: vi.fn(), onSwitched: vi.fn() });
    await screen.findByRole("button", { name: "Unlock with Contoso ID" });
    expect(screen.queryByLabelText("Password")).toBeNull();
    expect(screen.queryByRole("button", { name: "Unlock" })).toBeNull();
    expect(screen.getByTestId("lock-screen").textContent).toContain("organisation's account");
    await expectAccessible();
  });
});
