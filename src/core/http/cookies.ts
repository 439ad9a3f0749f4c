import { parseCookie, stringifySetCookie, type SetCookie } from 'cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Cookies through the `cookie` package directly, read only by the few routes that need them.
 * (@fastify/cookie parsed every request's Cookie header in an `onRequest` hook and added an `onSend` hook
 * to every reply: two hooks on every route, for the handful that use cookies.)
 */
export type CookieOptions = Omit<SetCookie, 'name' | 'value'>;

/** The value of cookie `name` in the request's Cookie header, if any. */
export function readCookie(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  return header ? parseCookie(header)[name] : undefined;
}

/** Adds a Set-Cookie header (Fastify keeps every Set-Cookie of a reply). */
export function setCookie(reply: FastifyReply, name: string, value: string, options: CookieOptions): void {
  reply.header('set-cookie', stringifySetCookie({ ...options, name, value }));
}

/** Expires cookie `name` now (same path and domain as when it was set). */
export function clearCookie(reply: FastifyReply, name: string, options: CookieOptions): void {
  setCookie(reply, name, '', { ...options, maxAge: 0, expires: new Date(0) });
}
