import type { Redis } from 'ioredis';
import { newId } from '../../core/ids.ts';

export type InvalidationKind = 'account' | 'session' | 'api_key';
export type Forget = (kind: InvalidationKind, id: string) => void;

const CHANNEL = 'bulwark:auth:invalidate';

/**
 * Tells the other instances to drop cached auth state at once (Redis pub/sub). Without Redis, or if a
 * message is lost, the caches' own bound (REVOCATION_BOUND_MS) still applies.
 */
export async function connectInvalidationBus(
  redis: Redis,
  forgetLocally: Forget,
): Promise<{ publish: Forget; close: () => Promise<void> }> {
  const origin = newId();
  // The shared client fails commands at once while it is not connected; the subscription must instead wait
  // for the connection (a fresh duplicate is never connected yet). If Redis is down it still fails after a
  // retry, so the boot goes on; it is made again on every `ready` (ioredis only re-subscribes by itself
  // to channels it had subscribed).
  const subscriber = redis.duplicate({ enableOfflineQueue: true });
  const subscribe = () =>
    subscriber.subscribe(CHANNEL).then(
      () => undefined,
      () => undefined,
    );
  subscriber.on('ready', () => void subscribe());
  subscriber.on('error', () => undefined);
  subscriber.on('message', (_channel: string, message: string) => {
    try {
      const event = JSON.parse(message) as { origin: string; kind: InvalidationKind; id: string };
      if (event.origin !== origin) forgetLocally(event.kind, event.id);
    } catch {
      // A malformed message is ignored: the TTL bound still holds.
    }
  });
  await subscribe();
  return {
    publish: (kind, id) =>
      void redis.publish(CHANNEL, JSON.stringify({ origin, kind, id })).catch(() => undefined),
    close: async () => {
      subscriber.disconnect();
    },
  };
}
