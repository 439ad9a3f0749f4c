import type { IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';

const WELL_FORMED = /^[A-Za-z0-9._:@-]{1,128}$/;

/** Echoes a well-formed incoming `x-request-id`; anything else gets a fresh UUID. */
export function requestIdFor(req: IncomingMessage): string {
  const incoming = req.headers['x-request-id'];
  // randomUUID (v4, from a pooled random buffer) is several times cheaper than a v7 id; nothing sorts these.
  return typeof incoming === 'string' && WELL_FORMED.test(incoming) ? incoming : randomUUID();
}
