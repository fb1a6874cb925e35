import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { watchIdle } from "./idle";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe("watchIdle", () => {
  it("fires once after the idle time without input", () => {
    const onIdle = vi.fn();
    const stop = watchIdle(60, onIdle);
    vi.advanceTimersByTime(59_999);
    expect(onIdle).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(onIdle).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(600_000);
    expect(onIdle).toHaveBeenCalledTimes(1);
    stop();
  });

  it.each(["keydown", "pointerdown", "pointermove", "wheel", "touchstart"])("%s postpones the lock", (name) => {
    const onIdle = vi.fn();
    const stop = watchIdle(60, onIdle);
    vi.advanceTimersByTime(50_000);
    window.dispatchEvent(new Event(name));
    vi.advanceTimersByTime(50_000);
    expect(onIdle).not.toHaveBeenCalled();
    vi.advanceTimersByTime(10_000);
    expect(onIdle).toHaveBeenCalledTimes(1);
    stop();
  });

  it("stops watching when told", () => {
    const onIdle = vi.fn();
    watchIdle(1, onIdle)();
    vi.advanceTimersByTime(5_000);
    expect(onIdle).not.toHaveBeenCalled();
  });
});
