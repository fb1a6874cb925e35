import { describe, expect, it } from "vitest";
import { formatTime, parseCoordinates, renderTemplate, statusLabel } from "./format";
import { orderShipped } from "./fixtures";

describe("statusLabel", () => {
  it.each([
    ["queued", "Waiting to send"],
    ["accepted", "Sent to WhatsApp"],
    ["read", "Read"],
    ["failed", "Not delivered"],
    ["some_new_status", "some_new_status"],
  ])("%s reads as %s", (status, label) => expect(statusLabel(status)).toBe(label));

  it("shows nothing for inbound messages", () => expect(statusLabel(null)).toBe(""));
});

describe("formatTime", () => {
  it("shows only the time for today and the date for older messages", () => {
    const now = new Date(2026, 10, 25, 15, 0);
    expect(formatTime(new Date(2026, 10, 25, 9, 5).getTime(), now)).not.toMatch(/Nov/);
    expect(formatTime(new Date(2026, 10, 20, 9, 5).getTime(), now)).toMatch(/Nov|20/);
  });
});

describe("parseCoordinates", () => {
  it.each([
    ["53.7997, -1.5492", { latitude: 53.7997, longitude: -1.5492 }],
    ["53.7997,-1.5492", { latitude: 53.7997, longitude: -1.5492 }],
    [" 53.7997 -1.5492 ", { latitude: 53.7997, longitude: -1.5492 }],
    ["https://www.google.com/maps/place/Leeds/@53.7997,-1.5492,17z", { latitude: 53.7997, longitude: -1.5492 }],
    ["91, 0", null],
    ["53.8, 181", null],
    ["Leeds", null],
    ["", null],
  ])("reads %j", (text, point) => {
    expect(parseCoordinates(text)).toEqual(point);
  });
});

describe("renderTemplate", () => {
  const shipped = orderShipped;

  it("shows the buttons as the core records them, the link filled in", () => {
    expect(renderTemplate(shipped, ["Ben", "JD0142"])).toBe(
      "Good news Ben: your order is on its way.\n[Track parcel: https://track.example/parcel/JD0142]\n[Call me back]",
    );
  });

  it("leaves what is not filled in yet as a placeholder", () => {
    expect(renderTemplate(shipped, ["", "$&"])).toBe(
      "Good news {{1}}: your order is on its way.\n[Track parcel: https://track.example/parcel/$&]\n[Call me back]",
    );
  });
});
