// An oversized body gets its 413 rather than a reset, over a real listening server (inject has no sockets).
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/core/errors/app-error.ts';
import { drainAndClose } from '../../src/core/http/drain.ts';
import { buildTestApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;
let port: number;
const UPLOAD_LIMITS = { maxBytes: 1024 * 1024, maxMs: 1_000 };

beforeAll(async () => {
  t = await buildTestApp({}, (app) => {
    // An upload route as later modules write them: it refuses the body unread, from its size.
    app.register(async (scope) => {
      scope.addContentTypeParser('application/octet-stream', (_request, _payload, done) => done(null));
      scope.post('/test/upload', async (request, reply) => {
        drainAndClose(request, reply, UPLOAD_LIMITS);
        throw new AppError('PAYLOAD_TOO_LARGE', 'The upload is larger than allowed.');
      });
    });
  });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  port = (t.app.server.address() as AddressInfo).port;
});
afterAll(() => t.close());

interface Outcome {
  /** Everything read from the server. */
  readonly raw: string;
  /** The socket error, if any (EPIPE, ECONNRESET), after or instead of the response. */
  readonly error?: string;
}

/**
 * Writes a request head and `bodyBytes` of body (forever when Infinity) without reading, as a naive client
 * does, then reads whatever the server sent until it closes.
 */
function writeAllThenRead(head: string, bodyBytes: number, { end = true } = {}): Promise<Outcome> {
  return new Promise((resolve) => {
    // A client that stalls keeps its side open even after the server's FIN.
    const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: !end });
    const chunks: Buffer[] = [];
    let error: string | undefined;
    socket.pause();
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (e: NodeJS.ErrnoException) => (error ??= e.code ?? e.message));
    const done = () => resolve({ raw: Buffer.concat(chunks).toString('latin1'), error });
    socket.on('close', done);
    if (!end) socket.on('end', done);
    const closed = new Promise((r) => socket.once('close', r));
    const writeAll = async () => {
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      let left = bodyBytes;
      const write = async (data: Buffer | string) => {
        if (!socket.write(data)) await Promise.race([new Promise((r) => socket.once('drain', r)), closed]);
      };
      await write(head);
      while (left > 0 && !socket.destroyed) {
        const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
        left -= piece.length;
        await write(piece);
      }
      socket.resume();
      if (end) socket.end();
    };
    socket.on('connect', () => void writeAll());
  });
}

const SIZE = 16 * 1024 * 1024;
const head = (path: string, type: string, length: number) =>
  `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: ${type}\r\nContent-Length: ${length}\r\n\r\n`;

function expect413(outcome: Outcome) {
  expect(outcome.raw).toMatch(/^HTTP\/1\.1 413 /);
  expect(outcome.raw).toMatch(/\r\ncontent-type: application\/problem\+json/i);
  expect(outcome.raw).toMatch(/\r\nconnection: close\r\n/i);
  expect(outcome.raw).toContain('"status":413');
}

describe('a body over the limit', () => {
  it('control: a body within the limit is read and answered', async () => {
    // 1 KiB of spaces is valid JSON whitespace around nothing: the parser's "empty body" 400, not a 413.
    const outcome = await writeAllThenRead(head('/v1/auth/register', 'application/json', 1024), 1024);
    expect(outcome.error).toBeUndefined();
    expect(outcome.raw).toMatch(/^HTTP\/1\.1 400 /);
  });

  it.each([1, 2, 3])(
    'gets its 413 problem even when the client writes all 16 MiB before reading (%i)',
    async () => {
      const outcome = await writeAllThenRead(head('/v1/auth/register', 'application/json', SIZE), SIZE);
      expect(outcome.error).toBeUndefined();
      expect413(outcome);
    },
  );

  it('gets its 413 when the length is not announced (chunked) and the limit is found while reading', async () => {
    const size = 4 * 1024 * 1024;
    const hex = size.toString(16);
    const socketHead = `POST /v1/auth/register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${hex}\r\n`;
    const outcome = await writeAllThenRead(socketHead, size);
    expect(outcome.error).toBeUndefined();
    expect413(outcome);
  });

  it('an upload refused unread by a route gets its 413 too (drainAndClose)', async () => {
    const size = 512 * 1024;
    const outcome = await writeAllThenRead(head('/test/upload', 'application/octet-stream', size), size);
    expect(outcome.error).toBeUndefined();
    expect413(outcome);
    expect(outcome.raw).toContain('The upload is larger than allowed.');
  });

  it('stops reading after its byte bound: a client that never stops sending is cut off', async () => {
    const started = Date.now();
    const outcome = await writeAllThenRead(
      head('/test/upload', 'application/octet-stream', 1024 ** 4),
      Number.POSITIVE_INFINITY,
    );
    // The reset that ends it may discard the unread answer on the client's side: that client asked for it.
    expect(outcome.error).toBeDefined();
    expect(Date.now() - started).toBeLessThan(UPLOAD_LIMITS.maxMs);
  });

  it('stops waiting after its time bound: a client that stalls is cut off', async () => {
    const started = Date.now();
    const outcome = await writeAllThenRead(head('/test/upload', 'application/octet-stream', 1024), 10, {
      end: false,
    });
    expect413(outcome);
    const connections = () =>
      new Promise<number>((resolve, reject) =>
        t.app.server.getConnections((e, n) => (e ? reject(e) : resolve(n))),
      );
    expect(await connections()).toBeGreaterThanOrEqual(1);
    while ((await connections()) > 0 && Date.now() - started < UPLOAD_LIMITS.maxMs + 2_000)
      await new Promise((r) => setTimeout(r, 20));
    expect(await connections()).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(UPLOAD_LIMITS.maxMs - 100);
  });
});
