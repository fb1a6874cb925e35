import { afterEach, describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { clearMocks } from "@tauri-apps/api/mocks";
import Share from "./Share.svelte";
import { callsOf, message, mockCore } from "./fixtures";
import { expectAccessible } from "./a11y";

afterEach(() => clearMocks());

const fill = (name: string, value: string) => fireEvent.input(screen.getByLabelText(name), { target: { value } });

describe("Share", () => {
  it("shares a store's place as a map pin", async () => {
    const calls = mockCore({ send_message: () => message({ id: 4, direction: "outbound", kind: "location" }) });
    const onClose = vi.fn();
    render(Share, { conversationId: 7, onSent: vi.fn(), onClose });
    await expectAccessible();
    await fill("Name", "Store 12, Leeds");
    await fill("Address", "14 Briggate, Leeds");
    const share = screen.getByRole("button", { name: "Share place" }) as HTMLButtonElement;
    await fill("Coordinates", "Leeds");
    expect(share.disabled).toBe(true);
    expect(screen.getByText(/separated by a comma/)).toBeTruthy();
    await fill("Coordinates", "53.7997, -1.5492");
    await fireEvent.click(share);
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(callsOf(calls, "send_message")).toEqual([
      {
        conversationId: 7,
        message: { type: "location", latitude: 53.7997, longitude: -1.5492, name: "Store 12, Leeds", address: "14 Briggate, Leeds" },
      },
    ]);
  });

  it("shares a contact card, and keeps what was typed when WhatsApp's limits refuse it", async () => {
    const calls = mockCore({
      send_message: () => {
        throw { code: "invalid", message: "a contact card needs a phone number with at least 6 digits" };
      },
    });
    const onClose = vi.fn();
    render(Share, { conversationId: 7, onSent: vi.fn(), onClose });
    await fireEvent.click(screen.getByRole("radio", { name: "A contact card" }));
    await fill("Name", "Priya at Store 12");
    await fill("Phone number", "call me");
    await fireEvent.click(screen.getByRole("button", { name: "Share contact" }));
    expect((await screen.findByRole("alert")).textContent).toContain("phone number");
    expect((screen.getByLabelText("Phone number") as HTMLInputElement).value).toBe("call me");
    expect(onClose).not.toHaveBeenCalled();
    expect(callsOf(calls, "send_message")).toEqual([
      { conversationId: 7, message: { type: "contact", name: "Priya at Store 12", phone: "call me" } },
    ]);
  });
});
