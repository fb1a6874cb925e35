import { afterEach, describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import Account from "./Account.svelte";
import { meAs } from "./fixtures";
import { expectAccessible } from "./a11y";

afterEach(() => clearMocks());

const now = Date.now();
const here = { id: 1, current: true, device: "Countersign desktop 0.1.0 (linux)", origin: "this PC", started_at: now, last_seen_at: now };
const phone = { id: 2, current: false, device: "Firefox on the back-office PC", origin: "10.1.4.20", started_at: now, last_seen_at: now };

describe("Account", () => {
  it("lists my sessions and ends another one", async () => {
    let sessions = [here, phone];
    const ended: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd === "my_sessions") return sessions;
      if (cmd === "security_keys") return [];
      if (cmd === "end_session") {
        ended.push(args);
        sessions = [here];
        return;
      }
      throw new Error(`unexpected ${cmd}`);
    });
    render(Account, { me: meAs(), onSignedOut: vi.fn() });
    expect(await screen.findByText("This device")).toBeTruthy();
    await expectAccessible();
    expect(screen.getAllByTestId("session")).toHaveLength(2);
    expect(screen.queryByRole("button", { name: /Sign out of Countersign desktop/ })).toBeNull();
    await fireEvent.click(screen.getByRole("button", { name: "Sign out of Firefox on the back-office PC" }));
    await waitFor(() => expect(screen.getAllByTestId("session")).toHaveLength(1));
    expect(ended).toEqual([{ id: 2 }]);
    expect(screen.getByRole("status").textContent).toContain("10.1.4.20");
  });
});

describe("Account security keys", () => {
  const blue = { id: 4, name: "Blue key", created_at: now, last_used_at: null };

  it("adds a named key with its PIN", async () => {
    const calls: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      if (cmd === "my_sessions") return [here];
      if (cmd === "security_keys") return [];
      if (cmd === "register_security_key") return [blue];
      if (cmd === "me") return meAs({ second_factor_methods: ["security_key"] });
      throw new Error(`unexpected ${cmd}`);
    });
    render(Account, { me: meAs(), onSignedOut: vi.fn() });
    await screen.findByText("No security keys yet.");
    await fireEvent.click(screen.getByRole("button", { name: "Add security key" }));
    expect((await screen.findByRole("alert")).textContent).toContain("Name the key first");
    await fireEvent.input(screen.getByLabelText("Name for a new key"), { target: { value: "Blue key" } });
    await fireEvent.input(screen.getByLabelText(/Security key PIN/), { target: { value: "1234" } });
    await fireEvent.click(screen.getByRole("button", { name: "Add security key" }));
    await screen.findByTestId("security-key");
    expect(calls).toContainEqual(["register_security_key", { name: "Blue key", pin: "1234" }]);
    expect((await screen.findByRole("status")).textContent).toContain("Blue key");
  });

  it("asks to confirm with the key before removing it", async () => {
    let keys = [blue];
    let removals = 0;
    mockIPC((cmd) => {
      if (cmd === "my_sessions") return [here];
      if (cmd === "security_keys") return keys;
      if (cmd === "verify_with_security_key") return meAs({ second_factor_methods: ["security_key"] });
      if (cmd === "remove_security_key") {
        removals += 1;
        if (removals === 1) throw { code: "step_up_required", message: "confirm it is you" };
        keys = [];
        return keys;
      }
      throw new Error(`unexpected ${cmd}`);
    });
    render(Account, { me: meAs({ second_factor_methods: ["security_key"] }), onSignedOut: vi.fn() });
    await fireEvent.click(await screen.findByRole("button", { name: "Remove Blue key" }));
    const dialog = await screen.findByRole("dialog");
    expect(dialog.textContent).toContain("needs your security key");
    await fireEvent.click(screen.getByRole("button", { name: "Use my security key" }));
    await screen.findByText("No security keys yet.");
    expect(removals).toBe(2);
  });

  it("renews the recovery codes and shows them once", async () => {
    mockIPC((cmd) => {
      if (cmd === "my_sessions") return [here];
      if (cmd === "security_keys") return [];
      if (cmd === "regenerate_recovery_codes") return { codes: ["aaaa-bbbb", "cccc-dddd"] };
      throw new Error(`unexpected ${cmd}`);
    });
    render(Account, { me: meAs({ second_factor_methods: ["totp"] }), onSignedOut: vi.fn() });
    await fireEvent.click(await screen.findByRole("button", { name: "New recovery codes" }));
    expect((await screen.findByTestId("recovery-codes")).textContent).toContain("cccc-dddd");
    await fireEvent.click(screen.getByRole("button", { name: "I have saved them" }));
    expect(screen.queryByTestId("recovery-codes")).toBeNull();
  });
});

