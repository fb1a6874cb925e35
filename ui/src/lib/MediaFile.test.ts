import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen } from "@testing-library/svelte";
import { clearMocks } from "@tauri-apps/api/mocks";
import MediaFile from "./MediaFile.svelte";
import { callsOf, mockCore } from "./fixtures";
import type { Content } from "./api";
import { expectAccessible } from "./a11y";

type MediaContent = Extract<Content, { type: "media" }>;
const photo: MediaContent = {
  type: "media",
  media: "image",
  caption: "This pair",
  filename: null,
  mime_type: "image/png",
  file: "stored",
  problem: null,
  size: 2048,
};

beforeEach(() => {
  URL.createObjectURL = vi.fn(() => "blob:countersign/1");
  URL.revokeObjectURL = vi.fn();
});
afterEach(() => clearMocks());

describe("MediaFile", () => {
  it("shows a kept photo from the core's bytes, and releases them when it leaves", async () => {
    const calls = mockCore({ message_media: () => new Uint8Array([0x89, 0x50]).buffer });
    const { unmount } = render(MediaFile, { messageId: 7, content: photo });
    const img = (await screen.findByRole("img", { name: "This pair" })) as HTMLImageElement;
    await expectAccessible();
    expect(img.src).toBe("blob:countersign/1");
    expect(callsOf(calls, "message_media")).toEqual([{ messageId: 7 }]);
    expect(screen.getByTestId("save-media").textContent).toContain("2 KB");
    unmount();
    expect(URL.revokeObjectURL).toHaveBeenCalledWith("blob:countersign/1");
  });

  it("fetches a document only when asked to save it", async () => {
    const calls = mockCore({ message_media: () => new Uint8Array([1]).buffer });
    const click = vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(() => {});
    render(MediaFile, { messageId: 9, content: { ...photo, media: "document", filename: "receipt.pdf", mime_type: "application/pdf" } });
    expect(callsOf(calls, "message_media")).toEqual([]);
    await fireEvent.click(screen.getByTestId("save-media"));
    await vi.waitFor(() => expect(click).toHaveBeenCalled());
    expect(callsOf(calls, "message_media")).toEqual([{ messageId: 9 }]);
  });

  it.each([
    ["pending", "downloading from WhatsApp…"],
    ["refused", "not kept: this kind of file is not allowed"],
  ] as const)("says why a %s file is not shown, without asking the core for it", (file, problem) => {
    const calls = mockCore({});
    render(MediaFile, { messageId: 3, content: { ...photo, file, problem } });
    expect(screen.getByTestId("media-problem").textContent).toBe(problem);
    expect(screen.queryByRole("img")).toBeNull();
    expect(calls).toEqual([]);
  });
});
