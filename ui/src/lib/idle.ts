// Idle lock for the shared counter PC: after `seconds` without keyboard, mouse or touch input,
// `onIdle` runs once. Background refreshes are not input, so they never keep the app unlocked.

const INPUT_EVENTS = ["keydown", "pointerdown", "pointermove", "wheel", "touchstart"] as const;

/** Starts watching; returns a function that stops it. */
export function watchIdle(seconds: number, onIdle: () => void, target: Window = window): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let fired = false;
  const arm = () => {
    if (fired) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      fired = true;
      onIdle();
    }, seconds * 1000);
  };
  for (const name of INPUT_EVENTS) target.addEventListener(name, arm, { passive: true });
  arm();
  return () => {
    clearTimeout(timer);
    for (const name of INPUT_EVENTS) target.removeEventListener(name, arm);
  };
}
