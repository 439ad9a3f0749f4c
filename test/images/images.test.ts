import { readdir } from 'node:fs/promises';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, QUICK_AUTH_ENV, type TestApp } from '../helpers/app.ts';
import { signUp, type TestUser } from '../helpers/auth.ts';
import { gql } from '../graphql/helpers.ts';
import { animatedGif, bomb, declaredPng, jpegWithGps, multipart, png, webp } from './fixtures.ts';

let t: TestApp;
let owner: TestUser;
let other: TestUser;
let animalId: string;

beforeAll(async () => {
  t = await buildTestApp({ ...QUICK_AUTH_ENV, MAX_UPLOAD_BYTES: '200kb', MAX_IMAGE_PIXELS: '1000000' });
  [owner, other] = [await signUp(t), await signUp(t)];
  const made = await gql(
    t,
    `mutation { createAnimal(input: { name: "Photogenic" }) { id } }`,
    {},
    owner.headers,
  );
  animalId = (made.data as any).createAnimal.id;
});
afterAll(() => t?.close());

const blobs = async () => (await readdir(`${t.config.storageDir}/images`).catch(() => [] as string[])).sort();

/** The GraphQL multipart request: operations, map, and the file part. */
async function uploadGql(bytes: Buffer, filename: string, headers = owner.headers, id = animalId) {
  const { body, contentType } = await multipart({
    operations: JSON.stringify({
      query:
        'mutation($id: ID!, $file: Upload!) { uploadAnimalImage(animalId: $id, file: $file) { id url thumbnailUrl width height contentType } }',
      variables: { id, file: null },
    }),
    map: JSON.stringify({ 0: ['variables.file'] }),
    0: { bytes, filename, type: 'image/png' },
  });
  const res = await t.app.inject({
    method: 'POST',
    url: '/graphql',
    headers: { ...headers, 'content-type': contentType, 'x-graphql-csrf': '1' },
    payload: body,
  });
  return res;
}

async function uploadRest(bytes: Buffer, filename: string, headers = owner.headers) {
  const { body, contentType } = await multipart({
    file: { bytes, filename, type: 'application/octet-stream' },
  });
  return t.app.inject({
    method: 'POST',
    url: `/v1/animals/${animalId}/images`,
    headers: { ...headers, 'content-type': contentType },
    payload: body,
  });
}

const imageOf = (res: { json: () => any }) => res.json().data?.uploadAnimalImage;

