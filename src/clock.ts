/** Every expiry, skew and TOTP check reads time through a Clock, so tests move time instead of sleeping. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock for tests: real time plus an offset that the test moves, or a frozen instant. */
export class ManualClock implements Clock {
  private offsetMs = 0;
  private frozenAt: number | undefined;

  now(): number {
    return this.frozenAt ?? Date.now() + this.offsetMs;
  }
  /** Moves time forward (or back, with a negative amount). */
  advance(ms: number): void {
    if (this.frozenAt !== undefined) this.frozenAt += ms;
    else this.offsetMs += ms;
  }
  /** Stops time at the given instant. */
  freeze(at: number = this.now()): void {
    this.frozenAt = at;
  }
  /** Back to real time, without offset. */
  reset(): void {
    this.frozenAt = undefined;
    this.offsetMs = 0;
  }
}
