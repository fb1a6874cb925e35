import { afterEach, describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import { clearMocks } from "@tauri-apps/api/mocks";
import Contacts from "./Contacts.svelte";
import { callsOf, meAs, mockCore } from "./fixtures";
import type { Contact } from "./api";
import { expectAccessible } from "./a11y";

afterEach(() => clearMocks());

const vip = { id: 5, name: "VIP", colour: "purple", restricted: false };
const wholesale = { id: 6, name: "Wholesale", colour: "blue", restricted: false };

function contact(id: number, name: string, handle: string, extra: Partial<Contact> = {}): Contact {
  return {
    id, name, handle, team: { id: 1, name: "Leeds" }, owner: null, labels: [], fields: [], lifecycle: "new",
    consent: { state: "unknown", at: null, source: null, by: null }, ...extra,
  };
}

const ana = contact(3, "Ana Souza", "+*******0101", { labels: [vip], lifecycle: "customer", consent: { state: "opted_in", at: 1, source: "said yes in chat", by: "anna" } });
const ben = contact(4, "Ben Okafor", "+*******0202");
const chloe = contact(7, "Chloé Martin", "+*********0303", { lifecycle: "lead" });

function core(handlers: Parameters<typeof mockCore>[0] = {}) {
  return mockCore({
    contacts: () => [ana, ben, chloe],
    labels: () => [{ ...vip, roles: null, files: "any" }, { ...wholesale, roles: null, files: "any" }],
    contact: (args) => [ana, ben, chloe].find((c) => c.id === args.id),
    ...handlers,
  });
}

const names = () => screen.queryAllByTestId("contact-row").map((r) => r.querySelector(".name")?.textContent);

describe("Contacts", () => {
  it("finds a customer by name or the digits shown, and narrows by label and stage", async () => {
    core();
    render(Contacts, { me: meAs({ capabilities: ["contacts.view"] }), onSignedOut: vi.fn() });
    await screen.findByRole("button", { name: /Chloé Martin/ });
    expect(names()).toEqual(["Ana Souza", "Ben Okafor", "Chloé Martin"]);
    await expectAccessible();
    const query = screen.getByLabelText("Name or number");
    await fireEvent.input(query, { target: { value: "0202" } });
    expect(names()).toEqual(["Ben Okafor"]);
    await fireEvent.input(query, { target: { value: "chloé m" } });
    expect(names()).toEqual(["Chloé Martin"]);
    await fireEvent.input(query, { target: { value: "nobody" } });
    expect(screen.getByTestId("contacts-none").textContent).toContain("No customer matches");
    await fireEvent.input(query, { target: { value: "" } });
    await fireEvent.change(screen.getByLabelText("Label"), { target: { value: "5" } });
    expect(names()).toEqual(["Ana Souza"]);
    await fireEvent.change(screen.getByLabelText("Label"), { target: { value: "" } });
    await fireEvent.change(screen.getByLabelText("Stage"), { target: { value: "lead" } });
    expect(names()).toEqual(["Chloé Martin"]);
  });

  it("opens a customer with their labels, stage, consent and fields, and puts labels on and off", async () => {
    const calls = core({
      label_contact: () => ({ ...ana, labels: [vip, wholesale] }),
      unlabel_contact: () => ({ ...ana, labels: [wholesale] }),
    });
    render(Contacts, { me: meAs({ capabilities: ["contacts.view", "labels.apply"] }), onSignedOut: vi.fn() });
    await fireEvent.click(await screen.findByRole("button", { name: /Ana Souza/ }));
    await waitFor(() => expect(callsOf(calls, "contact")).toEqual([{ id: 3 }]));
    expect(await screen.findByTestId("contact-state")).toBeTruthy();
    const labels = within(screen.getByTestId("contact-labels"));
    await fireEvent.change(labels.getByLabelText("Label to put on"), { target: { value: "6" } });
    await fireEvent.click(labels.getByRole("button", { name: "Add" }));
    await waitFor(() => expect(labels.getByText("Wholesale")).toBeTruthy());
    await fireEvent.click(labels.getByRole("button", { name: "Take VIP off Ana Souza" }));
    await waitFor(() => expect(labels.queryByRole("button", { name: "Take VIP off Ana Souza" })).toBeNull());
    expect(callsOf(calls, "label_contact")).toEqual([{ id: 3, request: { label: 6 } }]);
    expect(callsOf(calls, "unlabel_contact")).toEqual([{ id: 3, label: 5 }]);
    await expectAccessible();
  });

  it("shows labels without controls to a role that may not change them", async () => {
    core();
    render(Contacts, { me: meAs({ capabilities: ["contacts.view"] }), onSignedOut: vi.fn() });
    await fireEvent.click(await screen.findByRole("button", { name: /Ana Souza/ }));
    const labels = within(screen.getByTestId("contact-labels"));
    expect(labels.getByText("VIP")).toBeTruthy();
    expect(labels.queryByRole("button")).toBeNull();
    expect(labels.queryByLabelText("Label to put on")).toBeNull();
  });
});
