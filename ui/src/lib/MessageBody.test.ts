import { describe, expect, it } from "vitest";
import { render } from "@testing-library/svelte";
import MessageBody from "./MessageBody.svelte";
import { message } from "./fixtures";
import type { Content } from "./api";

const noFile = { file: null, problem: null, size: null };
const shown = (content: Content, changes = {}) =>
  render(MessageBody, { message: message({ content, ...changes }) }).container.textContent?.replace(/\s+/g, " ").trim();

describe("MessageBody", () => {
  it.each<[string, Content, string[]]>([
    ["a photo with its caption", { type: "media", media: "image", caption: "Scratch on the heel", filename: null, mime_type: "image/jpeg", ...noFile }, ["Photo", "Scratch on the heel"]],
    ["a voice note", { type: "media", media: "voice", caption: null, filename: null, mime_type: "audio/ogg", ...noFile }, ["Voice message"]],
    ["a document by name", { type: "media", media: "document", caption: null, filename: "receipt.pdf", mime_type: "application/pdf", ...noFile }, ["Document", "receipt.pdf"]],
    ["a place", { type: "location", latitude: 53.8008, longitude: -1.5491, name: "Store 12", address: "Briggate, Leeds" }, ["Location", "Store 12, Briggate, Leeds", "53.80080"]],
    ["a contact card", { type: "contacts", contacts: [{ name: "Barbara Johnson", phones: ["+1 415 555 0829"], company: "Social Tsunami" }] }, ["Barbara Johnson", "+1 415 555 0829", "Social Tsunami"]],
    ["a chosen list entry", { type: "choice", title: "Leeds, Briggate" }, ["Chose", "Leeds, Briggate"]],
    ["a form's answers", { type: "form", body: "Sent", answers: [{ name: "size", value: "39" }] }, ["Form", "size", "39"]],
    ["an order", { type: "order", note: "for Friday", lines: [{ product: "TRAIL-39", quantity: 2, price: null, currency: null }] }, ["Order", "for Friday", "2 ×", "TRAIL-39"]],
    ["a notice", { type: "notice", body: "Reacted 👍" }, ["Reacted 👍"]],
    ["a message whose content retention removed", { type: "removed", at: Date.UTC(2026, 0, 5) }, ["Removed under the retention policy", "on "]],
    ["a question we asked", { type: "question", body: "Which store suits you?", options: ["Leeds", "York"] }, ["Asked", "Which store suits you?", "Leeds", "York"]],
    ["an unsupported type with WhatsApp's reason", { type: "unsupported", kind: "hologram", reason: "Message type is currently not supported." }, ["Unsupported message (hologram)", "not supported"]],
  ])("shows %s", (_, content, parts) => {
    const text = shown(content);
    for (const part of parts) expect(text).toContain(part);
  });

  it("shows what a message answers, that it was forwarded, the ad it came from, and the customer's marks", () => {
    const text = shown(
      { type: "text", body: "Size 40 please" },
      { quote: "Is the blue one in stock?", forwarded: "frequently_forwarded", referral: { headline: "Winter sale", source_url: null }, reaction: "👍", edited: true, deleted: true },
    );
    for (const part of ["Is the blue one in stock?", "Forwarded many times", "Came from an ad: Winter sale", "👍", "Edited by the customer", "Deleted by the customer"]) {
      expect(text).toContain(part);
    }
  });
});
