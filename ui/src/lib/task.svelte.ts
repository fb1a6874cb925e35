// What an administration screen does with a change: one at a time, a fresh second factor when
// the core asks for one (step-up, then the change runs again), its outcome in one place. An
// ended session leaves the screen for sign-in; any other refusal shows the core's message.
import { StepUpGate } from "./stepUpGate.svelte";

export class Task {
  error = $state<string | null>(null);
  notice = $state<string | null>(null);
  busy = $state(false);
  readonly gate: StepUpGate;

  constructor(onSignedOut: () => void) {
    this.gate = new StepUpGate((err) => {
      if (err.code === "unauthenticated") onSignedOut();
      else this.error = err.message;
    });
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
