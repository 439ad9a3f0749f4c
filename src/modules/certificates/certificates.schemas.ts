import { Type, type Static } from 'typebox';
import { PagedList, PageQuery, SafeString } from '../../core/http/schemas.ts';
import { KEY_ALGORITHMS } from './keys.ts';

export const REVOCATION_REASONS = [
  'unspecified',
  'keyCompromise',
  'cACompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'privilegeWithdrawn',
  'aACompromise',
] as const;
export type RevocationReason = (typeof REVOCATION_REASONS)[number] | 'certificateHold';

const Subject = Type.Object(
  {
    common_name: SafeString({ minLength: 1, maxLength: 64 }),
    organization: Type.Optional(SafeString({ minLength: 1, maxLength: 64 })),
    organizational_unit: Type.Optional(SafeString({ minLength: 1, maxLength: 64 })),
    country: Type.Optional(Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166 alpha-2' })),
    state: Type.Optional(SafeString({ minLength: 1, maxLength: 128 })),
    locality: Type.Optional(SafeString({ minLength: 1, maxLength: 128 })),
  },
  { additionalProperties: false },
);

const Sans = Type.Array(SafeString({ minLength: 1, maxLength: 254 }), {
  maxItems: 100,
  description: 'DNS names (one leading wildcard label allowed), IPv4/IPv6 addresses, email addresses',
});
const Labels = Type.Record(
  Type.String({ pattern: '^[A-Za-z0-9_.:/-]{1,63}$' }),
  SafeString({ maxLength: 256 }),
  {
    maxProperties: 32,
    description: 'String-to-string metadata (keys: letters, digits, `_.:/-`)',
  },
);
export const PROFILES = ['tls-server', 'tls-client', 'email'] as const;

export const CreateCertificateBody = Type.Object(
  {
    subject: Type.Optional(Subject),
    sans: Type.Optional(Sans),
    key_algorithm: Type.Optional(Type.Union(KEY_ALGORITHMS.map((a) => Type.Literal(a)))),
    csr_pem: Type.Optional(Type.String({ minLength: 1, maxLength: 16_384 })),
    profile: Type.Optional(
      Type.Union(
        PROFILES.map((p) => Type.Literal(p)),
        { default: 'tls-server' },
      ),
    ),
    validity_days: Type.Optional(Type.Integer({ minimum: 1 })),
    passphrase: Type.Optional(Type.String({ minLength: 8, maxLength: 1024 })),
    owner_id: Type.Optional(Type.String({ format: 'uuid' })),
    labels: Type.Optional(Labels),
  },
  {
    additionalProperties: false,
    $id: 'CreateCertificate',
    description: 'Either `subject` (the server generates the key) or `csr_pem` (the client keeps its key)',
  },
);
export type CreateCertificateInput = Static<typeof CreateCertificateBody>;

export const UpdateCertificateBody = Type.Object(
  {
    action: Type.Optional(
      Type.Union([
        Type.Literal('renew'),
        Type.Literal('deactivate'),
        Type.Literal('activate'),
        Type.Literal('revoke'),
      ]),
    ),
    reason: Type.Optional(Type.Union(REVOCATION_REASONS.map((r) => Type.Literal(r)))),
    validity_days: Type.Optional(Type.Integer({ minimum: 1 })),
    labels: Type.Optional(Labels),
  },
  { additionalProperties: false, $id: 'UpdateCertificate', minProperties: 1 },
);
export type UpdateCertificateInput = Static<typeof UpdateCertificateBody>;

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const Certificate = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    owner_id: Type.String({ format: 'uuid' }),
    serial_number: Type.String({ description: 'Lowercase hex' }),
    status: Type.Union([
      Type.Literal('active'),
      Type.Literal('on_hold'),
      Type.Literal('revoked'),
      Type.Literal('expired'),
    ]),
    is_active: Type.Boolean(),
    subject: Type.Record(Type.String(), Type.String()),
    sans: Type.Array(Type.String()),
    key_algorithm: Type.String(),
    profile: Type.String(),
    not_before: Type.String({ format: 'date-time' }),
    not_after: Type.String({ format: 'date-time' }),
    fingerprint_sha256: Type.String(),
    certificate_pem: Type.String(),
    chain_pem: Type.String({ description: 'The issuing intermediate, then the root' }),
    labels: Type.Record(Type.String(), Type.String()),
    revocation_reason: Nullable(Type.String()),
    revoked_at: Nullable(Type.String({ format: 'date-time' })),
    renewed_from: Nullable(Type.String({ format: 'uuid' })),
    renewed_by: Nullable(Type.String({ format: 'uuid' })),
    created_at: Type.String({ format: 'date-time' }),
  },
  { $id: 'Certificate' },
);

export const CreatedCertificate = Type.Object(
  {
    ...Certificate.properties,
    private_key_pem: Type.Optional(
      Type.String({ description: 'Only when the server generated the key; in this response only' }),
    ),
  },
  { $id: 'CreatedCertificate' },
);

export const CertificateList = PagedList(Certificate, 'CertificateList');

export const CertificateListQuery = Type.Object(
  {
    ...PageQuery.properties,
    status: Type.Optional(
      Type.Union([
        Type.Literal('active'),
        Type.Literal('on_hold'),
        Type.Literal('revoked'),
        Type.Literal('expired'),
      ]),
    ),
    owner_id: Type.Optional(Type.String({ format: 'uuid' })),
    expiring_before: Type.Optional(Type.String({ format: 'date-time' })),
    common_name: Type.Optional(SafeString({ minLength: 1, maxLength: 64 })),
    san: Type.Optional(SafeString({ minLength: 1, maxLength: 254 })),
  },
  { additionalProperties: false },
);

export const CERTIFICATE_SCHEMAS = [
  CreateCertificateBody,
  UpdateCertificateBody,
  Certificate,
  CreatedCertificate,
  CertificateList,
];
