import { Type } from 'typebox';
import { PageQuery, SafeString } from '../../core/http/schemas.ts';

export const AuditEntry = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    seq: Type.Union([Type.Integer(), Type.Null()], {
      description:
        'Position in the chain: 1, 2, 3, … without gaps; null until chained (within about a second)',
    }),
    occurred_at: Type.String({ format: 'date-time' }),
    action: Type.String({ examples: ['certificate.revoked', 'ca.init'] }),
    actor_id: Type.Union([Type.String({ format: 'uuid' }), Type.Null()], { description: 'null: the system' }),
    request_id: Type.Union([Type.String(), Type.Null()]),
    ip: Type.Union([Type.String(), Type.Null()]),
    target: Type.String({ examples: ['certificate:0190…'] }),
    details: Type.Record(Type.String(), Type.Unknown()),
    prev_hash: Type.Union([Type.String(), Type.Null()], {
      description: 'The previous row’s hash (64 zeros for the first); null until chained',
    }),
    hash: Type.Union([Type.String(), Type.Null()], {
      description: 'SHA-256 (hex) of prev_hash + this row’s canonical JSON (RFC 8785); null until chained',
    }),
  },
  { $id: 'AuditEntry' },
);

export const AuditList = Type.Object(
  { items: Type.Array(AuditEntry), next_cursor: Type.Union([Type.String(), Type.Null()]) },
  { $id: 'AuditList' },
);

export const AuditQuery = Type.Object({
  ...PageQuery.properties,
  action: Type.Optional(SafeString({ minLength: 1, maxLength: 100 })),
  actor_id: Type.Optional(Type.String({ format: 'uuid' })),
  target: Type.Optional(SafeString({ minLength: 1, maxLength: 200 })),
  since: Type.Optional(Type.String({ format: 'date-time', description: 'occurred_at ≥ since' })),
  until: Type.Optional(Type.String({ format: 'date-time', description: 'occurred_at ≤ until' })),
});
