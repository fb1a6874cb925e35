import { afterEach, describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { clearMocks } from "@tauri-apps/api/mocks";
import Channel from "./Channel.svelte";
import { callsOf, meAs, mockCore } from "./fixtures";
import type { ChannelSettings } from "./api";
import { expectAccessible } from "./a11y";

afterEach(() => clearMocks());

const admin = meAs({ role: "admin", capabilities: ["channel.manage"] });
const configured: ChannelSettings = {
  configured: true,
  phone_number_id: "106540352242922",
  graph_base_url: "https://graph.facebook.com/",
  api_version: "v23.0",
  verify_token_set: true,
  app_secret_set: true,
  access_token_set: true,
  replies_held_by_token: 0,
  business_account_id: "102290129340398",
};

describe("WhatsApp channel", () => {
  it("sends only the secret that was typed, and clears it from the form once saved", async () => {
    const calls = mockCore({ channel_settings: () => ({ ...configured, replies_held_by_token: 2 }), set_channel_settings: () => configured });
    render(Channel, { me: admin, onSignedOut: vi.fn() });
    expect((await screen.findByTestId("token-refused")).textContent).toContain("2 replies are waiting");
    await expectAccessible();
    const token = screen.getByLabelText(/Access token/) as HTMLInputElement;
    expect(token.type).toBe("password");
    expect(token.placeholder).toContain("leave blank to keep it");
    await fireEvent.input(token, { target: { value: "EAAG-new-token" } });
    await fireEvent.click(screen.getByRole("button", { name: "Save channel settings" }));
    expect((await screen.findByRole("status")).textContent).toContain("1 new secret");
    expect(callsOf(calls, "set_channel_settings")).toEqual([
      {
        update: {
          phone_number_id: "106540352242922",
          graph_base_url: "https://graph.facebook.com/",
          api_version: "v23.0",
          business_account_id: "102290129340398",
          access_token: "EAAG-new-token",
        },
      },
    ]);
    await waitFor(() => expect(token.value).toBe(""));
    expect(screen.queryByTestId("token-refused")).toBeNull();
  });

  it("asks for every secret the first time", async () => {
    const empty: ChannelSettings = { ...configured, configured: false, phone_number_id: null, verify_token_set: false, app_secret_set: false, access_token_set: false };
    mockCore({ channel_settings: () => empty });
    render(Channel, { me: admin, onSignedOut: vi.fn() });
    expect(await screen.findByText(/not set up yet/)).toBeTruthy();
    for (const name of [/Access token/, /App secret/, /Webhook verify token/]) {
      expect((screen.getByLabelText(name) as HTMLInputElement).required).toBe(true);
    }
  });
});
