"use client";
import { useSyncExternalStore } from "react";

export type Clock = { subscribe: (listener: () => void) => () => void; read: () => number };

/**
 * A clock that ticks every intervalMs with ONE setInterval, running only while someone subscribes.
 * read() is the time of the last tick, so every subscriber sees the same value in a render.
 */
export function createClock(intervalMs: number, currentTime: () => number = Date.now): Clock {
  let now = currentTime();
  let timer: ReturnType<typeof setInterval> | undefined;
  let readThisTask = false;
  const listeners = new Set<() => void>();
  return {
    subscribe(listener) {
      listeners.add(listener);
      timer ??= setInterval(() => {
        now = currentTime();
        for (const l of listeners) l();
      }, intervalMs);
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && timer !== undefined) {
          clearInterval(timer);
          timer = undefined;
        }
      };
    },
    // While nobody listens (a first render), the current time, read once per task so that every
    // component of that render sees the same value; their subscriptions then start the timer.
    read() {
      if (timer === undefined && !readThisTask) {
        now = currentTime();
        readThisTask = true;
        queueMicrotask(() => (readThisTask = false));
      }
      return now;
    },
  };
}

// One shared clock per interval for the whole page: a thousand ticking cells cost one timer and
// one React render pass per tick, not a timer (and a render) each.
const clocks = new Map<number, Clock>();

/** The current time, re-rendered every intervalMs: makes ages tick between polls. */
export function useNow(intervalMs = 250): number {
  let clock = clocks.get(intervalMs);
  if (!clock) clocks.set(intervalMs, (clock = createClock(intervalMs)));
  return useSyncExternalStore(clock.subscribe, clock.read, clock.read);
}
