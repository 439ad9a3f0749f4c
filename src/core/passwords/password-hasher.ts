// argon2id hashing and verification with @node-rs/argon2 (native, on libuv's thread pool, off the event
// loop), plus verification of the legacy formats imported from the Python systems.
import { randomBytes } from 'node:crypto';
import { hash as argon2Hash, parseOptions, verify as argon2Verify } from '@node-rs/argon2';
import type { Algorithm, Options, Version } from '@node-rs/argon2';
import { MAX_HASH_LENGTH, verifyLegacyHash } from './legacy-hashes.ts';

/** argon2id cost parameters; `memoryCost` is in KiB. */
export interface Argon2Params {
  readonly memoryCost: number;
  readonly timeCost: number;
  readonly parallelism: number;
}

/** OWASP's argon2id recommendation: 19 MiB, 2 passes, 1 lane. */
export const DEFAULT_ARGON2_PARAMS: Argon2Params = Object.freeze({
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
});

/**
 * The most a stored argon2 hash may ask for (raised to the configured parameters when those are higher).
 * verify() takes its cost from the hash, and an imported `m=4294967295` gets the process OOM-killed.
 */
export const ARGON2_LIMITS: Argon2Params = Object.freeze({
  memoryCost: 262_144,
  timeCost: 10,
  parallelism: 16,
});

/** The outcome of a verification; `needsRehash` asks the caller to store `hash(password)` instead. */
export interface VerifyResult {
  readonly ok: boolean;
  readonly needsRehash: boolean;
}

/** Hashes new passwords with argon2id and verifies argon2 and legacy hashes. */
export interface PasswordHasher {
  readonly params: Argon2Params;
  /** A PHC string, `$argon2id$v=19$m=…,t=…,p=…$salt$hash`. */
  hash(password: string): Promise<string>;
  /** Never throws: an unknown, malformed or over-expensive hash gives `ok: false`. */
  verify(storedHash: string, password: string): Promise<VerifyResult>;
  /** Spends the time of a real verify, for "no such account" (so it cannot be told from a wrong password). */
  verifyDummy(password: string): Promise<void>;
}

// @node-rs/argon2 declares these as ambient const enums, which isolatedModules cannot read; their values:
const ARGON2ID = 2 as Algorithm;
const VERSION_0X13 = 1 as Version;

const ARGON2_PREFIX = /^\$argon2(?:id|i|d)\$/;
const FAILED: VerifyResult = Object.freeze({ ok: false, needsRehash: false });

function checkParams(params: Argon2Params): Argon2Params {
  const { memoryCost, timeCost, parallelism } = params;
  const valid =
    [memoryCost, timeCost, parallelism].every(Number.isSafeInteger) &&
    timeCost >= 1 &&
    parallelism >= 1 &&
    parallelism <= 255 &&
    memoryCost >= 8 * parallelism; // argon2's own minimum
  if (!valid) throw new RangeError(`Invalid argon2 parameters: ${JSON.stringify(params)}`);
  return Object.freeze({ memoryCost, timeCost, parallelism });
}

/**
 * Creates a hasher with the given argon2id parameters (OWASP's by default).
 * @example
 * const hasher = createPasswordHasher(config.argon2);
 * const { ok, needsRehash } = await hasher.verify(account.passwordHash, password);
 */
export function createPasswordHasher(overrides: Partial<Argon2Params> = {}): PasswordHasher {
  const params = checkParams({ ...DEFAULT_ARGON2_PARAMS, ...overrides });
  const options: Options = { ...params, algorithm: ARGON2ID, version: VERSION_0X13 };
  const limits: Argon2Params = {
    memoryCost: Math.max(ARGON2_LIMITS.memoryCost, params.memoryCost),
    timeCost: Math.max(ARGON2_LIMITS.timeCost, params.timeCost),
    parallelism: Math.max(ARGON2_LIMITS.parallelism, params.parallelism),
  };

  async function verifyArgon2(storedHash: string, password: string): Promise<VerifyResult> {
    if (storedHash.length > MAX_HASH_LENGTH) return FAILED;
    const stored = parseOptions(storedHash); // throws on a malformed PHC string
    if (
      stored.memoryCost > limits.memoryCost ||
      stored.timeCost > limits.timeCost ||
      stored.parallelism > limits.parallelism
    ) {
      return FAILED;
    }
    if (!(await argon2Verify(storedHash, password))) return FAILED;
    const weaker =
      stored.algorithm !== ARGON2ID ||
      stored.version !== VERSION_0X13 ||
      stored.memoryCost < params.memoryCost ||
      stored.timeCost < params.timeCost ||
      stored.parallelism < params.parallelism;
    return { ok: true, needsRehash: weaker };
  }

  // Made once, right away, with the same parameters as real hashes so that verifying it costs the same.
  // Kept as a promise so a failure is retried on the next call instead of being remembered.
  let dummyHash: Promise<string> | undefined;
  const getDummyHash = (): Promise<string> =>
    (dummyHash ??= argon2Hash(randomBytes(32).toString('base64url'), options).catch((error: unknown) => {
      dummyHash = undefined;
      throw error;
    }));
  void getDummyHash().catch(() => undefined);

  return {
    params,
    hash: (password) => argon2Hash(password, options),
    async verify(storedHash, password) {
      try {
        if (!storedHash) return FAILED;
        if (ARGON2_PREFIX.test(storedHash)) return await verifyArgon2(storedHash, password);
        const ok = await verifyLegacyHash(storedHash, password);
        return { ok, needsRehash: ok };
      } catch {
        // Deliberately silent: the error text could carry the stored hash.
        return FAILED;
      }
    },
    async verifyDummy(password) {
      try {
        await argon2Verify(await getDummyHash(), password);
      } catch {
        // Nothing to report: the caller answers "invalid credentials" either way.
      }
    },
  };
}
