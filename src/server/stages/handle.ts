/** handle: the operation's handler, with the validated, authorized call. */
import type { RequestState } from './state.js';

/** Undefined when the handler answered at once (GetCallerIdentity), so that the request path does not wait. */
export function handle(s: RequestState): Promise<void> | undefined {
  const output = s.op!.handle(s.call!);
  if (output instanceof Promise) return settle(s, output);
  s.output = (output ?? undefined) as Output;
  return undefined;
}

/** What a handler answers: the output structure its model declares (operation.ts types it per operation). */
type Output = Record<string, unknown> | undefined;

async function settle(s: RequestState, output: Promise<unknown>): Promise<void> {
  s.output = ((await output) ?? undefined) as Output;
}
