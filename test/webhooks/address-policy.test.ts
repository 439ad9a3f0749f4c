import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guardedLookup, isPublicAddress } from '../../src/modules/webhooks/address-policy.ts';
import { checkTargetUrl } from '../../src/modules/webhooks/target-url.ts';
import { sendSigned } from '../../src/modules/webhooks/webhooks.sender.ts';

describe('isPublicAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local (cloud metadata)'],
    ['100.64.0.1', 'CGNAT'],
    ['100.100.100.200', 'CGNAT (Alibaba metadata)'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['192.0.2.10', 'documentation'],
    ['198.18.0.1', 'benchmarking'],
    ['::1', 'IPv6 loopback'],
    ['::', 'IPv6 unspecified'],
    ['fe80::1', 'IPv6 link-local'],
    ['fc00::1', 'unique local'],
    ['fd00:ec2::254', 'unique local (AWS metadata)'],
    ['ff02::1', 'IPv6 multicast'],
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
    ['::ffff:7f00:1', 'IPv4-mapped loopback, hex form'],
    ['::ffff:169.254.169.254', 'IPv4-mapped metadata'],
    ['::127.0.0.1', 'IPv4-compatible loopback'],
    ['64:ff9b::a00:1', 'NAT64 of 10.0.0.1'],
    ['2002:7f00:1::', '6to4 of 127.0.0.1'],
    ['[::1]', 'bracketed'],
    ['fe80::1%eth0', 'scoped'],
    ['not an address', 'garbage'],
  ])('refuses %s (%s)', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each([['93.184.216.34'], ['8.8.8.8'], ['2606:4700:4700::1111'], ['::ffff:8.8.8.8']])(
    'allows the public address %s',
    (address) => {
      expect(isPublicAddress(address)).toBe(true);
    },
  );
});

describe('checkTargetUrl (creation)', () => {
  it.each([
    'http://localhost/hook',
    'http://LOCALHOST./hook',
    'http://api.localhost/hook',
    'http://127.0.0.1/hook',
    'http://127.1/hook',
    'http://2130706433/hook',
    'http://0x7f000001/hook',
    'http://0177.0.0.1/hook',
    'http://0x7f.1/hook',
    'http://[::1]/hook',
    'http://[::ffff:127.0.0.1]/hook',
    'http://[0:0:0:0:0:ffff:7f00:1]/hook',
    'http://169.254.169.254/latest/meta-data/',
    'http://10.0.0.1:8080/hook',
    'http://0/hook',
    'https://[fd00:ec2::254]/hook',
  ])('refuses %s with a 422 naming url', async (url) => {
    await expect(checkTargetUrl(url, false)).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: [expect.objectContaining({ path: '/body/url' })],
    });
  });

  it.each([
    ['ftp://example.com/hook', /http or https/],
    ['file:///etc/passwd', /http or https/],
    ['https://user:pass@example.com/hook', /credentials/],
    ['not a url', /not a valid/],
  ])('refuses %s', async (url, message) => {
    await expect(checkTargetUrl(url, false)).rejects.toThrow(message);
  });

  it('accepts a public address, and a name that cannot be resolved now (checked again at send time)', async () => {
    expect(await checkTargetUrl('https://93.184.216.34/hook', false)).toBe('https://93.184.216.34/hook');
    expect(await checkTargetUrl('https://hooks.invalid/in?x=1', false)).toBe('https://hooks.invalid/in?x=1');
  });

  it('lets WEBHOOK_ALLOW_PRIVATE=on through', async () => {
    expect(await checkTargetUrl('http://127.0.0.1:9/hook', true)).toBe('http://127.0.0.1:9/hook');
  });
});

describe('send time', () => {
  let server: http.Server;
  let port: number;
  let hits = 0;
  beforeAll(async () => {
    server = http.createServer((_req, res) => {
      hits++;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const message = { id: 'msg_1', body: '{}', secret: `whsec_${Buffer.alloc(32, 1).toString('base64')}` };
  const options = { timeoutMs: 2000, allowPrivate: false };

  it('the guarded lookup refuses a name that resolves to 127.0.0.1', async () => {
    const error = await new Promise<Error | null>((resolve) =>
      guardedLookup()('localhost', {}, (err) => resolve(err)),
    );
    expect(error).toMatchObject({ code: 'EPRIVATEADDRESS' });
  });

  it.each([
    ['a name resolving to loopback (DNS rebinding after creation)', () => `http://localhost:${port}/hook`],
    ['a literal loopback address', () => `http://127.0.0.1:${port}/hook`],
    ['an IPv4-mapped loopback address', () => `http://[::ffff:127.0.0.1]:${port}/hook`],
  ])('refuses %s without connecting', async (_name, url) => {
    const result = await sendSigned(url(), message, options);
    expect(result).toMatchObject({ ok: false, status: null });
    expect(result.error).toMatch(/^refused/);
    expect(hits).toBe(0);
  });

  it('control: the same receiver is reached when private targets are allowed', async () => {
    const result = await sendSigned(`http://localhost:${port}/hook`, message, {
      ...options,
      allowPrivate: true,
    });
    expect(result).toMatchObject({ ok: true, status: 200 });
    expect(hits).toBe(1);
  });
});
