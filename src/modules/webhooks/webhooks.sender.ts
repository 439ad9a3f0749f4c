import { createHmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { bareHost, guardedLookup, isPublicAddress } from './address-policy.ts';

/** At most this much of a response body is read; the rest is dropped with the connection. */
export const MAX_RESPONSE_BYTES = 64 * 1024;

export interface SignedMessage {
  /** `webhook-id`: the same on every attempt of one delivery, so receivers can deduplicate. */
  readonly id: string;
  readonly body: string;
  /** `whsec_<base64>`. */
  readonly secret: string;
}

export interface SendOptions {
  readonly timeoutMs: number;
  readonly allowPrivate: boolean;
}

export interface AttemptResult {
  readonly ok: boolean;
  readonly status: number | null;
  readonly durationMs: number;
  readonly error: string | null;
}

/**
 * The Standard Webhooks signature: HMAC-SHA256 keyed by the secret's base64 bytes over
 * `${id}.${timestamp}.${body}`, sent as `v1,<base64>`.
 * @example signatureHeader('msg_1', 1700000000, '{}', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')
 */
export function signatureHeader(id: string, timestamp: number, body: string, secret: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

/**
 * One POST of a signed message. Never throws: every outcome (2xx, other status, refused address, timeout,
 * connection error) is an AttemptResult. Redirects are not followed (a 3xx is a failure), the whole
 * exchange is bounded by `timeoutMs`, and at most 64 KiB of the response body is read.
 */
export async function sendSigned(
  target: string,
  message: SignedMessage,
  options: SendOptions,
): Promise<AttemptResult> {
  const started = performance.now();
  const done = (status: number | null, error: string | null): AttemptResult => ({
    ok: status !== null && status >= 200 && status < 300,
    status,
    durationMs: Math.round(performance.now() - started),
    error,
  });
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return done(null, 'the url is not valid');
  }
  // An IP literal never reaches `lookup` (the socket connects to it directly): check it here.
  const host = bareHost(url);
  if (!options.allowPrivate && isIP(host) !== 0 && !isPublicAddress(host)) {
    return done(null, 'refused: the target is not a public address');
  }
  const timestamp = Math.floor(Date.now() / 1000);
  try {
    const status = await post(url, message, timestamp, options);
    return done(status, status >= 200 && status < 300 ? null : `HTTP ${status}`);
  } catch (error) {
    const code = (error as { code?: string }).code;
    const text = code === 'EPRIVATEADDRESS' ? `refused: ${(error as Error).message}` : describe(error);
    return done(null, text);
  }
}

function post(url: URL, message: SignedMessage, timestamp: number, options: SendOptions): Promise<number> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise<number>((resolve, reject) => {
    const request = client.request(url, {
      method: 'POST',
      // A fresh connection per attempt: no pooled socket from an earlier lookup is reused.
      agent: false,
      lookup: options.allowPrivate ? undefined : guardedLookup(),
      headers: {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(message.body),
        'user-agent': 'Bulwark-Webhooks/1',
        'webhook-id': message.id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signatureHeader(message.id, timestamp, message.body, message.secret),
      },
    });
    const timer = setTimeout(
      () => request.destroy(new Error(`timed out after ${options.timeoutMs} ms`)),
      options.timeoutMs,
    );
    const finish = (fn: () => void) => {
      clearTimeout(timer);
      fn();
    };
    request.on('error', (error) => finish(() => reject(error)));
    request.on('response', (response) => {
      const status = response.statusCode ?? 0;
      let read = 0;
      response.on('data', (chunk: Buffer) => {
        read += chunk.length;
        // Enough to know the receiver answered; the rest is not worth memory or time.
        if (read >= MAX_RESPONSE_BYTES) {
          response.destroy();
          finish(() => resolve(status));
        }
      });
      response.on('end', () => finish(() => resolve(status)));
      response.on('error', (error) => finish(() => reject(error)));
      // A receiver that hangs up mid-body still answered with its status.
      response.on('close', () => finish(() => resolve(status)));
    });
    request.end(message.body);
  });
}

function describe(error: unknown): string {
  const code = (error as { code?: string }).code;
  const text = error instanceof Error ? error.message : String(error);
  return (code && !text.includes(code) ? `${code}: ${text}` : text).slice(0, 500);
}
