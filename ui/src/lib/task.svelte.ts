// What an administration screen does with a change: one at a time, a fresh second factor when
// the core asks for one (step-up, then the change runs again), its outcome in one place. An
// ended session leaves the screen for sign-in; any other refusal shows the core's message.
import { asCoreError, type CoreError } from "./api";
import { StepUpGate } from "./stepUpGate.svelte";

export class Task {
  error = $state<string | null>(null);
  notice = $state<string | null>(null);
  busy = $state(false);
  readonly gate: StepUpGate;

  readonly #onSignedOut: () => void;

  constructor(onSignedOut: () => void) {
    this.#onSignedOut = onSignedOut;
    this.gate = new StepUpGate((err) => this.#refused(err));
  }

  /** Shows why a call failed (or leaves for sign-in when the session has ended). */
  fail(e: unknown): void {
    this.#refused(asCoreError(e));
  }

  #refused(err: CoreError): void {
    if (err.code === "unauthenticated") this.#onSignedOut();
    else this.error = err.message;
  }

  /** Runs `change`; `done` is shown once it succeeded. */
  async run(change: () => Promise<void>, done?: string): Promise<void> {
    this.busy = true;
    this.error = null;
    this.notice = null;
    await this.gate.run(async () => {
      await change();
      if (done) this.notice = done;
    });
    this.busy = false;
  }
}
