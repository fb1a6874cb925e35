import { afterEach, describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { clearMocks } from "@tauri-apps/api/mocks";
import TemplateComposer from "./TemplateComposer.svelte";
import { callsOf, message, mockCore, orderShipped, sendingOptions } from "./fixtures";
import type { Template } from "./api";
import { expectAccessible } from "./a11y";

afterEach(() => clearMocks());

const orderReady: Template = {
  name: "order_ready",
  language: "en_GB",
  status: "APPROVED",
  category: "UTILITY",
  header: "Order {{1}}",
  body: "Hi {{1}}, order {{2}} is ready.",
  footer: null,
  media_header: null,
  source: "graph",
  audience: [],
  buttons: [],
  slots: [
    { part: "header", name: "1", button: null },
    { part: "body", name: "1", button: null },
    { part: "body", name: "2", button: null },
  ],
};

describe("TemplateComposer", () => {
  it("offers approved templates, shows what the customer will read, and sends the values", async () => {
    const sent = message({ id: 5, direction: "outbound", text: "Order 4471\nHi Ben, order 4471 is ready.", status: "accepted" });
    const calls = mockCore({ send_template: () => sent });
    const onSent = vi.fn();
    render(TemplateComposer, { conversationId: 3, options: sendingOptions({ templates: [orderReady] }), onSent });
    const select = (await screen.findByRole("combobox", { name: "Template" })) as HTMLSelectElement;
    await expectAccessible();
    expect([...select.options].map((o) => o.textContent)).toEqual(["Choose an approved template…", "order_ready (en_GB)"]);
    await fireEvent.change(select, { target: { value: "order_ready/en_GB" } });
    const inputs = screen.getAllByRole("textbox");
    expect(inputs).toHaveLength(3);
    const send = screen.getByRole("button", { name: "Send template" }) as HTMLButtonElement;
    expect(send.disabled).toBe(true);
    for (const [i, v] of ["4471", "Ben", "4471"].entries()) await fireEvent.input(inputs[i], { target: { value: v } });
    expect(screen.getByTestId("template-preview").textContent).toBe("Order 4471\nHi Ben, order 4471 is ready.");
    await fireEvent.click(send);
    await waitFor(() => expect(onSent).toHaveBeenCalledWith(sent));
    expect(callsOf(calls, "send_template")).toEqual([
      { conversationId: 3, request: { name: "order_ready", language: "en_GB", values: ["4471", "Ben", "4471"] } },
    ]);
  });

  it.each([
    [0, "Admin → Templates"],
    [2, "No approved template is meant for this contact. 2 more templates are only for contacts with other labels."],
  ])("says why there is nothing to send (%i withheld by labels)", async (withheld, why) => {
    mockCore({});
    render(TemplateComposer, { conversationId: 3, options: sendingOptions({ templates_withheld: withheld }), onSent: vi.fn() });
    expect((await screen.findByTestId("no-templates")).textContent).toContain(why);
  });

  it("says how many templates are for contacts with other labels", async () => {
    mockCore({});
    render(TemplateComposer, { conversationId: 3, options: sendingOptions({ templates: [orderReady], templates_withheld: 1 }), onSent: vi.fn() });
    expect((await screen.findByTestId("templates-withheld")).textContent).toBe("1 more template is only for contacts with other labels.");
  });

  it("asks for a tracking link's value by its button, and previews the buttons", async () => {
    mockCore({});
    render(TemplateComposer, { conversationId: 3, options: sendingOptions({ templates: [orderShipped] }), onSent: vi.fn() });
    await fireEvent.change(await screen.findByRole("combobox", { name: "Template" }), { target: { value: "order_shipped/en_GB" } });
    await fireEvent.input(screen.getByLabelText("Text {{1}}"), { target: { value: "Ben" } });
    await fireEvent.input(screen.getByLabelText("Link of “Track parcel” {{1}}"), { target: { value: "JD0142" } });
    expect(screen.getByTestId("template-preview").textContent).toBe(
      "Good news Ben: your order is on its way.\n[Track parcel: https://track.example/parcel/JD0142]\n[Call me back]",
    );
  });
});
