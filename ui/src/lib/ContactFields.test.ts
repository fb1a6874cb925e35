import { afterEach, describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { clearMocks } from "@tauri-apps/api/mocks";
import ContactFields from "./ContactFields.svelte";
import { callsOf, meAs, mockCore } from "./fixtures";
import { expectAccessible } from "./a11y";

const admin = meAs({ role: "admin", capabilities: ["security.manage"], second_factor_methods: ["totp"] });
const tier = { id: 1, name: "Loyalty tier", kind: "text", class: "none" };

afterEach(() => clearMocks());

describe("ContactFields", () => {
  it("adds a date of birth, suggesting the identity class for it", async () => {
    const calls = mockCore({
      contact_fields: () => [tier],
      create_contact_field: ({ request }) => ({ id: 2, ...(request as object) }),
    });
    render(ContactFields, { me: admin, onSignedOut: vi.fn() });
    expect((await screen.findAllByTestId("contact-field-row"))[0].textContent).toContain("Not sensitive");
    await expectAccessible();
    await fireEvent.input(screen.getByLabelText("Name"), { target: { value: "Date of birth" } });
    await fireEvent.change(screen.getByLabelText("Holds"), { target: { value: "date_of_birth" } });
    expect((screen.getByLabelText(/^Sensitivity/) as HTMLSelectElement).value).toBe("identity");
    await fireEvent.click(screen.getByRole("button", { name: "Add field" }));
    await waitFor(() => expect(screen.getAllByTestId("contact-field-row")).toHaveLength(2));
    expect(callsOf(calls, "create_contact_field")[0]).toEqual({
      request: { name: "Date of birth", kind: "date_of_birth", class: "identity" },
    });
    expect(screen.getAllByTestId("contact-field-row")[1].textContent).toContain("Identity");
  });

  it("asks for a fresh code before reclassifying, then saves", async () => {
    const calls = mockCore({
      contact_fields: () => [tier],
      update_contact_field: (_, n) => {
        if (n === 1) throw { code: "step_up_required", message: "confirm it is you" };
        return { ...tier, class: "financial" };
      },
      step_up: () => undefined,
    });
    render(ContactFields, { me: admin, onSignedOut: vi.fn() });
    await fireEvent.click(await screen.findByRole("button", { name: "Change" }));
    await fireEvent.change(screen.getByLabelText("Sensitivity of Loyalty tier"), { target: { value: "financial" } });
    await fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await fireEvent.input(await screen.findByLabelText("Code"), { target: { value: "123456" } });
    await fireEvent.click(screen.getByRole("button", { name: "Confirm" }));
    expect((await screen.findByRole("status")).textContent).toContain("Field saved.");
    expect(callsOf(calls, "update_contact_field")[1]).toEqual({ id: 1, request: { name: "Loyalty tier", class: "financial" } });
    expect(screen.getByTestId("contact-field-row").textContent).toContain("Financial");
  });

  it("deletes a field only once the administrator confirms", async () => {
    const calls = mockCore({ contact_fields: () => [tier], delete_contact_field: () => undefined });
    render(ContactFields, { me: admin, onSignedOut: vi.fn() });
    await fireEvent.click(await screen.findByRole("button", { name: "Delete…" }));
    expect(screen.getByText(/Every customer's value of it is deleted too/)).toBeTruthy();
    expect(callsOf(calls, "delete_contact_field")).toHaveLength(0);
    await fireEvent.click(screen.getByRole("button", { name: "Delete Loyalty tier" }));
    await waitFor(() => expect(screen.queryByTestId("contact-field-row")).toBeNull());
    expect(callsOf(calls, "delete_contact_field")[0]).toEqual({ id: 1 });
  });
});
