import { afterEach, describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import Login from "./Login.svelte";
import { expectAccessible } from "./a11y";

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
    mockIPC(() => {
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
});

