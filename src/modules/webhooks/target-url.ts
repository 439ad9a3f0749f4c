import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { validationFailed } from '../../core/errors/app-error.ts';
import { bareHost, isLocalName, isPublicAddress } from './address-policy.ts';

// A name that does not resolve within this is accepted: the send-time check stands behind it anyway.
const RESOLVE_TIMEOUT_MS = 3000;

const refuse = (message: string) => validationFailed([{ path: '/body/url', message }], message);

/**
 * Checks a webhook target at creation and returns it normalized (WHATWG URL parsing turns `127.1`,
 * `2130706433` and `0x7f000001` into `127.0.0.1`, and `[::ffff:127.0.0.1]` into `[::ffff:7f00:1]`, so
 * every spelling of an address is classified the same). A 422 naming `url` when it is not http(s), carries
 * credentials, or names (or resolves to) a non-public address — unless `allowPrivate`.
 * @example const url = await checkTargetUrl('https://hooks.example.com/in', false)
 */
export async function checkTargetUrl(raw: string, allowPrivate: boolean): Promise<string> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refuse('The url is not a valid absolute URL.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw refuse('The url must be http or https.');
  if (url.username || url.password) throw refuse('The url must not carry credentials; sign with the secret.');
  if (url.hash) throw refuse('The url must not have a fragment.');
  if (allowPrivate) return url.toString();

  const host = bareHost(url);
  if (isLocalName(host)) throw refuse('The url points at this machine.');
  if (isIP(host) !== 0) {
    if (!isPublicAddress(host)) throw refuse('The url points at a private, loopback or reserved address.');
    return url.toString();
  }
  const addresses = await resolve(host);
  if (addresses.some((address) => !isPublicAddress(address))) {
    throw refuse(`The url's host ${host} resolves to a private, loopback or reserved address.`);
  }
  return url.toString();
}

async function resolve(host: string): Promise<string[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string[]>((resolve) => {
    timer = setTimeout(() => resolve([]), RESOLVE_TIMEOUT_MS);
    timer.unref();
  });
  try {
    const found = lookup(host, { all: true, verbatim: true }).then(
      (list) => list.map((a) => a.address),
      () => [] as string[],
    );
    return await Promise.race([found, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
