import { get, sendJson, type Scenario } from './scenario.ts';

/** Bulwark's real liveness route (every global hook on the path) against a bare constant answer. */
export const healthz: Scenario = {
  name: 'healthz',
  description:
    'GET /healthz → `{"status":"ok"}`; no I/O, so this measures the per-request framework cost (both ' +
    'send the same security headers and a fresh x-request-id)',
  goalRatio: 0.8,
  request: () => get('/healthz'),
  bare: () => ({
    handle(req, res) {
      if (req.method === 'GET' && req.url === '/healthz') sendJson(res, 200, { status: 'ok' });
      else sendJson(res, 404, { error: 'not found' });
    },
    close: async () => undefined,
  }),
};
