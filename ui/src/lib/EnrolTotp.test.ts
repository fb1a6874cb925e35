import { afterEach, describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import EnrolTotp from "./EnrolTotp.svelte";
import { meAs } from "./fixtures";
import { expectAccessible } from "./a11y";

afterEach(() => clearMocks());

const me = meAs({ second_factor_enrolment_required: true });
const enrolment = {
  secret: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
  otpauth_url: "otpauth://totp/Countersign:anna?secret=JBSWY3DPEHPK3PXP",
  qr_svg: '<svg xmlns="http://www.w3.org/2000/svg"></svg>',
};

describe("EnrolTotp", () => {
  it("shows the secret, confirms a code, then shows the recovery codes once", async () => {
    const calls: string[] = [];
    mockIPC((cmd) => {
      calls.push(cmd);
      if (cmd === "begin_totp_enrolment") return enrolment;
      if (cmd === "confirm_totp_enrolment") return { codes: ["abcde-fghjk", "mnpqr-stuvw"] };
      throw new Error(cmd);
    });
    const onDone = vi.fn();
    render(EnrolTotp, { me, onDone, onSignedOut: vi.fn() });
    expect((await screen.findByTestId("totp-secret")).textContent).toBe(enrolment.secret);
    await expectAccessible();
    expect(screen.getByRole("img").getAttribute("src")).toMatch(/^data:image\/svg\+xml/);
    await fireEvent.input(screen.getByLabelText("Code from the app"), { target: { value: "123456" } });
    await fireEvent.click(screen.getByRole("button", { name: "Confirm" }));
    const codes = await screen.findByTestId("recovery-codes");
    expect(codes.textContent).toContain("abcde-fghjk");
    expect(screen.queryByTestId("totp-secret")).toBeNull();
    await fireEvent.click(screen.getByRole("button", { name: "I have saved them" }));
    await waitFor(() => expect(onDone).toHaveBeenCalledWith(expect.objectContaining({ second_factor_enrolment_required: false })));
    expect(calls).toEqual(["begin_totp_enrolment", "confirm_totp_enrolment"]);
  });

  it("keeps the user on the screen with the reason when a code is wrong", async () => {
    mockIPC((cmd) => {
      if (cmd === "begin_totp_enrolment") return enrolment;
      throw { code: "invalid", message: "that code is not correct; check the phone's clock and try the next code" };
    });
    render(EnrolTotp, { me, onDone: vi.fn(), onSignedOut: vi.fn() });
    await screen.findByTestId("totp-secret");
    await fireEvent.input(screen.getByLabelText("Code from the app"), { target: { value: "000000" } });
    await fireEvent.click(screen.getByRole("button", { name: "Confirm" }));
    expect((await screen.findByRole("alert")).textContent).toContain("phone's clock");
    expect(screen.queryByTestId("recovery-codes")).toBeNull();
  });
});
