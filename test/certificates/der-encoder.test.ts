// The hand-written DER encoders checked against @peculiar/asn1-x509: what they produce parses with the
// library's schemas and re-serializes byte for byte (so it is canonical DER of the right structure), and the
// fields read back are the ones put in.
import { createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  BasicConstraints,
  Certificate,
  CertificateList,
  ExtendedKeyUsage,
  KeyUsage,
  SubjectAlternativeName,
} from '@peculiar/asn1-x509';
import { describe, expect, it } from 'vitest';
import { readCaCertificate } from '../../src/modules/certificates/ca.parse.ts';
import type { Issuer } from '../../src/modules/certificates/ca.authority.ts';
import { encodeCrl, RevokedEntryCache } from '../../src/modules/certificates/crl.ts';
import { integer, oid, readOid, parseDer, toPem } from '../../src/modules/certificates/der.ts';
import { LeafSigner } from '../../src/modules/certificates/leaf.ts';
import {
  encodeCertificate,
  encodeName,
  ipv6Bytes,
  keyIdentifier,
  signatureAlgorithmFor,
  spkiOf,
} from '../../src/modules/certificates/x509.encoder.ts';

function selfSignedIssuer(): Issuer {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const subject = encodeName({ organization: 'Test', common_name: 'Test CA' });
  const algorithm = signatureAlgorithmFor(privateKey);
  const der = encodeCertificate(
    {
      serial: randomBytes(16),
      issuer: subject,
      subject,
      notBefore: new Date('2026-01-01T00:00:00Z'),
      notAfter: new Date('2060-01-01T00:00:00Z'), // GeneralizedTime from 2050
      spki: spkiOf(privateKey),
      extensions: [],
    },
    privateKey,
    algorithm,
  );
  return { ...readCaCertificate(toPem(der, 'CERTIFICATE')), id: 'test', key: privateKey, algorithm };
}

const roundTrip = <T>(der: Buffer, type: new () => T) =>
  Buffer.from(AsnConvert.serialize(AsnConvert.parse(der, type)));

describe('DER primitives', () => {
  it.each([
    [0, '020100'],
    [127, '02017f'],
    [128, '02020080'],
    [600_000, '02030927c0'],
  ])('integer(%i) → %s', (value, hex) => expect(integer(value).toString('hex')).toBe(hex));

  it('object identifiers encode and read back (multi-byte arcs)', () => {
    for (const dotted of ['2.5.29.17', '1.2.840.113549.1.1.11', '1.3.6.1.5.5.7.48.1.2'])
      expect(readOid(parseDer(oid(dotted)))).toBe(dotted);
  });

  it('IPv6 text with :: and an IPv4 tail becomes its 16 bytes', () => {
    expect(ipv6Bytes('2001:db8::1').toString('hex')).toBe('20010db8000000000000000000000001');
    expect(ipv6Bytes('::ffff:192.0.2.1').toString('hex')).toBe('00000000000000000000ffffc0000201');
  });
});

describe('certificates', () => {
  const issuer = selfSignedIssuer();
  const signer = new LeafSigner(issuer, 'https://ca.example');

  it.each([
    ['ec', generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey],
    ['ed25519', generateKeyPairSync('ed25519').publicKey],
  ])('a %s leaf re-serializes byte for byte through the library, fields intact', (_name, publicKey) => {
    const serial = Buffer.from('00ff' + randomBytes(15).toString('hex'), 'hex'); // leading zero byte dropped
    const der = signer.sign({
      serial,
      subject: { country: 'DE', organization: 'Ex', common_name: 'www.example.com' },
      sans: ['www.example.com', '*.example.com', '192.0.2.1', '2001:db8::1', 'a@example.com'],
      spki: spkiOf(publicKey),
      rsa: false,
      profile: 'tls-server',
      notBefore: new Date('2026-12-01T00:00:00Z'),
      notAfter: new Date('2027-03-01T00:00:00Z'),
    });
    expect(roundTrip(der, Certificate).equals(der)).toBe(true);
    const cert = AsnConvert.parse(der, Certificate);
    const tbs = cert.tbsCertificate;
    expect(Buffer.from(tbs.serialNumber).toString('hex')).toBe(
      serial.subarray(1).toString('hex').replace(/^/, '00'),
    );
    expect(Buffer.from(AsnConvert.serialize(tbs.issuer)).equals(issuer.subject)).toBe(true);
    expect(Buffer.from(AsnConvert.serialize(tbs.subjectPublicKeyInfo)).equals(spkiOf(publicKey))).toBe(true);
    const ext = new Map(tbs.extensions!.map((e) => [e.extnID, e]));
    const basic = AsnConvert.parse(ext.get('2.5.29.19')!.extnValue, BasicConstraints);
    expect([ext.get('2.5.29.19')!.critical, basic.cA]).toEqual([true, false]);
    const usage = AsnConvert.parse(ext.get('2.5.29.15')!.extnValue, KeyUsage);
    expect(usage.toJSON()).toEqual(['digitalSignature']);
    expect(AsnConvert.parse(ext.get('2.5.29.37')!.extnValue, ExtendedKeyUsage)).toEqual([
      '1.3.6.1.5.5.7.3.1',
    ]);
    const san = AsnConvert.parse(ext.get('2.5.29.17')!.extnValue, SubjectAlternativeName);
    // The library reads iPAddress back as text.
    expect(san.map((n) => n.dNSName ?? n.rfc822Name ?? n.iPAddress)).toEqual([
      'www.example.com',
      '*.example.com',
      '192.0.2.1',
      '2001:db8::1',
      'a@example.com',
    ]);
    expect(
      ext.has('2.5.29.14') && ext.has('2.5.29.35') && ext.has('2.5.29.31') && ext.has('1.3.6.1.5.5.7.1.1'),
    ).toBe(true);
    expect(createPublicKey(toPem(der, 'CERTIFICATE')).asymmetricKeyType).toBe(publicKey.asymmetricKeyType);
  });

  it('the CA itself (GeneralizedTime after 2049) re-serializes byte for byte', () => {
    expect(roundTrip(issuer.der, Certificate).equals(issuer.der)).toBe(true);
    expect(issuer.keyId.equals(keyIdentifier(issuer.spki))).toBe(true);
  });
});

