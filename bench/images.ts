// Image-upload figures of issue 9 (see bench/README.md "Images"): `POST /v1/animals/{id}/images` with a
// 1 MB JPEG under concurrent clients (p50, uploads/s), and `GET /healthz` p99 measured at the same time
// (the event loop must stay responsive: sharp decodes and encodes on libuv's thread pool, not on it).
// Usage: node bench/images.ts   (BENCH_DURATION seconds per run, default 10; PostgreSQL at 127.0.0.1:5432)
import autocannon, { type Result } from 'autocannon';
import { mkdtemp, rm } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { killAllChildren, startServer, treeCpu, type ServerChild } from './lib/children.ts';
import { obtainCredentials } from './lib/credentials.ts';
import { prepareDatabase } from './lib/database.ts';
import { round2 } from './lib/load.ts';
import { machine } from './lib/settings.ts';

const duration = Number(process.env.BENCH_DURATION ?? 10);
const uploaders = Number(process.env.BENCH_UPLOAD_CONNECTIONS ?? 8);
const workers = Number(process.env.BENCH_WORKERS ?? 1);
const log = (message: string) => process.stderr.write(`${message}\n`);
const BOUNDARY = 'bulwarkbenchboundary';
// A COM segment right after SOI with a fixed-width counter: every upload has other bytes (another content
// hash), so none is deduplicated and each one is decoded, re-encoded and thumbnailed.
const COUNTER_DIGITS = 16;

/** A ≈1 MB baseline JPEG of noise (noise does not compress, so its size is close to what is asked). */
async function makeJpeg(targetBytes: number): Promise<Buffer> {
  const width = 1600;
  const height = 1200;
  const pixels = Buffer.alloc(width * height * 3);
  let seed = 42;
  for (let i = 0; i < pixels.length; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    // Smooth gradients plus some noise: a photo-like image that still compresses a little.
    pixels[i] = ((i / 3) % width) / 8 + ((seed >> 16) & 0x3f);
  }
  let best: Buffer | undefined;
  for (let quality = 50; quality <= 100; quality += 2) {
    best = await sharp(pixels, { raw: { width, height, channels: 3 } })
      .jpeg({ quality })
      .toBuffer();
    if (best.length >= targetBytes) break;
  }
  return best!;
}

/** The multipart body around the JPEG, with the counter's offset inside it. */
function multipartTemplate(jpeg: Buffer): { body: Buffer; counterAt: number } {
  const comment = Buffer.alloc(4 + COUNTER_DIGITS, '0');
  comment.writeUInt16BE(0xfffe, 0);
  comment.writeUInt16BE(2 + COUNTER_DIGITS, 2);
  const file = Buffer.concat([jpeg.subarray(0, 2), comment, jpeg.subarray(2)]);
  const head = Buffer.from(
    `--${BOUNDARY}\r\ncontent-disposition: form-data; name="file"; filename="photo.jpg"\r\n` +
      'content-type: image/jpeg\r\n\r\n',
  );
  const tail = Buffer.from(`\r\n--${BOUNDARY}--\r\n`);
  return { body: Buffer.concat([head, file, tail]), counterAt: head.length + 2 + 4 };
}

async function createAnimal(url: string, token: string): Promise<string> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ query: 'mutation { createAnimal(input: { name: "Bench cat" }) { id } }' }),
  });
  const body = (await res.json()) as { data?: { createAnimal?: { id: string } } };
  const id = body.data?.createAnimal?.id;
  if (!id) throw new Error(`createAnimal: ${res.status} ${JSON.stringify(body)}`);
  return id;
}

interface Run {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly requests: number;
  readonly problems: number;
}

const runOf = (r: Result): Run => ({
  rps: round2(r.requests.average),
  p50: r.latency.p50,
  p99: r.latency.p99,
  requests: r.requests.total,
  problems: r.errors + r.timeouts + r.non2xx,
});

/** `/healthz` from a few clients at a fixed rate, the way a load balancer's probes come. */
const healthz = (server: ServerChild, seconds: number) =>
  autocannon({
    url: `${server.url}/healthz`,
    connections: 4,
    overallRate: 200,
    duration: seconds,
    timeout: 10,
  });

async function main(): Promise<void> {
  const database = await prepareDatabase(process.env.BENCH_DATABASE_URL);
  const dataDir = await mkdtemp(path.join(tmpdir(), 'bulwark-images-bench-'));
  let server: ServerChild | undefined;
  try {
    server = await startServer('bulwark', {
      scenario: 'images',
      databaseUrl: database.url,
      poolSize: 10,
      dataDir,
      startTimeoutMs: 120_000,
      launch: 'cli',
      workers,
      // One account uploads everything: its per-client limits are not what is measured.
      bulwarkEnv: { RATE_LIMIT: 'off' },
    });
    const { accessToken } = await obtainCredentials(server.url, database.fixture);
    const animalId = await createAnimal(server.url, accessToken);
    const jpeg = await makeJpeg(1024 * 1024);
    const { body, counterAt } = multipartTemplate(jpeg);
    log(
      `JPEG ${jpeg.length} bytes; request body ${body.length} bytes; ${uploaders} uploaders, ${workers} worker(s)`,
    );

    log('healthz alone');
    const idleHealth = runOf(await healthz(server, Math.min(duration, 5)));

    let counter = 0;
    const upload = (seconds: number) =>
      autocannon({
        url: `${server!.url}/v1/animals/${animalId}/images`,
        connections: uploaders,
        duration: seconds,
        timeout: 30,
        requests: [
          {
            method: 'POST',
            headers: {
              authorization: `Bearer ${accessToken}`,
              'content-type': `multipart/form-data; boundary=${BOUNDARY}`,
            },
            setupRequest: (request) => {
              const copy = Buffer.from(body);
              copy.write((counter++).toString(16).padStart(COUNTER_DIGITS, '0'), counterAt, 'latin1');
              return { ...request, body: copy };
            },
          },
        ],
      });

    log('warm-up');
    await upload(2);
    log('uploads, with healthz alongside');
    const cpuBefore = treeCpu(server.pid);
    const loadAverage = round2(os.loadavg()[0]!);
    const [uploads, health] = await Promise.all([upload(duration), healthz(server, duration)]);
    const cpuAfter = treeCpu(server.pid);
    const uploadRun = runOf(uploads);
    const report = {
      date: new Date().toISOString(),
      machine: machine(),
      loadAverage,
      durationSeconds: duration,
      workers,
      jpegBytes: jpeg.length,
      uploaders,
      upload: {
        ...uploadRun,
        mbPerSecond: round2((uploadRun.rps * jpeg.length) / 1e6),
        serverCpu:
          cpuBefore && cpuAfter ? round2((cpuAfter.total - cpuBefore.total) / uploads.duration) : null,
        mainThreadCpu:
          cpuBefore && cpuAfter
            ? round2((cpuAfter.mainThreads - cpuBefore.mainThreads) / uploads.duration)
            : null,
      },
      healthzDuringUploads: runOf(health),
      healthzAlone: idleHealth,
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    if (uploadRun.problems > 0) throw new Error(`${uploadRun.problems} uploads failed`);
  } finally {
    await server?.stop();
    killAllChildren();
    await database.teardown();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
