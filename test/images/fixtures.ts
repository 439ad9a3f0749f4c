import sharp from 'sharp';
import { crc32, deflateSync } from 'node:zlib';

const solid = (width: number, height: number, r = 200) =>
  sharp({ create: { width, height, channels: 3, background: { r, g: 80, b: 40 } } });

export const png = (width = 64, height = 32, r = 200) => solid(width, height, r).png().toBuffer();
export const webp = () => solid(48, 48).webp().toBuffer();

/** A JPEG 40×20 stored with EXIF orientation 6 (shown rotated: 20×40), a camera model and a GPS position. */
export const jpegWithGps = () =>
  solid(40, 20)
    .jpeg()
    .withMetadata({ orientation: 6 })
    .withExifMerge({
      IFD0: { Make: 'SpyCam', Model: 'Tracker 9000' },
      IFD3: {
        GPSLatitudeRef: 'N',
        GPSLatitude: '48/1 51/1 2400/100',
        GPSLongitudeRef: 'E',
        GPSLongitude: '2/1 21/1 0/1',
      },
    })
    .toBuffer();

/** A three-frame animated GIF. */
export const animatedGif = async () =>
  sharp(await Promise.all([0, 120, 240].map((r) => solid(16, 16, r).png().toBuffer())), {
    join: { animated: true },
  })
    .gif({ delay: [100, 100, 100] })
    .toBuffer();

function chunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A small PNG whose header declares `width`×`height` (its data is a few zero rows: never decodable whole). */
export function declaredPng(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.alloc(1 + width * 3))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A real, fully decodable PNG of `side`×`side` one colour: tiny on the wire, large once decoded. */
export const bomb = (side: number) => solid(side, side).png({ compressionLevel: 9 }).toBuffer();

/** A multipart/form-data body as a browser would send it (serialized by the platform's own Request). */
export async function multipart(
  parts: Record<string, string | { bytes: Buffer; filename: string; type: string }>,
) {
  const form = new FormData();
  for (const [name, value] of Object.entries(parts)) {
    if (typeof value === 'string') form.append(name, value);
    else form.append(name, new Blob([new Uint8Array(value.bytes)], { type: value.type }), value.filename);
  }
  const request = new Request('http://localhost/', { method: 'POST', body: form });
  return {
    body: Buffer.from(await request.arrayBuffer()),
    contentType: request.headers.get('content-type')!,
  };
}