describe('CRLs', () => {
  it('re-serialize byte for byte with entries, reasons (unspecified left out) and the CRL number', () => {
    const issuer = selfSignedIssuer();
    const entries = [
      { serial: '0a' + randomBytes(15).toString('hex'), revokedAt: 1_790_000_000, reason: 'keyCompromise' },
      { serial: 'ff' + randomBytes(15).toString('hex'), revokedAt: 1_790_000_001, reason: 'unspecified' },
      { serial: randomBytes(16).toString('hex'), revokedAt: 1_790_000_001, reason: 'certificateHold' },
    ];
    const der = encodeCrl(issuer, entries, {
      number: 300,
      thisUpdate: new Date(),
      nextUpdate: new Date(Date.now() + 86_400_000),
    });
    expect(roundTrip(der, CertificateList).equals(der)).toBe(true);
    const crl = AsnConvert.parse(der, CertificateList).tbsCertList;
    expect(crl.revokedCertificates).toHaveLength(3);
    expect(crl.revokedCertificates!.map((r) => r.crlEntryExtensions?.length ?? 0)).toEqual([1, 0, 1]);
    expect(crl.crlExtensions!.map((e) => e.extnID)).toEqual(['2.5.29.35', '2.5.29.20']);
    const empty = encodeCrl(issuer, [], {
      number: 1,
      thisUpdate: new Date(),
      nextUpdate: new Date(Date.now() + 1000),
    });
    expect(roundTrip(empty, CertificateList).equals(empty)).toBe(true);
  });

  // How fast is bench/ca/crl-100k.ts's business (a timed assertion here flaked on a loaded machine).
  it('100,000 entries encode and sign into one CRL', () => {
    const issuer = selfSignedIssuer();
    const entries = Array.from({ length: 100_000 }, (_, i) => ({
      serial: randomBytes(16).toString('hex'),
      revokedAt: 1_790_000_000 + (i % 5000),
      reason: i % 3 ? 'keyCompromise' : 'superseded',
    }));
    const der = encodeCrl(issuer, entries, {
      number: 2,
      thisUpdate: new Date(),
      nextUpdate: new Date(Date.now() + 1000),
    });
    expect(der.length).toBeGreaterThan(100_000 * 40);
  });

  it('the entry cache gives the same bytes as a fresh encoding, across additions and removals', () => {
    const issuer = selfSignedIssuer();
    const meta = { number: 3, thisUpdate: new Date(), nextUpdate: new Date(Date.now() + 1000) };
    const entry = (i: number, reason: string | null = 'keyCompromise') => ({
      serial: (i % 2 ? 'f0' : '0a') + i.toString(16).padStart(30, '0'),
      revokedAt: 1_790_000_000 + i,
      reason,
    });
    const cache = new RevokedEntryCache();
    const first = [entry(1), entry(2, null), entry(3, 'certificateHold')];
    const tbsOf = (der: Buffer) => AsnConvert.serialize(AsnConvert.parse(der, CertificateList).tbsCertList);
    expect(tbsOf(encodeCrl(issuer, first, meta, cache))).toEqual(tbsOf(encodeCrl(issuer, first, meta)));
    // One more revocation, a hold released (entry 3 gone), a hold turned into a revocation (entry 2's reason).
    const second = [entry(4, 'superseded'), entry(1), entry(2, 'cessationOfOperation')];
    expect(tbsOf(encodeCrl(issuer, second, meta, cache))).toEqual(tbsOf(encodeCrl(issuer, second, meta)));
    expect(tbsOf(encodeCrl(issuer, [], meta, cache))).toEqual(tbsOf(encodeCrl(issuer, [], meta)));
  });
});