describe('uploads', () => {
  it.each([
    ['PNG', png, 'image/png', 64, 32],
    ['WebP', webp, 'image/webp', 48, 48],
    ['animated GIF', animatedGif, 'image/gif', 16, 16],
  ])('accepts a %s, re-encoded, with a thumbnail', async (_name, make, type, width, height) => {
    const res = await uploadGql(await make(), 'x.bin');
    expect(res.statusCode).toBe(200);
    const image = imageOf(res);
    expect(image).toMatchObject({ contentType: type, width, height });
    const served = await t.app.inject({ method: 'GET', url: `/v1/images/${image.id}` });
    expect(served.headers['content-type']).toBe(type);
    const meta = await sharp(served.rawPayload, { animated: true }).metadata();
    if (type === 'image/gif') expect(meta.pages).toBe(3);
    const thumb = await t.app.inject({ method: 'GET', url: `/v1/images/${image.id}/thumbnail` });
    expect(thumb.headers['content-type']).toBe('image/webp');
    expect((await sharp(thumb.rawPayload).metadata()).format).toBe('webp');
  });

  it('auto-orients a JPEG and strips its EXIF (camera and GPS)', async () => {
    const original = await jpegWithGps();
    const sent = await sharp(original).metadata();
    expect(sent.orientation).toBe(6);
    expect(sent.exif?.includes(Buffer.from('SpyCam'))).toBe(true);
    const image = imageOf(await uploadGql(original, 'holiday.jpg'));
    expect(image).toMatchObject({ contentType: 'image/jpeg', width: 20, height: 40 });
    const served = await t.app.inject({ method: 'GET', url: `/v1/images/${image.id}` });
    const meta = await sharp(served.rawPayload).metadata();
    expect(meta.exif).toBeUndefined();
    expect(meta.orientation ?? 1).toBe(1);
    expect(served.rawPayload.includes(Buffer.from('SpyCam'))).toBe(false);
  });

  it.each([
    ['a text file named .png', () => Buffer.from('just some text, not an image\n'), 'notes.png', 415],
    ['an SVG', () => Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'), 'x.png', 415],
    ['a truncated PNG', async () => (await png()).subarray(0, 60), 'cut.png', 415],
    ['a declared 20,000×20,000 PNG', () => declaredPng(20_000, 20_000), 'huge.png', 413],
    ['a decompression bomb (2000×2000, a few KB)', () => bomb(2000), 'bomb.png', 413],
  ])('refuses %s, storing nothing', async (_name, make, filename, status) => {
    const before = await blobs();
    const res = await uploadRest(await make(), filename);
    expect(res.statusCode).toBe(status);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
    expect(await blobs()).toEqual(before);
    const gqlRes = await uploadGql(await make(), filename);
    expect(gqlRes.json().errors[0].extensions.code).toBe(
      status === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : 'PAYLOAD_TOO_LARGE',
    );
    expect(await blobs()).toEqual(before);
  });

  it('refuses a file over MAX_UPLOAD_BYTES with 413 while streaming, storing nothing', async () => {
    const big = Buffer.concat([await png(), Buffer.alloc(400 * 1024, 7)]);
    const before = await blobs();
    expect((await uploadRest(big, 'big.png')).statusCode).toBe(413);
    expect((await uploadGql(big, 'big.png')).statusCode).toBe(413);
    expect(await blobs()).toEqual(before);
  });

  it("only the animal's owner uploads; anonymous is 401", async () => {
    expect((await uploadRest(await png(), 'x.png', other.headers)).statusCode).toBe(403);
    expect((await uploadRest(await png(), 'x.png', {} as never)).statusCode).toBe(401);
    expect(imageOf(await uploadGql(await png(), 'x.png', other.headers))).toBeUndefined();
  });

  it('multipart GraphQL requests need the CSRF header', async () => {
    const { body, contentType } = await multipart({
      operations: JSON.stringify({ query: '{ me { id } }' }),
      map: '{}',
    });
    const res = await t.app.inject({
      method: 'POST',
      url: '/graphql',
      headers: { 'content-type': contentType },
      payload: body,
    });
    expect(res.statusCode).toBe(403);
  });
});

describe('serving, dedupe and removal', () => {
  it('serves with a strong ETag, 304, immutable caching and nosniff; REST twin answers the same shape', async () => {
    const res = await uploadRest(await png(10, 10, 1), 'a.png');
    expect(res.statusCode).toBe(201);
    const image = res.json();
    expect(image).toMatchObject({ width: 10, height: 10, content_type: 'image/png' });
    const first = await t.app.inject({ method: 'GET', url: `/v1/images/${image.id}` });
    expect(first.statusCode).toBe(200);
    expect(first.headers.etag).toMatch(/^"[0-9a-f]{64}"$/);
    expect(first.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(first.headers['x-content-type-options']).toBe('nosniff');
    const again = await t.app.inject({
      method: 'GET',
      url: `/v1/images/${image.id}`,
      headers: { 'if-none-match': String(first.headers.etag) },
    });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    const missing = await t.app.inject({
      method: 'GET',
      url: '/v1/images/00000000-0000-7000-8000-000000000000',
    });
    expect(missing.statusCode).toBe(404);
  });

  it('stores identical content once and removes the blobs with the last image naming them', async () => {
    const bytes = await png(12, 12, 99);
    const a = imageOf(await uploadGql(bytes, 'a.png'));
    const before = await blobs();
    const b = imageOf(await uploadGql(bytes, 'b.png'));
    expect(b.id).not.toBe(a.id);
    expect(await blobs()).toEqual(before);
    const del = (id: string, headers = owner.headers) =>
      gql(t, `mutation($id: ID!) { deleteImage(id: $id) }`, { id }, headers);
    expect((await del(a.id, other.headers)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await del(a.id)).data).toEqual({ deleteImage: true });
    expect(await blobs()).toEqual(before);
    expect((await del(b.id)).data).toEqual({ deleteImage: true });
    expect((await blobs()).length).toBe(before.length - 2);
  });

  it('deleting an animal removes its images and their blobs', async () => {
    const made = await gql(
      t,
      `mutation { createAnimal(input: { name: "Short-lived" }) { id } }`,
      {},
      owner.headers,
    );
    const id = (made.data as any).createAnimal.id;
    const before = await blobs();
    const image = imageOf(await uploadGql(await png(14, 14, 77), 'c.png', owner.headers, id));
    expect((await blobs()).length).toBe(before.length + 2);
    await gql(t, `mutation($id: ID!) { deleteAnimal(id: $id) }`, { id }, owner.headers);
    expect(await blobs()).toEqual(before);
    expect((await t.app.inject({ method: 'GET', url: `/v1/images/${image.id}` })).statusCode).toBe(404);
  });

  it('a profile photo replaces the previous one and shows on User.photo', async () => {
    const upload = async (bytes: Buffer) => {
      const { body, contentType } = await multipart({
        operations: JSON.stringify({
          query: 'mutation($f: Upload!) { uploadProfilePhoto(file: $f) { id } }',
          variables: { f: null },
        }),
        map: JSON.stringify({ 0: ['variables.f'] }),
        0: { bytes, filename: 'me.png', type: 'image/png' },
      });
      const res = await t.app.inject({
        method: 'POST',
        url: '/graphql',
        headers: { ...other.headers, 'content-type': contentType, 'x-graphql-csrf': '1' },
        payload: body,
      });
      return res.json().data.uploadProfilePhoto.id as string;
    };
    const first = await upload(await png(20, 20, 5));
    const second = await upload(await png(20, 20, 6));
    const me = await gql(t, `{ me { photo { id width } } }`, {}, other.headers);
    expect((me.data as any).me.photo).toEqual({ id: second, width: 20 });
    expect((await t.app.inject({ method: 'GET', url: `/v1/images/${first}` })).statusCode).toBe(404);
  });
});
