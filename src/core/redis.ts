import { Redis } from 'ioredis';

/** A Redis client for shared counters and caches; commands fail fast rather than queue while it is down. */
export function connectRedis(url: string): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false });
  redis.on('error', () => undefined); // reconnects by itself; callers see command errors
  return redis;
}
