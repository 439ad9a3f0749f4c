import { createHash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import { AppError, validationFailed } from '../../core/errors/app-error.ts';
import { newId } from '../../core/ids.ts';
import type { BlobStorage } from '../../core/storage/storage.ts';
import type { UploadedFile, UploadFields } from './models.service.ts';

const FIELDS = new Set(['name', 'version', 'description']);

/** Streams one file part to storage, hashing and counting it on the way. */
async function store(storage: BlobStorage, file: Readable & { truncated?: boolean }): Promise<UploadedFile> {
  const blobKey = `models/${newId()}.onnx`;
  const hash = createHash('sha256');
  let sizeBytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      sizeBytes += chunk.length;
      done(null, chunk);
    },
  });
  file.on('error', (error) => tap.destroy(error));
  await storage.put(blobKey, file.pipe(tap));
  if (file.truncated) {
    await storage.delete(blobKey);
    throw new AppError('PAYLOAD_TOO_LARGE', 'The model file is larger than MAX_MODEL_BYTES allows.');
  }
  return { blobKey, sizeBytes, sha256: hash.digest('hex') };
}

/**
 * Reads `POST /v1/models`' multipart body: the `file` part streamed to storage (bounded by the multipart
 * limits; past them a 413 and nothing kept), the text fields collected. On any error the stored file goes.
 */
export async function readUpload(
  request: FastifyRequest,
  storage: BlobStorage,
): Promise<{ file: UploadedFile | undefined; fields: UploadFields }> {
  if (!request.isMultipart())
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the model as multipart/form-data.');
  const fields: Record<string, string> = {};
  let file: UploadedFile | undefined;
  try {
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        if (part.fieldname !== 'file' || file) {
          part.file.resume();
          throw validationFailed([
            { path: `/body/${part.fieldname}`, message: 'only one file, in the field `file`' },
          ]);
        }
        file = await store(storage, part.file);
      } else if (FIELDS.has(part.fieldname) && !(part.fieldname in fields)) {
        fields[part.fieldname] = String(part.value);
      } else {
        throw validationFailed([
          { path: `/body/${part.fieldname}`, message: 'is not a field of this form (or is repeated)' },
        ]);
      }
    }
  } catch (error) {
    if (file) await storage.delete(file.blobKey);
    throw error;
  }
  return { file, fields };
}
