import { eq } from 'drizzle-orm';
import { TtlCache } from '../../core/cache/ttl-cache.ts';
import type { AppContext } from '../../core/context.ts';
import { AppError } from '../../core/errors/app-error.ts';
import { createWindowCounter, type WindowCount } from '../../core/rate-limit/limiter.ts';
import { apiKeys } from '../../db/schema/api-keys.ts';
import type { Principal } from '../auth/index.ts';

interface KeyLimits {
  readonly modelNames: readonly string[] | null;
  readonly requestsPerMinute: number | null;
}

/**
 * Per-API-key limits on model use: the allow-list (`model_names`) and the quota (`requests_per_minute`,
 * counted across instances when Redis is configured). Other credentials have neither. A key's limits are
 * cached for a few seconds: a change reaches every instance within that bound.
 */
export class ModelAccess {
  private readonly limits = new TtlCache<string, KeyLimits>(5_000);
  private readonly count: (key: string) => Promise<WindowCount>;
  private readonly ctx: AppContext;

  constructor(ctx: AppContext) {
    this.ctx = ctx;
    this.count = createWindowCounter(ctx.redis, 'model-quota', 60);
  }

  private async limitsOf(keyId: string): Promise<KeyLimits> {
    const cached = this.limits.get(keyId);
    if (cached) return cached;
    const [row] = await this.ctx.database.db
      .select({ modelNames: apiKeys.modelNames, requestsPerMinute: apiKeys.requestsPerMinute })
      .from(apiKeys)
      .where(eq(apiKeys.id, keyId))
      .limit(1);
    return this.limits.set(keyId, row ?? { modelNames: null, requestsPerMinute: null });
  }

  /** Throws 403 when the key may not use the model; with `count`, also spends one request of its quota (429). */
  async check(principal: Principal, model: string, count = true): Promise<void> {
    if (!principal.apiKeyId) return;
    const limits = await this.limitsOf(principal.apiKeyId);
    if (limits.modelNames && !limits.modelNames.includes(model))
      throw new AppError('FORBIDDEN', `This API key may not use the model ${model}.`);
    if (count && limits.requestsPerMinute !== null) {
      const state = await this.count(`key:${principal.apiKeyId}`);
      if (state.count > limits.requestsPerMinute) {
        throw new AppError(
          'RATE_LIMITED',
          `This API key may make ${limits.requestsPerMinute} model requests a minute.`,
          {
            headers: { 'retry-after': String(Math.max(1, Math.ceil(state.resetMs / 1000))) },
          },
        );
      }
    }
  }

  /** Filters a list of model names down to the ones the key may see. */
  async visible(principal: Principal, names: readonly string[]): Promise<Set<string>> {
    if (!principal.apiKeyId) return new Set(names);
    const { modelNames } = await this.limitsOf(principal.apiKeyId);
    return new Set(modelNames ? names.filter((n) => modelNames.includes(n)) : names);
  }
}
