/** read: the Query parameters, from the query string and, for a form POST, the body (which http1.ts has read whole). */
import { parseParams } from '../../protocol/query.js';
import type { RequestState } from './state.js';

export function read(s: RequestState): void {
  const { req, params } = s;
  const q = req.url.indexOf('?');
  if (q >= 0) parseParams(params, req.url.slice(q + 1));
  if (
    req.method === 'POST' &&
    req.body.length &&
    (req.contentType ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded')
  ) {
    parseParams(params, req.body.toString('utf8'));
  }
}
