import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createClock } from "../../components/use-now";

describe("createClock (the shared clock behind useNow)", () => {
  let t = 1_000_000;
  const time = () => t;
  beforeEach(() => {
    vi.useFakeTimers();
    t = 1_000_000;
  });
  afterEach(() => vi.useRealTimers());

  it("runs one interval for all subscribers, and only while someone subscribes", () => {
    const clock = createClock(250, time);
    const a = vi.fn();
    const b = vi.fn();
    const offA = clock.subscribe(a);
    const offB = clock.subscribe(b);
    expect(vi.getTimerCount()).toBe(1);
    t += 250;
    vi.advanceTimersByTime(250);
    expect(a).toHaveBeenCalledTimes(1);
    expect(b).toHaveBeenCalledTimes(1);
    expect(clock.read()).toBe(t);
    offA();
    expect(vi.getTimerCount()).toBe(1);
    offB();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(1000);
    expect(b).toHaveBeenCalledTimes(1);
  });

  it("read() is the time of the last tick while subscribed, stable between ticks", () => {
    const clock = createClock(250, time);
    const off = clock.subscribe(() => {});
    const first = clock.read();
    t += 100;
    expect(clock.read()).toBe(first);
    t += 150;
    vi.advanceTimersByTime(250);
    expect(clock.read()).toBe(first + 250);
    off();
  });

  it("read() is the current time while idle, the same for every read in one task", async () => {
    const clock = createClock(250, time);
    t += 60_000;
    const first = clock.read();
    expect(first).toBe(t);
    t += 30;
    expect(clock.read()).toBe(first);
    await Promise.resolve();
    expect(clock.read()).toBe(t);
  });
});
