import type { Readable } from 'node:stream';

export interface BlobInfo {
  readonly key: string;
  readonly size: number;
}

/** Where images, model files and other blobs live. Keys are slash-separated relative paths. */
export interface BlobStorage {
  /** Stores the bytes or the stream under `key`, replacing what was there; atomic for readers. */
  put(key: string, body: Buffer | Readable): Promise<BlobInfo>;
  /** The whole blob, or undefined when absent. */
  get(key: string): Promise<Buffer | undefined>;
  /** A stream of the blob, or undefined when absent. */
  stream(key: string): Promise<Readable | undefined>;
  stat(key: string): Promise<BlobInfo | undefined>;
  /** Removes the blob; true when something was there. */
  delete(key: string): Promise<boolean>;
}

const SAFE_KEY = /^(?!.*(^|\/)\.{1,2}(\/|$))[A-Za-z0-9._\-/]{1,512}$/;

/** Refuses keys that could escape the storage root (`..`, absolute paths, odd characters). */
export function assertSafeKey(key: string): void {
  if (!SAFE_KEY.test(key) || key.startsWith('/') || key.includes('//')) {
    throw new Error(`Unsafe storage key: ${JSON.stringify(key)}`);
  }
}
