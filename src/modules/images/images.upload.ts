import { AppError } from '../../core/errors/app-error.ts';

/**
 * The bytes of an uploaded file, refused with 413 past `maxBytes`. The request body was already bounded
 * while it streamed (the multipart parser's limit); this bounds the one file within it.
 * @example const bytes = await readUpload(args.file, config.maxUploadBytes)
 */
export async function readUpload(file: Blob, maxBytes: number): Promise<Buffer> {
  if (file.size > maxBytes) {
    throw new AppError('PAYLOAD_TOO_LARGE', `The file is larger than ${maxBytes} bytes.`);
  }
  if (file.size === 0) throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'The file is empty.');
  return Buffer.from(await file.arrayBuffer());
}
