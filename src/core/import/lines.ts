import { isUtf8 } from 'node:buffer';
// One line splitter for every streamed import (accounts, catalogue items, feedback).

/** One line of the input: its 1-based number, and its text or why it has none. */
export type Line =
  | { readonly number: number; readonly text: string; readonly problem?: undefined }
  | { readonly number: number; readonly text?: undefined; readonly problem: string };

const NEWLINE = 0x0a;
const CR = 0x0d;
const EMPTY = Buffer.alloc(0);

/**
 * Splits a byte stream into lines (`\n` or `\r\n`) and decodes each as UTF-8. Unlike `node:readline`, a
 * line longer than `maxBytes` is dropped as it streams in and reported, so one runaway line (a file
 * without newlines) cannot exhaust memory. Pulling lines pauses the stream: backpressure comes free.
 * @example for await (const line of readLines(createReadStream(file), 64 * 1024)) …
 */
export async function* readLines(
  input: AsyncIterable<Buffer | string>,
  maxBytes: number,
): AsyncGenerator<Line, void, undefined> {
  let parts: Buffer[] = [];
  let size = 0;
  let overflow = false;
  let number = 0;

  const finish = (tail: Buffer): Line => {
    number += 1;
    const tooLong = overflow || size + tail.length > maxBytes + 1; // + 1: the `\r` of a `\r\n`
    let bytes = tooLong ? EMPTY : parts.length === 0 ? tail : Buffer.concat([...parts, tail]);
    parts = [];
    size = 0;
    overflow = false;
    if (bytes.length > 0 && bytes[bytes.length - 1] === CR) bytes = bytes.subarray(0, -1);
    if (tooLong || bytes.length > maxBytes) return { number, problem: `longer than ${maxBytes} bytes` };
    if (!isUtf8(bytes)) return { number, problem: 'not valid UTF-8' };
    const text = bytes.toString('utf8');
    // A byte-order mark (Windows editors write one) is not part of the first line's JSON.
    return { number, text: number === 1 && text.startsWith('\uFEFF') ? text.slice(1) : text };
  };

  for await (const raw of input) {
    const chunk = typeof raw === 'string' ? Buffer.from(raw) : raw;
    let start = 0;
    for (let end = chunk.indexOf(NEWLINE); end !== -1; end = chunk.indexOf(NEWLINE, start)) {
      yield finish(chunk.subarray(start, end));
      start = end + 1;
    }
    const rest = chunk.subarray(start);
    if (overflow || rest.length === 0) continue;
    if (size + rest.length > maxBytes + 1) {
      overflow = true;
      parts = [];
      size = 0;
    } else {
      // A copy: the stream may reuse its buffer for the next chunk.
      parts.push(Buffer.from(rest));
      size += rest.length;
    }
  }
  if (size > 0 || overflow) yield finish(EMPTY);
}
