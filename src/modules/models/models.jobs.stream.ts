import { AppError, validationFailed } from '../../core/errors/app-error.ts';

export interface StreamLimits {
  /** The whole body, in bytes (MAX_JOB_BYTES): past it, 413. */
  readonly maxBytes: number;
  /** Rows in `inputs`: past it, 422. */
  readonly maxRows: number;
}

const notJson = () => new AppError('BAD_REQUEST', 'The request body is not valid JSON.');
const tooLarge = () => new AppError('PAYLOAD_TOO_LARGE', 'The body is larger than MAX_JOB_BYTES allows.');

const WS = new Set([0x20, 0x0a, 0x0d, 0x09]);
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN = new Set([0x7b, 0x5b]); // { [
const CLOSE = new Set([0x7d, 0x5d]); // } ]

type State =
  | 'start'
  | 'key-or-end'
  | 'key'
  | 'colon'
  | 'value'
  | 'row-or-end'
  | 'row-start'
  | 'row'
  | 'sep'
  | 'after-inputs'
  | 'next-key'
  | 'done';

/**
 * Reads `{"inputs": [row, row, ...]}` as it streams in and yields each row parsed on its own, so memory holds
 * one row (and one network chunk), not the body. Only the structure around the rows is scanned here; a row's
 * text is handed to JSON.parse whole. Syntax errors are 400, a body over `maxBytes` 413, a shape that is not
 * `{inputs: [objects…]}` (another key, not an array, no rows, too many) 422 naming the place, as the
 * schema-validated routes answer.
 */
export async function* streamRows(
  body: AsyncIterable<Buffer | string>,
  limits: StreamLimits,
): AsyncGenerator<unknown> {
  let state: State = 'start';
  let bytes = 0;
  let rows = 0;
  let sawInputs = false;
  // The current key's or row's bytes, and the string/escape/depth state while inside one.
  let parts: Buffer[] = [];
  let inString = false;
  let escaped = false;
  let depth = 0;

  for await (const piece of body) {
    const chunk = typeof piece === 'string' ? Buffer.from(piece) : piece;
    bytes += chunk.length;
    if (bytes > limits.maxBytes) throw tooLarge();
    let start = 0; // where the current key's or row's bytes begin in this chunk
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (state === 'key' || state === 'row') {
        if (inString) {
          if (escaped) escaped = false;
          else if (c === BACKSLASH) escaped = true;
          else if (c === QUOTE) inString = false;
          if (state === 'key' && !inString) {
            parts.push(chunk.subarray(start, i + 1));
            const key = parseJson(Buffer.concat(parts));
            parts = [];
            if (key !== 'inputs' || sawInputs)
              throw validationFailed([
                {
                  path: `/body/${String(key).slice(0, 64)}`,
                  message: 'is not a property of this body (or is repeated)',
                },
              ]);
            sawInputs = true;
            state = 'colon';
          }
          continue;
        }
        if (c === QUOTE) inString = true;
        else if (OPEN.has(c)) depth++;
        else if (CLOSE.has(c) && --depth === 0) {
          parts.push(chunk.subarray(start, i + 1));
          const row = parseJson(Buffer.concat(parts));
          parts = [];
          if (++rows > limits.maxRows)
            throw validationFailed([
              { path: '/body/inputs', message: `has more than ${limits.maxRows} rows` },
            ]);
          yield row;
          state = 'sep';
        }
        continue;
      }
      if (WS.has(c)) continue;
      switch (state) {
        case 'start':
          if (c !== 0x7b) throw notJsonOrShape(c, '/body', 'must be an object {inputs: [...]}');
          state = 'key-or-end';
          break;
        case 'key-or-end':
        case 'next-key':
          if (c === 0x7d && state === 'key-or-end') {
            state = 'done';
            break;
          }
          if (c !== QUOTE) throw notJson();
          state = 'key';
          inString = true;
          start = i;
          break;
        case 'colon':
          if (c !== 0x3a) throw notJson();
          state = 'value';
          break;
        case 'value':
          if (c !== 0x5b) throw notJsonOrShape(c, '/body/inputs', 'must be an array of row objects');
          state = 'row-or-end';
          break;
        case 'row-or-end':
        case 'row-start':
          if (c === 0x5d && state === 'row-or-end') {
            throw validationFailed([{ path: '/body/inputs', message: 'must have at least one row' }]);
          }
          if (c !== 0x7b) throw notJsonOrShape(c, `/body/inputs/${rows}`, 'must be an object');
          state = 'row';
          depth = 1;
          start = i;
          break;
        case 'sep':
          if (c === 0x2c) state = 'row-start';
          else if (c === 0x5d) state = 'after-inputs';
          else throw notJson();
          break;
        case 'done':
          throw notJson();
        case 'after-inputs':
          // Another key (refused when it comes) or the end of the object.
          if (c === 0x2c) state = 'next-key';
          else if (c === 0x7d) state = 'done';
          else throw notJson();
      }
    }
    if (state === 'key' || state === 'row') {
      parts.push(chunk.subarray(start));
      if (parts.reduce((n, p) => n + p.length, 0) > limits.maxBytes) throw tooLarge();
    }
  }
  if ((state as State) !== 'done') throw notJson();
  if (!sawInputs) throw validationFailed([{ path: '/body/inputs', message: 'is required' }]);
}

function parseJson(text: Buffer): unknown {
  try {
    return JSON.parse(text.toString('utf8'));
  } catch {
    throw notJson();
  }
}

/** A byte that starts a JSON value of the wrong kind is a 422 naming the place; anything else is not JSON. */
function notJsonOrShape(c: number, path: string, message: string): AppError {
  const startsValue =
    c === 0x22 ||
    c === 0x5b ||
    c === 0x7b ||
    c === 0x2d ||
    (c >= 0x30 && c <= 0x39) ||
    c === 0x74 ||
    c === 0x66 ||
    c === 0x6e;
  return startsValue ? validationFailed([{ path, message }]) : notJson();
}
