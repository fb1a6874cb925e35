import { afterEach, describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import { clearMocks } from "@tauri-apps/api/mocks";
import Templates from "./Templates.svelte";
import { callsOf, meAs, mockCore } from "./fixtures";
import type { Template } from "./api";
import { expectAccessible } from "./a11y";

afterEach(() => clearMocks());

const marketing = meAs({ role: "marketing", capabilities: ["templates.view", "templates.manage"] });
const hello: Template = {
  name: "we_are_here",
  language: "en_GB",
  status: "APPROVED",
  category: "UTILITY",
  header: null,
  body: "Hello {{1}}",
  footer: null,
  media_header: null,
  source: "graph",
  slots: [{ part: "body", name: "1", button: null }],
  audience: [],
  buttons: [],
};
const dealer = { id: 4, name: "Dealer", colour: "blue", restricted: false };

describe("Templates", () => {
  it("synchronises the catalog from WhatsApp and lists each template's review status", async () => {
    const calls = mockCore({ templates: () => [], labels: () => [], sync_templates: () => [hello, { ...hello, name: "winter_sale", status: "REJECTED" }] });
    render(Templates, { me: marketing, onSignedOut: vi.fn() });
    expect(await screen.findByText(/No templates yet/)).toBeTruthy();
    await expectAccessible();
    await fireEvent.click(screen.getByTestId("sync-templates"));
    await waitFor(() => expect(screen.getAllByTestId("template")).toHaveLength(2));
    expect(screen.getAllByTestId("template")[1].textContent).toContain("rejected");
    expect(callsOf(calls, "sync_templates")).toHaveLength(1);
    expect((await screen.findByRole("status")).textContent).toContain("synchronised");
  });

  it("saves a template entered by hand", async () => {
    const calls = mockCore({ templates: (_, n) => (n === 1 ? [] : [{ ...hello, source: "admin" }]), labels: () => [], save_template: () => hello });
    render(Templates, { me: marketing, onSignedOut: vi.fn() });
    await fireEvent.click(await screen.findByRole("button", { name: "Add by hand" }));
    const form = screen.getByTestId("template-form");
    await fireEvent.input(within(form).getByRole("textbox", { name: "Name" }), { target: { value: "we_are_here" } });
    await fireEvent.input(within(form).getByRole("textbox", { name: /^Text/ }), { target: { value: "Hello {{1}}" } });
    await fireEvent.input(within(form).getByRole("textbox", { name: "Link button" }), { target: { value: "Our shop" } });
    await fireEvent.input(within(form).getByRole("textbox", { name: "Its address" }), { target: { value: "https://shop.example" } });
    await fireEvent.click(within(form).getByRole("button", { name: "Save template" }));
    await waitFor(() => expect(screen.getByTestId("template").textContent).toContain("(by hand)"));
    expect(callsOf(calls, "save_template")).toEqual([
      {
        request: {
          name: "we_are_here",
          language: "en_GB",
          category: "UTILITY",
          body: "Hello {{1}}",
          status: "APPROVED",
          buttons: [{ type: "URL", text: "Our shop", target: "https://shop.example" }],
        },
      },
    ]);
  });

  it("limits a template to contacts with chosen labels, and opens it again", async () => {
    const calls = mockCore({
      templates: (_, n) => [n === 2 ? { ...hello, audience: [dealer] } : hello],
      labels: () => [dealer, { ...dealer, id: 5, name: "VIP" }],
      set_template_audience: () => hello,
    });
    render(Templates, { me: marketing, onSignedOut: vi.fn() });
    expect((await screen.findByTestId("template-audience")).textContent).toContain("Every contact");
    await fireEvent.click(screen.getByRole("button", { name: "Change who we_are_here is for" }));
    const form = screen.getByTestId("audience-form");
    await fireEvent.click(within(form).getByRole("checkbox", { name: "Dealer" }));
    await fireEvent.click(within(form).getByRole("button", { name: "Save" }));
    await waitFor(() => expect(screen.getByTestId("template-audience").textContent).toContain("Contacts labelled Dealer"));
    expect(screen.queryByTestId("audience-form")).toBeNull();
    await fireEvent.click(screen.getByRole("button", { name: "Change who we_are_here is for" }));
    await fireEvent.click(within(screen.getByTestId("audience-form")).getByRole("checkbox", { name: "Dealer" }));
    await fireEvent.click(within(screen.getByTestId("audience-form")).getByRole("button", { name: "Save" }));
    await waitFor(() => expect(callsOf(calls, "set_template_audience")).toHaveLength(2));
    expect(callsOf(calls, "set_template_audience")).toEqual([
      { name: "we_are_here", language: "en_GB", request: { labels: [4] } },
      { name: "we_are_here", language: "en_GB", request: { labels: [] } },
    ]);
  });
});
