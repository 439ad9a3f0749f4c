import { availableParallelism } from 'node:os';
import sharp, { type Metadata } from 'sharp';
import { AppError } from '../../core/errors/app-error.ts';

export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'gif';
export const CONTENT_TYPES: Record<ImageFormat, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
};
export const THUMBNAIL_TYPE = 'image/webp';
const THUMBNAIL_SIZE = 256;

/**
 * The format the first bytes announce, or undefined. Checked before any byte reaches libvips, whose many
 * loaders (SVG, TIFF, HEIF, PDF…) would otherwise all be reachable by whatever a client sends; the file
 * name and the declared content type are never trusted.
 */
export function sniffFormat(bytes: Buffer): ImageFormat | undefined {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    return 'png';
  const head = bytes.subarray(0, 12).toString('latin1');
  if (head.startsWith('GIF87a') || head.startsWith('GIF89a')) return 'gif';
  if (head.startsWith('RIFF') && head.slice(8, 12) === 'WEBP') return 'webp';
  return undefined;
}

export interface ProcessedImage {
  readonly contentType: string;
  readonly width: number;
  readonly height: number;
  readonly image: Buffer;
  readonly thumbnail: Buffer;
}

/**
 * Image work runs on libuv's thread pool, off the event loop, but it is CPU all the same: decoding and
 * encoding a 1 MB photo takes ≈100 ms of a core. Unbounded, a burst of uploads occupies every core and the
 * event loop waits for one (a `/healthz` probe took 440 ms at the 99th percentile under 8 concurrent
 * uploads on 2 cores). So at most one image per core but one is processed at a time, libvips on one thread
 * each: a core stays free for the event loop, and further uploads wait their turn here.
 */
const IMAGE_SLOTS = Math.max(1, availableParallelism() - 1);
let busySlots = 0;
const waitingForSlot: (() => void)[] = [];

async function inImageSlot<T>(work: () => Promise<T>): Promise<T> {
  if (busySlots < IMAGE_SLOTS) busySlots++;
  // A slot is handed over by the one finishing (busySlots stays), so no newcomer can take it in between.
  else await new Promise<void>((resolve) => waitingForSlot.push(resolve));
  try {
    return await work();
  } finally {
    const next = waitingForSlot.shift();
    if (next) next();
    else busySlots--;
  }
}

const unsupported = () =>
  new AppError('UNSUPPORTED_MEDIA_TYPE', 'Only JPEG, PNG, WebP and GIF images are accepted.');

/**
 * Checks and re-encodes an upload: format by magic bytes, the declared pixel count (all frames) against
 * `maxPixels` from the header alone — before anything is decoded — then auto-orientation, re-encoding in
 * its own format without any metadata (sharp keeps none unless asked: no EXIF, GPS, XMP or ICC text), and
 * a WebP thumbnail. sharp works on libuv's thread pool, so the event loop stays free meanwhile.
 * @example const { image, thumbnail } = await processImage(bytes, 25_000_000)
 */
export function processImage(bytes: Buffer, maxPixels: number): Promise<ProcessedImage> {
  // One libvips thread per image: the slots above bound the cores image work may take.
  if (sharp.concurrency() !== 1) sharp.concurrency(1);
  return inImageSlot(() => checkAndEncode(bytes, maxPixels));
}

async function checkAndEncode(bytes: Buffer, maxPixels: number): Promise<ProcessedImage> {
  const format = sniffFormat(bytes);
  if (!format) throw unsupported();
  const animated = format === 'gif' || format === 'webp';
  let meta: Metadata;
  try {
    // Header only; the pixel bound is ours below (limitInputPixels: false so the message is ours).
    meta = await sharp(bytes, { animated, limitInputPixels: false }).metadata();
  } catch {
    throw unsupported();
  }
  if (meta.format !== format || !meta.width || !meta.height) throw unsupported();
  const pages = meta.pages ?? 1;
  const frameHeight = meta.pageHeight ?? meta.height;
  if (meta.width * frameHeight * pages > maxPixels) {
    throw new AppError(
      'PAYLOAD_TOO_LARGE',
      `The image declares ${meta.width}×${frameHeight} pixels${pages > 1 ? ` × ${pages} frames` : ''}; at most ${maxPixels} are accepted.`,
    );
  }
  const input = { animated, limitInputPixels: maxPixels, failOn: 'error' as const };
  try {
    const pipeline = sharp(bytes, input).rotate();
    // Plain libjpeg-turbo with optimised Huffman tables: mozjpeg's trellis search made files ≈13 % smaller
    // but cost ≈15× the CPU (≈1 s for a 1 MB photo), which made every upload a lever for denial of service.
    const encoded =
      format === 'jpeg'
        ? pipeline.jpeg({ quality: 85, optimiseCoding: true })
        : format === 'png'
          ? pipeline.png({ compressionLevel: 9 })
          : format === 'webp'
            ? pipeline.webp({ quality: 85 })
            : pipeline.gif();
    const [image, thumbnail] = await Promise.all([
      encoded.toBuffer({ resolveWithObject: true }),
      sharp(bytes, { limitInputPixels: maxPixels, failOn: 'error' })
        .rotate()
        .resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'inside', withoutEnlargement: true })
        .webp({ quality: 80 })
        .toBuffer(),
    ]);
    const height = image.info.pageHeight ?? image.info.height;
    return {
      contentType: CONTENT_TYPES[format],
      width: image.info.width,
      height,
      image: image.data,
      thumbnail,
    };
  } catch {
    // A truncated or corrupt body: the client's fault, never a 500.
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'The image could not be decoded.');
  }
}
