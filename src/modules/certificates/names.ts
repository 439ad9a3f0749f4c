import { isIP } from 'node:net';

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * A DNS name a certificate may carry: ASCII (IDNs as `xn--` A-labels), at least two labels, each 1–63
 * characters without a leading or trailing hyphen, 253 at most, and at most one wildcard — the whole
 * leftmost label, above at least two labels (`*.example.com`, never `*.com` or `a.*.example.com`).
 * @example isDnsName('*.example.com') // true
 */
export function isDnsName(name: string): boolean {
  if (name.length > 253 || name !== name.toLowerCase()) return false;
  const labels = name.split('.');
  if (labels.length < 2) return false;
  const [first, ...rest] = labels;
  if (first === '*') return rest.length >= 2 && rest.every((l) => LABEL.test(l));
  if (!labels.every((l) => LABEL.test(l))) return false;
  // The top-level label is never all digits (that would be an IPv4 address in disguise).
  return !/^\d+$/.test(labels.at(-1)!);
}

/** An email SAN: a plain ASCII local part (no quotes or spaces) at a DNS name, 254 characters at most. */
export function isEmailName(value: string): boolean {
  const at = value.lastIndexOf('@');
  if (at < 1 || value.length > 254) return false;
  const local = value.slice(0, at);
  const domain = value.slice(at + 1);
  return (
    local.length <= 64 &&
    /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$/.test(local) &&
    !local.startsWith('.') &&
    !local.endsWith('.') &&
    !local.includes('..') &&
    isDnsName(domain.toLowerCase()) &&
    !domain.startsWith('*')
  );
}

export type SanKind = 'dns' | 'ip' | 'email';

/** Normalizes a SAN (DNS names and email domains lowercased) and says what it is; undefined when invalid. */
export function parseSan(raw: string): { value: string; kind: SanKind } | undefined {
  const value = raw.trim();
  if (value.includes('@')) {
    const at = value.lastIndexOf('@');
    const email = `${value.slice(0, at)}@${value.slice(at + 1).toLowerCase()}`;
    return isEmailName(email) ? { value: email, kind: 'email' } : undefined;
  }
  // A zone id (`fe80::1%eth0`) names an interface of one host, not an address a certificate can vouch for.
  if (isIP(value) && !value.includes('%')) return { value: value.toLowerCase(), kind: 'ip' };
  const dns = value.toLowerCase().replace(/\.$/, '');
  return isDnsName(dns) ? { value: dns, kind: 'dns' } : undefined;
}
