// A high-risk change that the core may refuse until a second factor is proven again
// (step-up). While `pending` is set the screen shows <StepUp>; once confirmed, the change
// runs again. Any other refusal goes to `onError`.
import { asCoreError, type CoreError } from "./api";

export class StepUpGate {
  pending = $state<(() => Promise<void>) | null>(null);
  #onError: (err: CoreError) => void;

  constructor(onError: (err: CoreError) => void) {
    this.#onError = onError;
  }

  async run(change: () => Promise<void>): Promise<void> {
    try {
      await change();
    } catch (e) {
      const err = asCoreError(e);
      if (err.code === "step_up_required") this.pending = change;
      else this.#onError(err);
    }
  }

  async confirmed(): Promise<void> {
    const retry = this.pending;
    this.pending = null;
    if (retry) await this.run(retry);
  }

  cancel(): void {
    this.pending = null;
  }
}
