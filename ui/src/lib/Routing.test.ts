import { afterEach, describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import { clearMocks } from "@tauri-apps/api/mocks";
import Routing from "./Routing.svelte";
import { callsOf, meAs, mockCore } from "./fixtures";
import type { Routing as RoutingView, RoutingRule } from "./api";
import { expectAccessible } from "./a11y";

afterEach(() => clearMocks());

const admin = meAs({ capabilities: ["routing.view", "routing.edit"] });
const teams = [
  { id: 2, name: "Leeds", members: [] },
  { id: 3, name: "York", members: [] },
];
const leeds: RoutingRule = {
  id: 1,
  position: 1,
  version: 2,
  rule: { name: "Leeds picked", enabled: true, when: { answers: ["Leeds"] }, then: { team: 2, agent: "round_robin" } },
  updated_by: "root.owner",
  updated_at: Date.now(),
};
const ask: RoutingRule = {
  ...leeds,
  id: 2,
  position: 2,
  version: 1,
  rule: { name: "Ask", enabled: true, when: {}, then: { reply: { type: "list", body: "Which store?", button: "Stores", rows: ["Leeds", "York"] } } },
};
const view = (rules: RoutingRule[]): RoutingView => ({ rules, default_team: { id: 3, name: "York" } });

function core(more: Record<string, (a: Record<string, unknown>, n: number) => unknown> = {}) {
  return mockCore({ routing_rules: () => view([leeds, ask]), teams: () => teams, labels: () => [], ...more });
}

describe("Routing", () => {
  it("lists the rules in order, in words, with their version and the default team", async () => {
    core();
    render(Routing, { me: admin, onSignedOut: vi.fn() });
    const rules = await screen.findAllByTestId("rule");
    await expectAccessible();
    expect(rules.map((r) => r.querySelector("strong")?.textContent)).toEqual(["Leeds picked", "Ask"]);
    expect(rules[0].textContent).toContain("When the customer picks Leeds: send to Leeds, give to members in turn.");
    expect(rules[1].textContent).toContain("Every new chat: ask “Which store?”.");
    expect(rules[0].textContent).toContain("Version 2, by root.owner");
    expect((screen.getByRole("combobox", { name: /New chats go to/ }) as HTMLSelectElement).value).toBe("3");
  });

  it("writes a rule from the form in the core's words", async () => {
    const calls = core({ save_routing_rule: () => view([leeds, ask]) });
    render(Routing, { me: admin, onSignedOut: vi.fn() });
    await fireEvent.click(await screen.findByTestId("new-rule"));
    const form = within(screen.getByTestId("rule-form"));
    await fireEvent.input(form.getByLabelText("Name"), { target: { value: "Refunds" } });
    await fireEvent.input(form.getByLabelText("The message says"), { target: { value: "refund, money back" } });
    await fireEvent.input(form.getByLabelText("Their number starts with"), { target: { value: "+44" } });
    await fireEvent.change(form.getByLabelText("Send to team"), { target: { value: "3" } });
    await fireEvent.change(form.getByLabelText("Priority"), { target: { value: "urgent" } });
    await fireEvent.click(form.getByRole("button", { name: "Save rule" }));
    await waitFor(() => expect(callsOf(calls, "save_routing_rule")).toHaveLength(1));
    expect(callsOf(calls, "save_routing_rule")[0]).toEqual({
      request: {
        id: null,
        position: null,
        rule: { name: "Refunds", enabled: true, when: { keywords: ["refund", "money back"], country_codes: ["44"] }, then: { team: 3, priority: "urgent" } },
      },
    });
    expect((await screen.findByRole("status")).textContent).toContain("Rule “Refunds” saved.");
  });

  it("writes rules on language, a contact field and business hours, and tries them at a time", async () => {
    const tier = { id: 4, name: "Tier", kind: "text", class: "none" };
    const card = { id: 5, name: "Card on file", kind: "text", class: "financial" };
    const closed: RoutingRule = {
      ...leeds,
      id: 3,
      rule: { name: "Leeds closed", enabled: true, when: { answers: ["Leeds"], open: false, languages: ["Spanish"], fields: [{ field: 4, is: ["Gold"] }] }, then: { team: 2 } },
    };
    const calls = core({
      routing_rules: () => view([closed]),
      contact_fields: () => [tier, card],
      save_routing_rule: () => view([closed]),
      test_routing: () => ({ rule: { id: 3, name: "Leeds closed" }, outcome: ["Leeds is closed then.", "Goes to Leeds."] }),
    });
    render(Routing, { me: admin, onSignedOut: vi.fn() });
    const [rule] = await screen.findAllByTestId("rule");
    expect(rule.textContent).toContain("When the customer picks Leeds and they write in Spanish and Tier is Gold and Leeds is closed: send to Leeds.");

    await fireEvent.click(screen.getByTestId("new-rule"));
    const form = within(screen.getByTestId("rule-form"));
    // Only fields without a sensitivity class are offered: rules are read by all who may view routing.
    const field = form.getByLabelText("Their contact's field");
    expect(within(field).queryByRole("option", { name: "Card on file" })).toBeNull();
    expect((form.getByLabelText("The team it is sent to is") as HTMLSelectElement).disabled).toBe(true);
    await fireEvent.input(form.getByLabelText("Name"), { target: { value: "Welsh gold" } });
    await fireEvent.input(form.getByLabelText("They write in"), { target: { value: "Welsh, cym" } });
    await fireEvent.change(field, { target: { value: "4" } });
    await fireEvent.input(form.getByLabelText("is"), { target: { value: "Gold, Platinum" } });
    await fireEvent.change(form.getByLabelText("Send to team"), { target: { value: "2" } });
    await fireEvent.change(form.getByLabelText("The team it is sent to is"), { target: { value: "open" } });
    await fireEvent.click(form.getByRole("button", { name: "Save rule" }));
    await waitFor(() => expect(callsOf(calls, "save_routing_rule")).toHaveLength(1));
    expect((callsOf(calls, "save_routing_rule")[0] as { request: { rule: unknown } }).request.rule).toEqual({
      name: "Welsh gold",
      enabled: true,
      when: { languages: ["Welsh", "cym"], fields: [{ field: 4, is: ["Gold", "Platinum"] }], open: true },
      then: { team: 2 },
    });

    const trial = within(screen.getByTestId("routing-trial"));
    await fireEvent.input(trial.getByLabelText("Or picks"), { target: { value: "Leeds" } });
    await fireEvent.input(trial.getByLabelText(/^At/), { target: { value: "2026-01-05T19:00" } });
    await fireEvent.change(trial.getByLabelText("Their contact's field"), { target: { value: "4" } });
    await fireEvent.input(trial.getByLabelText("is"), { target: { value: "Gold" } });
    await fireEvent.click(trial.getByRole("button", { name: "Test" }));
    expect((await screen.findByTestId("trial-result")).textContent).toContain("Leeds is closed then.");
    const sent = callsOf(calls, "test_routing")[0] as { request: { at: number; fields: unknown } };
    expect(sent.request.at).toBe(new Date("2026-01-05T19:00").getTime());
    expect(sent.request.fields).toEqual([{ field: 4, value: "Gold" }]);
  });

  it("answers with a template only if it is approved, not marketing and has nothing to fill in", async () => {
    const base = { status: "APPROVED", category: "UTILITY", header: null, media_header: null, body: "Thanks", footer: null, source: "graph", slots: [], buttons: [], audience: [] };
    const calls = core({
      templates: () => [
        { ...base, name: "we_reply_soon", language: "en_GB" },
        { ...base, name: "order_ready", language: "en_GB", slots: [{ part: "body", name: "1", button: null }] },
        { ...base, name: "winter_sale", language: "en_GB", category: "MARKETING" },
        { ...base, name: "draft", language: "en_GB", status: "PENDING" },
      ],
      save_routing_rule: () => view([leeds, ask]),
    });
    render(Routing, { me: admin, onSignedOut: vi.fn() });
    await fireEvent.click(await screen.findByTestId("new-rule"));
    const form = within(screen.getByTestId("rule-form"));
    await fireEvent.input(form.getByLabelText("Name"), { target: { value: "Greet" } });
    await fireEvent.change(form.getByLabelText("Answer the customer"), { target: { value: "template" } });
    const choice = form.getByLabelText(/^Template/);
    expect(within(choice).getAllByRole("option").map((o) => o.textContent)).toEqual(["choose…", "we_reply_soon (en_GB)"]);
    await fireEvent.change(choice, { target: { value: "we_reply_soon/en_GB" } });
    await fireEvent.click(form.getByRole("button", { name: "Save rule" }));
    await waitFor(() => expect(callsOf(calls, "save_routing_rule")).toHaveLength(1));
    expect((callsOf(calls, "save_routing_rule")[0] as { request: { rule: { then: unknown } } }).request.rule.then).toEqual({
      reply: { type: "template", name: "we_reply_soon", language: "en_GB" },
    });
  });

  it("moves a rule up by swapping places with the one above", async () => {
    const calls = core({ save_routing_rule: () => view([ask, leeds]) });
    render(Routing, { me: admin, onSignedOut: vi.fn() });
    await fireEvent.click(await screen.findByRole("button", { name: "Move Ask up" }));
    await waitFor(() => expect(callsOf(calls, "save_routing_rule")).toHaveLength(2));
    const saves = callsOf(calls, "save_routing_rule") as { request: { id: number; position: number } }[];
    expect(saves.map((s) => [s.request.id, s.request.position])).toEqual([[2, 1], [1, 2]]);
  });

  it("shows which rule a test message fires, and the core's reason when a rule is refused", async () => {
    core({
      test_routing: () => ({ rule: { id: 1, name: "Leeds picked" }, outcome: ["Goes to Leeds."] }),
      save_routing_rule: () => {
        throw { code: "invalid", message: "there is no such team" };
      },
    });
    render(Routing, { me: admin, onSignedOut: vi.fn() });
    const trial = within(await screen.findByTestId("routing-trial"));
    await fireEvent.input(trial.getByLabelText("Or picks"), { target: { value: "Leeds" } });
    await fireEvent.click(trial.getByRole("button", { name: "Test" }));
    expect((await screen.findByTestId("trial-result")).textContent).toContain("“Leeds picked” fires. Goes to Leeds.");
    await fireEvent.click(screen.getByTestId("new-rule"));
    const form = within(screen.getByTestId("rule-form"));
    await fireEvent.input(form.getByLabelText("Name"), { target: { value: "Ghost" } });
    await fireEvent.click(form.getByRole("button", { name: "Save rule" }));
    expect((await screen.findByRole("alert")).textContent).toContain("there is no such team");
    expect(screen.getByTestId("rule-form")).toBeTruthy();
  });

  it("shows a manager the rules without anything to change them", async () => {
    core();
    render(Routing, { me: meAs({ capabilities: ["routing.view"] }), onSignedOut: vi.fn() });
    await screen.findAllByTestId("rule");
    expect(screen.queryByTestId("new-rule")).toBeNull();
    expect(screen.queryByRole("button", { name: "Change" })).toBeNull();
    expect((screen.getByRole("combobox", { name: /New chats go to/ }) as HTMLSelectElement).disabled).toBe(true);
  });
});
