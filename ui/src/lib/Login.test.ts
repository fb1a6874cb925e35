import { afterEach, describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import Login from "./Login.svelte";
import { expectAccessible } from "./a11y";
import { callsOf, meAs, mockCore } from "./fixtures";

afterEach(() => clearMocks());

async function signIn(username: string, password: string) {
  await fireEvent.input(screen.getByLabelText("User name"), { target: { value: username } });
  await fireEvent.input(screen.getByLabelText("Password"), { target: { value: password } });
  await fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
}

describe("Login", () => {
  it("sends the trimmed user name and the password to the core and reports who signed in", async () => {
    const calls: Array<{ cmd: string; args: unknown }> = [];
    mockIPC((cmd, args) => {
      if (cmd === "sso_offer") return null;
      calls.push({ cmd, args });
      return { username: "anna", role: "agent", capabilities: ["conversations.view"] };
    });
    const onSignedIn = vi.fn();
    render(Login, { onSignedIn });
    await expectAccessible();
    await signIn("  anna ", "correct horse battery");
    await waitFor(() => expect(onSignedIn).toHaveBeenCalledWith(expect.objectContaining({ username: "anna" })));
    expect(calls).toEqual([{ cmd: "login", args: { username: "anna", password: "correct horse battery" } }]);
  });

  it("shows the core's message on failure and forgets the typed password", async () => {
    mockIPC((cmd) => {
      if (cmd === "sso_offer") return null;
      throw { code: "unauthenticated", message: "the user name or password is not correct" };
    });
    render(Login, { onSignedIn: vi.fn() });
    await signIn("anna", "wrong password!!");
    expect(await screen.findByRole("alert")).toHaveProperty("textContent", "the user name or password is not correct");
    expect((screen.getByLabelText("Password") as HTMLInputElement).value).toBe("");
    expect((screen.getByLabelText("User name") as HTMLInputElement).value).toBe("anna");
  });

  it("signs in with a security key and the user name, without a password", async () => {
    const calls: Array<{ cmd: string; args: unknown }> = [];
    mockIPC((cmd, args) => {
      if (cmd === "sso_offer") return null;
      calls.push({ cmd, args });
      return { username: "anna", role: "agent", capabilities: [] };
    });
    const onSignedIn = vi.fn();
    render(Login, { onSignedIn });
    await fireEvent.click(screen.getByRole("button", { name: "Sign in with a security key instead" }));
    expect((await screen.findByRole("alert")).textContent).toContain("Enter your user name");
    await fireEvent.input(screen.getByLabelText("User name"), { target: { value: " anna " } });
    await fireEvent.click(screen.getByRole("button", { name: "Sign in with a security key instead" }));
    await waitFor(() => expect(onSignedIn).toHaveBeenCalled());
    expect(calls).toEqual([{ cmd: "sign_in_with_security_key", args: { username: "anna", pin: null } }]);
  });

  it("offers no single sign-on when the organisation has none", async () => {
    mockIPC((cmd) => (cmd === "sso_offer" ? null : undefined));
    render(Login, { onSignedIn: vi.fn() });
    await screen.findByRole("button", { name: "Sign in" });
    await new Promise((r) => setTimeout(r, 0));
    expect(screen.queryByTestId("sso")).toBeNull();
  });

  it("signs in with the identity provider in the browser, saying where to look meanwhile", async () => {
    let finish: (me: unknown) => void = () => undefined;
    const calls = mockCore({
      sso_offer: () => ({ label: "Contoso ID", passwords: true }),
      sso_sign_in: () => new Promise((resolve) => (finish = resolve)),
    });
    const onSignedIn = vi.fn();
    render(Login, { onSignedIn });
    await fireEvent.click(await screen.findByRole("button", { name: "Sign in with Contoso ID" }));
    expect((await screen.findByRole("status")).textContent).toContain("Sign in there");
    await expectAccessible();
    finish(meAs({ username: "ana" }));
    await waitFor(() => expect(onSignedIn).toHaveBeenCalledWith(expect.objectContaining({ username: "ana" })));
    expect(callsOf(calls, "sso_sign_in")).toHaveLength(1);
    expect(screen.getByText("or with your user name")).toBeTruthy();
  });

  it("cancels a sign-in waiting for the browser and shows why it stopped", async () => {
    let refuse: (e: unknown) => void = () => undefined;
    const calls = mockCore({
      sso_offer: () => ({ label: "Contoso ID", passwords: false }),
      sso_sign_in: () => new Promise((_, reject) => (refuse = reject)),
      sso_cancel: () => refuse({ code: "sso_failed", message: "the sign-in was cancelled" }),
    });
    render(Login, { onSignedIn: vi.fn() });
    expect((await screen.findByTestId("break-glass-note")).textContent).toContain("emergency owner");
    await fireEvent.click(screen.getByRole("button", { name: "Sign in with Contoso ID" }));
    await fireEvent.click(await screen.findByRole("button", { name: "Cancel" }));
    expect((await screen.findByRole("alert")).textContent).toBe("the sign-in was cancelled");
    expect(callsOf(calls, "sso_cancel")).toHaveLength(1);
    expect(screen.getByRole("button", { name: "Sign in with Contoso ID" })).toBeTruthy();
  });

  it("says at once why the app cannot start, and offers no sign-in", async () => {
    mockCore({
      sso_offer: () => {
        throw { code: "setup", message: "the IT policy at /etc/countersign/policy.json cannot be used:\n  - log_level: \"loud\" is not one of error, warn, info, debug" };
      },
    });
    render(Login, { onSignedIn: vi.fn() });
    const shown = await screen.findByTestId("startup-error");
    expect(shown.textContent).toContain("Countersign cannot start");
    expect(shown.textContent).toContain("log_level");
    expect(screen.queryByLabelText("Password")).toBeNull();
    await expectAccessible();
  });
});
