// One change at a time from a control above the thread (status, priority, handing over): the
// controls wait while it runs, the core's refusal is shown in its words, and the screen is
// told once it is done so it reads the conversation again.
import { asCoreError } from "./api";

export class Change {
  busy = $state(false);
  error = $state<string | null>(null);

  readonly #done: () => void;

  constructor(done: () => void) {
    this.#done = done;
  }

  async run(action: () => Promise<void>): Promise<void> {
    this.busy = true;
    try {
      await action();
      this.error = null;
      this.#done();
    } catch (e) {
      this.error = asCoreError(e).message;
    } finally {
      this.busy = false;
    }
  }
}
