// Automated accessibility checks (axe-core) for the component tests: every control labelled,
// names unique where they must be, ARIA used as specified, landmarks and headings in order.
// jsdom does no layout, so colour contrast is checked in the real web view by the end-to-end
// tests instead, with the same engine; "region" needs a whole page, which a component is not.
import axe from "axe-core";
import { expect } from "vitest";

/** Fails the test with one line per problem axe finds under `root`. */
export async function expectAccessible(root: Element = document.body): Promise<void> {
  const results = await axe.run(root, {
    resultTypes: ["violations"],
    rules: { "color-contrast": { enabled: false }, region: { enabled: false } },
  });
  const problems = results.violations.flatMap((v) =>
    v.nodes.map((n) => `${v.id}: ${v.help} — ${n.target.join(" ")}`),
  );
  expect(problems).toEqual([]);
}
