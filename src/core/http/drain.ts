import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** How long and how much a refused body is still read after the answer went out. */
export interface DrainLimits {
  readonly maxBytes: number;
  readonly maxMs: number;
}

export const DRAIN_LIMITS: DrainLimits = { maxBytes: 64 * 1024 * 1024, maxMs: 10_000 };

const lingering = new WeakSet<Socket>();

/**
 * Lets the answer to a request whose body is refused unread (413, an upload over `MAX_UPLOAD_BYTES`) reach
 * the client, as RFC 9112 §9.6 describes: the response goes out with `Connection: close`, the connection is
 * half-closed, what the client still sends is read and discarded, and the socket closes when the client has
 * finished (or after `limits`). Closing at once makes the kernel answer the unread bytes with a reset that can
 * destroy the response before a client that writes its whole body first gets to read it (EPIPE, no answer).
 * A no-op when the body was read to its end. Call it before sending the reply.
 * @example
 * if (size > ctx.config.maxUploadBytes) {
 *   drainAndClose(request, reply);
 *   throw new AppError('PAYLOAD_TOO_LARGE', 'The upload is larger than allowed.');
 * }
 */
export function drainAndClose(
  request: FastifyRequest,
  reply: FastifyReply,
  limits: DrainLimits = DRAIN_LIMITS,
): void {
  reply.header('connection', 'close');
  const raw = request.raw;
  const socket = raw.socket as Socket | null;
  if (!socket || socket.destroyed || raw.complete || lingering.has(socket)) return;
  lingering.add(socket);
  // Node ends a `Connection: close` response with `socket.destroySoon()` (end, then destroy once written):
  // this socket lingers instead. The HTTP parser still owns it and discards the rest of the body, because
  // Node dumps a request body nobody reads (and Fastify leaves an over-long one flowing).
  socket.destroySoon = () => linger(socket, limits);
  // Flowing, so nothing holds the bytes back (a no-op when Node already dumps it).
  raw.resume();
}

function linger(socket: Socket, limits: DrainLimits): void {
  const startBytes = socket.bytesRead;
  const deadline = Date.now() + limits.maxMs;
  if (socket.writable) socket.end();
  const timer = setInterval(() => {
    if (socket.bytesRead - startBytes > limits.maxBytes || Date.now() > deadline) socket.destroy();
  }, 50);
  timer.unref();
  // The client is done sending: close once the answer is written (the bounds above close regardless).
  socket.once('end', () => {
    if (socket.writableFinished) socket.destroy();
    else socket.once('finish', () => socket.destroy());
  });
  socket.once('close', () => clearInterval(timer));
}
