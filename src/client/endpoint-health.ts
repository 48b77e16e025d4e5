/**
 * Which endpoints failed lately. An endpoint that refused a connection, timed out or answered 5xx is set aside
 * for a while (default 30 s) so the next calls start with one that works, then tried again first. One shared
 * instance per process: the credential servers and every StsClient of a process learn from each other's failures.
 */
export const ENDPOINT_DOWN_MS = 30_000;

export class EndpointHealth {
  private readonly downUntil = new Map<string, number>();
  constructor(
    private readonly now: () => number = Date.now,
    readonly downForMs = ENDPOINT_DOWN_MS,
  ) {}

  markDown(url: string): void {
    this.downUntil.set(url, this.now() + this.downForMs);
  }

  markUp(url: string): void {
    this.downUntil.delete(url);
  }

  isDown(url: string): boolean {
    const until = this.downUntil.get(url);
    if (until === undefined) return false;
    if (this.now() < until) return true;
    this.downUntil.delete(url);
    return false;
  }

  /** The endpoints in their configured order, those set aside moved to the end (still tried: all may be down). */
  order<T extends { readonly url: string }>(endpoints: readonly T[]): T[] {
    const up = endpoints.filter((e) => !this.isDown(e.url));
    return [...up, ...endpoints.filter((e) => !up.includes(e))];
  }
}

export const sharedEndpointHealth = new EndpointHealth();
