import { describe, expect, it } from "vitest";
import { parseEntries, showEntries } from "./allowlist";

describe("allowlist text", () => {
  it.each([
    ["", []],
    ["10.1.0.0/16", [{ cidr: "10.1.0.0/16", role: null }]],
    ["  192.168.5.0/24   manager  ", [{ cidr: "192.168.5.0/24", role: "manager" }]],
    ["# the stores\n10.0.0.0/8\n\n2001:db8::/32 admin", [
      { cidr: "10.0.0.0/8", role: null },
      { cidr: "2001:db8::/32", role: "admin" },
    ]],
  ])("reads %j", (text, entries) => {
    expect(parseEntries(text)).toEqual(entries);
  });

  it("writes what it reads", () => {
    const text = "10.0.0.0/8\n2001:db8::/32 admin";
    expect(showEntries(parseEntries(text))).toBe(text);
  });
});
