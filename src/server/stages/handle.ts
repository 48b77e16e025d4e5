/** handle: the operation's handler, with the validated, authorized call. */
import type { RequestState } from './state.js';

export async function handle(s: RequestState): Promise<void> {
  s.output = (await s.op!.handle(s.call!)) ?? undefined;
}
