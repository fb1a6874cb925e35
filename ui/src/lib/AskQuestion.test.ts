import { afterEach, describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { clearMocks } from "@tauri-apps/api/mocks";
import AskQuestion from "./AskQuestion.svelte";
import { callsOf, message, mockCore } from "./fixtures";
import { expectAccessible } from "./a11y";

afterEach(() => clearMocks());

async function ask(question: string, answers: string[]) {
  await fireEvent.input(screen.getByLabelText("Question"), { target: { value: question } });
  for (let i = 3; i < answers.length; i++) await fireEvent.click(screen.getByRole("button", { name: "Add an answer" }));
  for (const [i, a] of answers.entries()) await fireEvent.input(screen.getByLabelText(`Answer ${i + 1}`), { target: { value: a } });
  await fireEvent.click(screen.getByRole("button", { name: "Ask" }));
}

describe("AskQuestion", () => {
  it.each([
    ["two answers as buttons", ["Leeds", "York"], { type: "buttons", body: "Which store?", buttons: ["Leeds", "York"] }],
    [
      "five answers as a list",
      ["Leeds", "York", "Hull", "Bradford", "Wakefield"],
      { type: "list", body: "Which store?", button: "Choose", rows: ["Leeds", "York", "Hull", "Bradford", "Wakefield"] },
    ],
  ])("sends %s", async (_, answers, sent) => {
    const calls = mockCore({ send_message: () => message({ id: 4, direction: "outbound", text: "Asked: Which store?" }) });
    const onSent = vi.fn();
    const onClose = vi.fn();
    render(AskQuestion, { conversationId: 7, onSent, onClose });
    await ask("Which store?", answers);
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(callsOf(calls, "send_message")).toEqual([{ conversationId: 7, message: sent }]);
    expect(onSent).toHaveBeenCalled();
  });

  it("keeps what was typed and says why when WhatsApp's limits are not met", async () => {
    mockCore({
      send_message: () => {
        throw { code: "invalid", message: "a button's title is between 1 and 20 characters" };
      },
    });
    const onClose = vi.fn();
    render(AskQuestion, { conversationId: 7, onSent: vi.fn(), onClose });
    await ask("Which store?", ["Leeds, Briggate and Trinity"]);
    expect((await screen.findByRole("alert")).textContent).toContain("20 characters");
    await expectAccessible();
    expect((screen.getByLabelText("Question") as HTMLInputElement).value).toBe("Which store?");
    expect(onClose).not.toHaveBeenCalled();
  });
});
