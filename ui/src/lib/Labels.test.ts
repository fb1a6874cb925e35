import { afterEach, describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import { clearMocks } from "@tauri-apps/api/mocks";
import Labels from "./Labels.svelte";
import { callsOf, meAs, mockCore } from "./fixtures";
import type { Label } from "./api";
import { expectAccessible } from "./a11y";

afterEach(() => clearMocks());

const roles = [
  { slug: "admin", name: "Administrator", all_labels: true },
  { slug: "sales", name: "Sales", all_labels: false },
  { slug: "agent", name: "Support agent", all_labels: false },
].map((r) => ({ ...r, description: "", builtin: true, editable: false, assignable: true, grants: [], labels: [], users: 1 }));
const marketing = meAs({ role: "admin", capabilities: ["labels.manage", "roles.view"] });

describe("Labels", () => {
  it("creates a label that only some roles see, and lists who sees it", async () => {
    const dealer: Label = { id: 4, name: "Dealer", colour: "blue", restricted: true, roles: ["sales"], files: "no_documents" };
    const calls = mockCore({
      labels: (_, n) => (n === 1 ? [] : [dealer]),
      roles: () => ({ catalog: [], roles }),
      create_label: () => dealer,
    });
    render(Labels, { me: marketing, onSignedOut: vi.fn() });
    expect((await screen.findByText(/No labels yet/)).textContent).toBeTruthy();
    await expectAccessible();
    await fireEvent.click(screen.getByRole("button", { name: "New label" }));
    const form = screen.getByTestId("label-form");
    await fireEvent.input(within(form).getByRole("textbox", { name: "Name" }), { target: { value: "Dealer" } });
    await fireEvent.change(within(form).getByRole("combobox", { name: "Colour" }), { target: { value: "blue" } });
    await fireEvent.change(within(form).getByRole("combobox", { name: /Files staff may send/ }), { target: { value: "no_documents" } });
    await fireEvent.click(within(form).getByRole("checkbox", { name: /Only some roles/ }));
    // Administrators see every label anyway.
    expect(within(form).queryByRole("checkbox", { name: "Administrator" })).toBeNull();
    await fireEvent.click(within(form).getByRole("checkbox", { name: "Sales" }));
    await fireEvent.click(within(form).getByRole("button", { name: "Save label" }));
    await waitFor(() => expect(screen.getByTestId("label").textContent).toContain("Owners, administrators, Sales"));
    expect(screen.getByTestId("label-files").textContent).toBe("Photos, videos and audio, no documents");
    expect(callsOf(calls, "create_label")).toEqual([
      { request: { name: "Dealer", colour: "blue", restricted: true, roles: ["sales"], files: "no_documents" } },
    ]);
  });

  it("deletes a label only once confirmed", async () => {
    const vip: Label = { id: 5, name: "VIP", colour: "purple", restricted: false, roles: [], files: "any" };
    const calls = mockCore({
      labels: (_, n) => (n === 1 ? [vip] : []),
      roles: () => ({ catalog: [], roles }),
      delete_label: () => undefined,
    });
    render(Labels, { me: marketing, onSignedOut: vi.fn() });
    expect((await screen.findByTestId("label")).textContent).toContain("Everyone who sees the contact");
    await fireEvent.click(screen.getByRole("button", { name: "Delete…" }));
    expect(callsOf(calls, "delete_label")).toEqual([]);
    await fireEvent.click(screen.getByRole("button", { name: "Delete “VIP”" }));
    expect((await screen.findByRole("status")).textContent).toContain("taken off every contact");
    expect(callsOf(calls, "delete_label")).toEqual([{ id: 5 }]);
  });
});
