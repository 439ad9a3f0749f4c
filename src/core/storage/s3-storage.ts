import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import type { S3Config } from '../config/config.ts';
import { assertSafeKey, type BlobInfo, type BlobStorage } from './storage.ts';

const absent = (error: unknown) =>
  error instanceof S3ServiceException &&
  (error.$metadata.httpStatusCode === 404 || error.name === 'NoSuchKey');

/**
 * Blob storage in an S3-compatible bucket (AWS, MinIO, Ceph, s3rver…), chosen by S3_BUCKET. Path-style
 * addressing when an endpoint is given, as self-hosted servers expect.
 * @example createS3Storage({ bucket: 'bulwark', endpoint: 'http://127.0.0.1:9000', region: 'us-east-1', … })
 */
export function createS3Storage(config: S3Config): BlobStorage {
  const client = new S3Client({
    region: config.region,
    ...(config.endpoint ? { endpoint: config.endpoint, forcePathStyle: true } : {}),
    ...(config.accessKeyId && config.secretAccessKey
      ? { credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey } }
      : {}),
  });
  const Bucket = config.bucket;
  const stat = async (key: string): Promise<BlobInfo | undefined> => {
    assertSafeKey(key);
    try {
      const head = await client.send(new HeadObjectCommand({ Bucket, Key: key }));
      return { key, size: head.ContentLength ?? 0 };
    } catch (error) {
      if (absent(error)) return undefined;
      throw error;
    }
  };
  const stream = async (key: string): Promise<Readable | undefined> => {
    assertSafeKey(key);
    try {
      const object = await client.send(new GetObjectCommand({ Bucket, Key: key }));
      return object.Body as Readable;
    } catch (error) {
      if (absent(error)) return undefined;
      throw error;
    }
  };
  return {
    async put(key, body) {
      assertSafeKey(key);
      // A single PUT needs the length up front; blobs here are bounded (MAX_UPLOAD_BYTES), so buffer streams.
      const bytes = Buffer.isBuffer(body) ? body : Buffer.concat(await body.toArray());
      await client.send(new PutObjectCommand({ Bucket, Key: key, Body: bytes, ContentLength: bytes.length }));
      return { key, size: bytes.length };
    },
    async get(key) {
      const body = await stream(key);
      return body ? Buffer.concat(await body.toArray()) : undefined;
    },
    stream,
    stat,
    async delete(key) {
      const existed = (await stat(key)) !== undefined;
      if (existed) await client.send(new DeleteObjectCommand({ Bucket, Key: key }));
      return existed;
    },
  };
}
