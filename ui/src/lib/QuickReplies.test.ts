import { afterEach, describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import { clearMocks } from "@tauri-apps/api/mocks";
import QuickReplies from "./QuickReplies.svelte";
import { callsOf, meAs, mockCore } from "./fixtures";
import { expectAccessible } from "./a11y";

afterEach(() => clearMocks());

const manager = meAs({ capabilities: ["quick_replies.manage"] });
const hours = { id: 1, team: { id: 2, name: "Leeds" }, shortcut: "hours", body: "We open at 9.", filled: null };

describe("QuickReplies", () => {
  it("lists saved answers and saves a new one for a team", async () => {
    const calls = mockCore({
      quick_replies: () => [hours],
      teams: () => [{ id: 2, name: "Leeds", members: [] }],
      save_quick_reply: () => [hours, { ...hours, id: 2, shortcut: "returns", body: "Returns within 30 days." }],
    });
    render(QuickReplies, { me: manager, onSignedOut: vi.fn() });
    expect((await screen.findByTestId("quick-reply-row")).textContent).toContain("/hoursLeedsWe open at 9.");
    await expectAccessible();
    await fireEvent.click(screen.getByTestId("new-quick-reply"));
    const form = within(screen.getByTestId("quick-form"));
    await fireEvent.input(form.getByLabelText("Shortcut"), { target: { value: "/returns" } });
    await fireEvent.input(form.getByLabelText("Text"), { target: { value: "Returns within 30 days." } });
    await fireEvent.click(form.getByRole("button", { name: "Save quick reply" }));
    await waitFor(() => expect(screen.getAllByTestId("quick-reply-row")).toHaveLength(2));
    expect(callsOf(calls, "save_quick_reply")).toEqual([
      { request: { id: null, team: 2, shortcut: "/returns", body: "Returns within 30 days." } },
    ]);
    expect((await screen.findByRole("status")).textContent).toContain("Quick reply /returns saved.");
  });

  it("shows the core's reason when a reply is refused, and keeps what was typed", async () => {
    mockCore({
      quick_replies: () => [],
      teams: () => [],
      save_quick_reply: () => {
        throw { code: "invalid", message: "{{first_name}} is not a placeholder" };
      },
    });
    render(QuickReplies, { me: manager, onSignedOut: vi.fn() });
    expect((await screen.findByText(/None yet/)).textContent).toContain("opening hours");
    await fireEvent.click(screen.getByTestId("new-quick-reply"));
    const form = within(screen.getByTestId("quick-form"));
    await fireEvent.input(form.getByLabelText("Shortcut"), { target: { value: "hi" } });
    await fireEvent.input(form.getByLabelText("Text"), { target: { value: "Hi {{first_name}}" } });
    await fireEvent.click(form.getByRole("button", { name: "Save quick reply" }));
    expect((await screen.findByRole("alert")).textContent).toContain("is not a placeholder");
    expect((form.getByLabelText("Text") as HTMLTextAreaElement).value).toBe("Hi {{first_name}}");
  });
});
