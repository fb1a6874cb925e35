import { afterEach, describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import Account from "./Account.svelte";
import { meAs } from "./fixtures";

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
      if (cmd === "end_session") {
        ended.push(args);
        sessions = [here];
        return;
      }
      throw new Error(`unexpected ${cmd}`);
    });
    render(Account, { me: meAs(), onSignedOut: vi.fn() });
    expect(await screen.findByText("This device")).toBeTruthy();
    expect(screen.getAllByTestId("session")).toHaveLength(2);
    expect(screen.queryByRole("button", { name: /Sign out of Countersign desktop/ })).toBeNull();
    await fireEvent.click(screen.getByRole("button", { name: "Sign out of Firefox on the back-office PC" }));
    await waitFor(() => expect(screen.getAllByTestId("session")).toHaveLength(1));
    expect(ended).toEqual([{ id: 2 }]);
    expect(screen.getByRole("status").textContent).toContain("10.1.4.20");
  });
});
