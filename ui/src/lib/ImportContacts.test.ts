import { afterEach, describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { clearMocks } from "@tauri-apps/api/mocks";
import ImportContacts from "./ImportContacts.svelte";
import { sectionsFor } from "./admin";
import { callsOf, meAs, mockCore } from "./fixtures";
import { expectAccessible } from "./a11y";

afterEach(() => clearMocks());

const manager = meAs({ capabilities: ["contacts.create", "contacts.assign"] });
const CSV = "phone,name\n+44 7911 123456,Ana\n07911 123457,Bo\n";

async function choose(csv: string, name = "store-12.csv") {
  const input = screen.getByLabelText("File") as HTMLInputElement;
  await fireEvent.change(input, { target: { files: [new File([csv], name, { type: "text/csv" })] } });
  await screen.findByText(new RegExp(name));
}

describe("Import contacts", () => {
  it("checks the file first, lists each line's problem, then imports what was checked", async () => {
    const calls = mockCore({
      teams: () => [{ id: 2, name: "Leeds", default: false, members: null, hours: null }],
      import_contacts: (args) => {
        const dry = (args.request as { dry_run: boolean }).dry_run;
        return {
          dry_run: dry,
          created: 1,
          existing: 0,
          rejected: 1,
          problems: [{ line: 3, message: "the phone number needs its country code (+44 …)" }],
        };
      },
    });
    render(ImportContacts, { me: manager, onSignedOut: vi.fn() });
    const run = screen.getByTestId("import-run") as HTMLButtonElement;
    expect(run.disabled).toBe(true);
    await choose(CSV);
    await fireEvent.change(await screen.findByLabelText("Rows without a team go to"), { target: { value: "2" } });
    await expectAccessible();
    expect(run.disabled).toBe(true);
    await fireEvent.click(screen.getByRole("button", { name: "Check the file" }));
    const report = await screen.findByTestId("import-report");
    const words = (el: HTMLElement) => el.textContent?.replace(/\s+/g, " ") ?? "";
    expect(words(report)).toContain("If imported: 1 new contact would be created, 0 numbers are a contact already, 1 line has a problem.");
    expect(screen.getByTestId("import-problem").textContent).toBe("Line 3: the phone number needs its country code (+44 …)");
    await waitFor(() => expect(run.disabled).toBe(false));
    expect(run.textContent).toContain("Import 1 contact");
    await fireEvent.click(run);
    await waitFor(() => expect(words(screen.getByTestId("import-report"))).toContain("Imported: 1 new contact created"));
    expect(callsOf(calls, "import_contacts")).toEqual([
      { request: { csv: CSV, dry_run: true, team: 2 } },
      { request: { csv: CSV, dry_run: false, team: 2 } },
    ]);
    // Done: importing again needs a fresh check.
    expect(run.disabled).toBe(true);
  });

  it("asks for a new check when the team changes after one", async () => {
    mockCore({
      teams: () => [{ id: 2, name: "Leeds", default: false, members: null, hours: null }],
      import_contacts: () => ({ dry_run: true, created: 2, existing: 0, rejected: 0, problems: [] }),
    });
    render(ImportContacts, { me: manager, onSignedOut: vi.fn() });
    await choose(CSV);
    await fireEvent.click(screen.getByRole("button", { name: "Check the file" }));
    const run = screen.getByTestId("import-run") as HTMLButtonElement;
    await waitFor(() => expect(run.disabled).toBe(false));
    await fireEvent.change(screen.getByLabelText("Rows without a team go to"), { target: { value: "2" } });
    expect(run.disabled).toBe(true);
  });

  it("shows a refused file's reason and offers nothing to import", async () => {
    mockCore({
      teams: () => [],
      import_contacts: () => ({
        dry_run: true,
        created: 0,
        existing: 0,
        rejected: 0,
        problems: [{ line: null, message: "these columns name nothing known, so their values would be lost: \"shoe size\"" }],
      }),
    });
    render(ImportContacts, { me: manager, onSignedOut: vi.fn() });
    await choose("phone,shoe size\n+447911123456,9\n");
    await fireEvent.click(screen.getByRole("button", { name: "Check the file" }));
    expect((await screen.findByTestId("import-problem")).textContent).toContain("The file: these columns name nothing known");
    expect((screen.getByTestId("import-run") as HTMLButtonElement).disabled).toBe(true);
  });

  it("is offered to those who may create and place contacts, not to every agent", () => {
    const names = (caps: string[]) => sectionsFor(meAs({ capabilities: caps })).map((s) => s.section);
    expect(names(["contacts.create", "contacts.assign"])).toContain("import");
    expect(names(["contacts.create"])).not.toContain("import");
  });
});
