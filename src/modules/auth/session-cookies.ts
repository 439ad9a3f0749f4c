import type { FastifyReply } from 'fastify';
import type { Config } from '../../core/config/config.ts';
import { clearCookie, setCookie } from '../../core/http/cookies.ts';
import { CSRF_COOKIE, SESSION_COOKIE } from '../../core/http/openapi.plugin.ts';

function cookieOptions(config: Config, httpOnly: boolean) {
  return {
    path: '/',
    httpOnly,
    sameSite: 'lax' as const,
    secure: config.env === 'production',
    maxAge: config.cookieSessionMaxAgeSeconds,
  };
}

/** Sets the HttpOnly session cookie and the readable CSRF cookie of a new cookie session. */
export function setSessionCookies(reply: FastifyReply, config: Config, session: string, csrf: string): void {
  setCookie(reply, SESSION_COOKIE, session, cookieOptions(config, true));
  setCookie(reply, CSRF_COOKIE, csrf, cookieOptions(config, false));
}

export function clearSessionCookies(reply: FastifyReply, config: Config): void {
  clearCookie(reply, SESSION_COOKIE, cookieOptions(config, true));
  clearCookie(reply, CSRF_COOKIE, cookieOptions(config, false));
}
