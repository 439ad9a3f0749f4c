import { describe, expect, it } from 'vitest';
import { verifyLegacyHash } from './legacy-hashes.ts';
import { shaCrypt } from './sha-crypt.ts';

// The test vectors of Drepper's spec (https://www.akkadia.org/drepper/SHA-crypt.txt), as the stored
// strings crypt(3) writes (salts cut to 16 characters, rounds=10 raised to 1000); glibc's crypt(3) on
// Debian 12 reproduces each one.
const SPEC_VECTORS: [password: string, stored: string][] = [
  ['Hello world!', '$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5'],
  ['Hello world!', '$5$rounds=10000$saltstringsaltst$3xv.VbSHBb41AL9AvLeujZkZRBAwqFMz2.opqey6IcA'],
  ['This is just a test', '$5$rounds=5000$toolongsaltstrin$Un/5jzAHMgOGZ5.mWJpuVolil07guHPvOW8mGRcvxa5'],
  [
    'a very much longer text to encrypt.  This one even stretches over morethan one line.',
    '$5$rounds=1400$anotherlongsalts$Rx.j8H.h8HjEDGomFU8bDkXm3XIUnzyxf12oP84Bnq1',
  ],
  [
    'we have a short salt string but not a short password',
    '$5$rounds=77777$short$JiO1O3ZpDAxGJeaDIuqCoEFysAe1mZNJRs3pw0KQRd/',
  ],
  ['a short string', '$5$rounds=123456$asaltof16chars..$gP3VQ/6X7UUEW3HkBn2w1/Ptq2jxPyzV/cZKmF/wJvD'],
  [
    'the minimum number is still observed',
    '$5$rounds=1000$roundstoolow$yfvwcWrQ8l/K0DAWyuPMDNHpIVlTQebY9l/gL972bIC',
  ],
  [
    'Hello world!',
    '$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1',
  ],
  [
    'Hello world!',
    '$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v.',
  ],
  [
    'a very much longer text to encrypt.  This one even stretches over morethan one line.',
    '$6$rounds=1400$anotherlongsalts$POfYwTEok97VWcjxIiSOjiykti.o/pQs.wPvMxQ6Fm7I6IoYN3CmLs66x9t0oSwbtEW7o7UmJEiDwGqd8p4ur1',
  ],
];

function parse(stored: string) {
  const [, id, ...rest] = stored.split('$');
  const checksum = rest.pop()!;
  const salt = rest.pop()!;
  const rounds = rest[0] ? Number(rest[0].slice('rounds='.length)) : 5000;
  return { variant: id === '5' ? ('sha256' as const) : ('sha512' as const), rounds, salt, checksum };
}

describe('shaCrypt', () => {
  it.each(SPEC_VECTORS)('computes the spec vector for %j', (password, stored) => {
    const { variant, rounds, salt, checksum } = parse(stored);
    expect(shaCrypt(Buffer.from(password), Buffer.from(salt), rounds, variant)).toBe(checksum);
  });

  it('handles an empty password and an empty salt', () => {
    expect(shaCrypt(Buffer.alloc(0), Buffer.alloc(0), 1000, 'sha256')).toMatch(/^[./0-9A-Za-z]{43}$/);
    expect(shaCrypt(Buffer.alloc(0), Buffer.alloc(0), 1000, 'sha512')).toMatch(/^[./0-9A-Za-z]{86}$/);
  });
});

describe('verifyLegacyHash on the spec vectors (through the worker thread)', () => {
  it.each(SPEC_VECTORS.slice(0, 2))('accepts %j and refuses another password', async (password, stored) => {
    expect(await verifyLegacyHash(stored, password)).toBe(true);
    expect(await verifyLegacyHash(stored, `${password}!`)).toBe(false);
  });

  it('refuses fewer than 1000 rounds, as libxcrypt and passlib do', async () => {
    const stored = '$5$rounds=999$roundstoolow$yfvwcWrQ8l/K0DAWyuPMDNHpIVlTQebY9l/gL972bIC';
    expect(await verifyLegacyHash(stored, 'the minimum number is still observed')).toBe(false);
  });
});
