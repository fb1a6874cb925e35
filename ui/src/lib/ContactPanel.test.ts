import { afterEach, describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { clearMocks } from "@tauri-apps/api/mocks";
import ContactPanel from "./ContactPanel.svelte";
import { callsOf, meAs, mockCore } from "./fixtures";
import type { Contact, FieldValue } from "./api";
import { expectAccessible } from "./a11y";

afterEach(() => {
  clearMocks();
  vi.useRealTimers();
});

function field(id: number, name: string, value: string | null, masked: boolean, extra: Partial<FieldValue> = {}): FieldValue {
  return { id, name, kind: "text", class: "none", value, masked, ...extra };
}

function contact(fields: FieldValue[]): Contact {
  return { id: 3, name: "Ana Souza", handle: "+*******0101", team: { id: 1, name: "Store 12" }, owner: null, labels: [], fields,
    lifecycle: "new", consent: { state: "unknown", at: null, source: null, by: null } };
}

const masked = contact([
  field(1, "Loyalty tier", "Gold", false),
  field(2, "Date of birth", "**/**/****", true, { kind: "date_of_birth", class: "identity" }),
  field(3, "Allergies", "••••••••", true, { class: "health" }),
]);

async function openPanel(capabilities: string[]) {
  const shown = render(ContactPanel, { contactId: 3, me: meAs({ capabilities: ["contacts.view", ...capabilities] }) });
  await fireEvent.click(screen.getByText("Customer details"));
  return shown;
}

describe("ContactPanel", () => {
  it("fetches nothing until opened, then shows the fields as the core masked them", async () => {
    const calls = mockCore({ contact: () => masked });
    render(ContactPanel, { contactId: 3, me: meAs({ capabilities: ["contacts.view"] }) });
    expect(callsOf(calls, "contact")).toHaveLength(0);
    await fireEvent.click(screen.getByText("Customer details"));
    const values = await screen.findAllByTestId("contact-field");
    await expectAccessible();
    expect(values.map((v) => v.textContent?.trim())).toEqual(["Gold", "**/**/****", "••••••••"]);
    expect(screen.getByText("(Health)")).toBeTruthy();
    expect(screen.queryByRole("button", { name: /Edit/ })).toBeNull();
    expect(screen.queryByTestId("contact-reveal")).toBeNull();
  });

  it("edits a value with a date picker for a date of birth, never handing back a masked value", async () => {
    const calls = mockCore({ contact: () => masked, set_contact_field: () => masked });
    await openPanel(["contacts.edit"]);
    await fireEvent.click(await screen.findByRole("button", { name: "Edit Date of birth" }));
    const input = screen.getByLabelText("Date of birth of Ana Souza") as HTMLInputElement;
    expect(input.value).toBe("");
    expect(input.type).toBe("date");
    await fireEvent.input(input, { target: { value: "1990-03-12" } });
    await fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(callsOf(calls, "set_contact_field")).toHaveLength(1));
    expect(callsOf(calls, "set_contact_field")[0]).toEqual({ id: 3, field: 2, value: "1990-03-12" });
  });

  it("shows the core's reason when a value is refused", async () => {
    mockCore({
      contact: () => masked,
      set_contact_field: () => {
        throw { code: "invalid", message: "a date of birth lies between 1900 and today" };
      },
    });
    await openPanel(["contacts.edit"]);
    await fireEvent.click(await screen.findByRole("button", { name: "Edit Loyalty tier" }));
    expect((screen.getByLabelText("Loyalty tier of Ana Souza") as HTMLInputElement).value).toBe("Gold");
    await fireEvent.click(screen.getByRole("button", { name: "Save" }));
    expect((await screen.findByRole("alert")).textContent).toContain("between 1900 and today");
  });

  it("reveals with a reason for a minute, then masks again", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const full = contact([
      field(1, "Loyalty tier", "Gold", false),
      field(2, "Date of birth", "1990-03-12", false, { kind: "date_of_birth", class: "identity" }),
      field(3, "Allergies", "Nut allergy", false, { class: "health" }),
    ]);
    const calls = mockCore({ contact: () => masked, reveal_contact: () => ({ contact: full, until: Date.now() + 60_000 }) });
    const { rerender } = await openPanel(["sensitive.reveal_identity"]);
    await fireEvent.click(await screen.findByTestId("contact-reveal"));
    const show = screen.getByRole("button", { name: "Show for a minute" }) as HTMLButtonElement;
    expect(show.disabled).toBe(true);
    await fireEvent.input(screen.getByLabelText(/Why do you need to see them/), { target: { value: "birthday voucher" } });
    await fireEvent.click(show);
    await screen.findByText("1990-03-12");
    expect(callsOf(calls, "reveal_contact")[0]).toEqual({ id: 3, reason: "birthday voucher" });
    expect(screen.getByTestId("contact-revealed").textContent).toContain("then masked again");
    // The conversation list refreshes and hands the same contact over again: still shown.
    rerender({ contactId: 3, me: meAs({ capabilities: ["contacts.view", "sensitive.reveal_identity"] }) });
    await vi.advanceTimersByTimeAsync(2_000);
    expect(screen.getByText("1990-03-12")).toBeTruthy();
    expect(callsOf(calls, "contact")).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(61_000);
    await waitFor(() => expect(screen.queryByText("1990-03-12")).toBeNull());
    expect(screen.getByText("**/**/****")).toBeTruthy();
  });

  it("moves the contact to another stage and records their answer about marketing, with how", async () => {
    const answered = { ...masked, consent: { state: "opted_out" as const, at: Date.now(), source: "replied STOP", by: "anna.agent" } };
    const calls = mockCore({
      contact: () => masked,
      set_contact_lifecycle: () => ({ ...masked, lifecycle: "customer" }),
      set_marketing_consent: () => answered,
    });
    await openPanel(["contacts.edit"]);
    expect((await screen.findByTestId("consent")).textContent).toContain("not asked");
    await fireEvent.change(screen.getByRole("combobox", { name: "Stage" }), { target: { value: "customer" } });
    await waitFor(() => expect(callsOf(calls, "set_contact_lifecycle")).toEqual([{ contactId: 3, request: { stage: "customer" } }]));
    await fireEvent.click(screen.getByRole("button", { name: "Record an answer…" }));
    await fireEvent.change(screen.getByLabelText("Their answer"), { target: { value: "opted_out" } });
    await fireEvent.input(screen.getByLabelText("How they answered"), { target: { value: "replied STOP" } });
    await fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(screen.getByTestId("consent").textContent).toContain("said no"));
    expect(screen.getByTestId("consent").textContent).toContain("replied STOP");
    expect(callsOf(calls, "set_marketing_consent")).toEqual([
      { contactId: 3, request: { state: "opted_out", source: "replied STOP" } },
    ]);
  });

  it("merges a duplicate after a confirmation, same names offered first, and shows the kept contact", async () => {
    const ana = masked;
    const twin = { ...contact([]), id: 9, name: "Ana Souza", handle: "@ana_s" };
    const other = { ...contact([]), id: 5, name: "Bo Lin", handle: "+*******0202" };
    const calls = mockCore({
      contact: () => ana,
      contacts: () => [other, ana, twin],
      merge_contacts: () => ({ ...ana, labels: [{ id: 7, name: "VIP", colour: "blue" }] }),
    });
    await openPanel(["contacts.edit", "contacts.delete"]);
    await fireEvent.click(await screen.findByTestId("merge-open"));
    const choice = (await screen.findByLabelText("The same customer, shown as")) as HTMLSelectElement;
    expect(Array.from(choice.options).map((o) => o.textContent)).toEqual([
      "choose a contact…",
      "Ana Souza (@ana_s, Store 12)",
      "Bo Lin (+*******0202, Store 12)",
    ]);
    await fireEvent.change(choice, { target: { value: "9" } });
    await fireEvent.click(screen.getByRole("button", { name: "Merge…" }));
    expect(callsOf(calls, "merge_contacts")).toHaveLength(0);
    await fireEvent.click(screen.getByRole("button", { name: "Merge Ana Souza into Ana Souza" }));
    await waitFor(() => expect(screen.queryByTestId("merge-form")).toBeNull());
    expect(callsOf(calls, "merge_contacts")).toEqual([{ id: 3, request: { duplicate: 9 } }]);
    expect(screen.getByText("VIP")).toBeTruthy();
  });

  it("offers no merge to someone who may not delete contacts", async () => {
    mockCore({ contact: () => masked });
    await openPanel(["contacts.edit"]);
    await screen.findAllByTestId("contact-field");
    expect(screen.queryByTestId("merge-open")).toBeNull();
  });

  it.each([
    ["all of the customer's conversations", undefined, { contact_id: 3, reason: "Case 2291: chargeback dispute" }],
    ["only the conversation beside it", "only this conversation", { conversation_id: 12, reason: "Case 2291: chargeback dispute" }],
  ])("places a legal hold on %s, with why", async (_, scope, request) => {
    const calls = mockCore({ contact: () => masked, place_legal_hold: () => ({}) });
    render(ContactPanel, { contactId: 3, conversationId: 12, me: meAs({ capabilities: ["contacts.view", "retention.manage"] }) });
    await fireEvent.click(screen.getByText("Customer details"));
    await fireEvent.click(await screen.findByTestId("hold-open"));
    if (scope) await fireEvent.click(screen.getByLabelText(scope));
    const place = screen.getByRole("button", { name: "Place the hold" }) as HTMLButtonElement;
    expect(place.disabled).toBe(true);
    await fireEvent.input(screen.getByLabelText(/Why/), { target: { value: "Case 2291: chargeback dispute" } });
    await fireEvent.click(place);
    expect((await screen.findByTestId("hold-placed")).textContent).toContain("legal hold");
    expect(callsOf(calls, "place_legal_hold")[0]).toEqual({ request });
  });

  it("offers no legal hold to someone who does not set retention", async () => {
    mockCore({ contact: () => masked });
    await openPanel(["contacts.edit"]);
    await screen.findAllByTestId("contact-field");
    expect(screen.queryByTestId("hold-open")).toBeNull();
  });

  it("exports everything held about the customer after a fresh code, and says where it went", async () => {
    const calls = mockCore({
      contact: () => masked,
      export_contact_data: (_, n) => {
        if (n === 1) throw { code: "step_up_required", message: "confirm it is you" };
        return { conversations: 1, messages: 12, files: 2, notes: 1, file: "/home/ana/Downloads/countersign-contact-3-1.zip" };
      },
      step_up: () => undefined,
    });
    render(ContactPanel, { contactId: 3, me: meAs({ capabilities: ["contacts.view", "privacy.requests"], second_factor_methods: ["totp"] }) });
    await fireEvent.click(screen.getByText("Customer details"));
    await fireEvent.click(await screen.findByTestId("privacy-open"));
    await fireEvent.click(screen.getByTestId("privacy-export"));
    await fireEvent.input(await screen.findByLabelText("Code"), { target: { value: "123456" } });
    await fireEvent.click(screen.getByRole("button", { name: "Confirm" }));
    expect((await screen.findByTestId("privacy-done")).textContent).toContain("countersign-contact-3-1.zip: 1 conversations, 12 messages, 2 files");
    expect(callsOf(calls, "export_contact_data")).toEqual([{ id: 3 }, { id: 3 }]);
  });

  it("erases the customer only once their name is typed, and tells the list", async () => {
    const onErased = vi.fn();
    const calls = mockCore({
      contact: () => masked,
      erase_contact: () => ({ pseudonym: "7f3a9c", conversations: 1, messages: 12, files: 2, notes: 1, raw_deliveries: 12,
        audit_records_pseudonymised: 30, audit_records_kept: 0 }),
    });
    render(ContactPanel, { contactId: 3, me: meAs({ capabilities: ["contacts.view", "privacy.requests"] }), onErased });
    await fireEvent.click(screen.getByText("Customer details"));
    await fireEvent.click(await screen.findByTestId("privacy-open"));
    await fireEvent.click(screen.getByTestId("erase-open"));
    const erase = screen.getByRole("button", { name: "Erase Ana Souza" }) as HTMLButtonElement;
    await fireEvent.input(screen.getByLabelText(/to confirm/), { target: { value: "Ana" } });
    expect(erase.disabled).toBe(true);
    await fireEvent.input(screen.getByLabelText(/to confirm/), { target: { value: "ana souza" } });
    expect(erase.disabled).toBe(false);
    await fireEvent.click(erase);
    await waitFor(() => expect(onErased).toHaveBeenCalledOnce());
    expect(onErased.mock.calls[0][0]).toContain("erased:7f3a9c");
    expect(callsOf(calls, "erase_contact")).toEqual([{ id: 3, request: { confirm_name: "ana souza" } }]);
  });

  it("offers no privacy request to someone who does not handle them", async () => {
    mockCore({ contact: () => masked });
    await openPanel(["contacts.edit", "contacts.delete"]);
    await screen.findAllByTestId("contact-field");
    expect(screen.queryByTestId("privacy-open")).toBeNull();
  });
});

