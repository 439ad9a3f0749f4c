import { Tensor } from 'onnxruntime-node';
import type { FieldError } from '../../core/errors/app-error.ts';
import type { TensorSpec } from '../../db/schema/models.ts';

/** Element types Bulwark serves, with their V2 protocol names. Others are refused at upload. */
export const ELEMENT_TYPES = {
  float32: 'FP32',
  float64: 'FP64',
  int8: 'INT8',
  uint8: 'UINT8',
  int16: 'INT16',
  uint16: 'UINT16',
  int32: 'INT32',
  int64: 'INT64',
  bool: 'BOOL',
  string: 'BYTES',
} as const;
export type ElementType = keyof typeof ELEMENT_TYPES;
export type Scalar = number | boolean | string;

export const isElementType = (type: string): type is ElementType => Object.hasOwn(ELEMENT_TYPES, type);
export const v2Datatype = (type: string): string => ELEMENT_TYPES[type as ElementType] ?? type.toUpperCase();

/** A validated tensor: its dimensions and its elements in row-major order. */
export interface Prepared {
  readonly dims: readonly number[];
  readonly flat: readonly Scalar[];
}

const INT_RANGE: Partial<Record<ElementType, [number, number]>> = {
  int8: [-128, 127],
  uint8: [0, 255],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-2147483648, 2147483647],
};

/** Why `value` is not an element of `type`, or undefined when it is. */
function elementProblem(type: ElementType, value: unknown): string | undefined {
  if (type === 'string') return typeof value === 'string' ? undefined : 'is not a string';
  if (type === 'bool') return typeof value === 'boolean' ? undefined : 'is not a boolean';
  if (typeof value !== 'number') return 'is not a number';
  if (!Number.isFinite(value)) return 'is not a finite number';
  if (type === 'float32' || type === 'float64') return undefined;
  if (type === 'int64') return Number.isSafeInteger(value) ? undefined : 'is not an integer in ±2^53';
  const range = INT_RANGE[type];
  if (!Number.isInteger(value) || !range || value < range[0] || value > range[1])
    return `is not an ${type} integer`;
  return undefined;
}

/** The shape of a nested array, read along its first elements (rectangularity is checked after). */
function shapeOf(value: unknown): number[] {
  const dims: number[] = [];
  let cursor = value;
  while (Array.isArray(cursor)) {
    dims.push(cursor.length);
    cursor = cursor[0];
  }
  return dims;
}

/** Problems with declared dimensions: rank, fixed sizes, and no empty dimension. */
export function dimsProblem(dims: readonly number[], spec: TensorSpec): string | undefined {
  if (dims.length !== spec.shape.length)
    return `has rank ${dims.length}; the model expects rank ${spec.shape.length} (shape [${spec.shape.join(', ')}])`;
  for (const [axis, size] of dims.entries()) {
    if (size === 0) return `has an empty dimension ${axis}`;
    const want = spec.shape[axis];
    if (typeof want === 'number' && want >= 0 && want !== size)
      return `has ${size} elements in dimension ${axis}; the model expects ${want}`;
  }
  return undefined;
}

/**
 * Validates a nested array against a signature entry and flattens it: rank, fixed dimensions, no ragged rows,
 * every element of the model's type (finite numbers). Returns the tensor or the problem.
 * @example fromNested([[1, 2, 3]], { name: 'x', type: 'float32', shape: ['N', 3] }) // {dims: [1, 3], flat: [1, 2, 3]}
 */
export function fromNested(value: unknown, spec: TensorSpec): Prepared | string {
  const dims = shapeOf(value);
  const problem = dimsProblem(dims, spec);
  if (problem) return problem;
  const flat: Scalar[] = [];
  // The element's place (`[0][3]`) is spelled out only for the message of a problem, not on every element.
  const path: number[] = [];
  const at = () => path.map((i) => `[${i}]`).join('');
  const walk = (node: unknown, depth: number): string | undefined => {
    if (depth === dims.length) {
      if (Array.isArray(node)) return `element ${at()} is nested deeper than the rest`;
      const bad = elementProblem(spec.type as ElementType, node);
      if (bad) return `element ${at()} ${bad}`;
      flat.push(node as Scalar);
      return undefined;
    }
    if (!Array.isArray(node) || node.length !== dims[depth])
      return `is ragged: ${at() || 'the value'} does not have ${dims[depth]} elements like its siblings`;
    path.push(0);
    for (let i = 0; i < node.length; i++) {
      path[depth] = i;
      const bad = walk(node[i], depth + 1);
      if (bad) return bad;
    }
    path.pop();
    return undefined;
  };
  return walk(value, 0) ?? { dims, flat };
}

/** Validates a flat V2 tensor's `data` against its `shape` and the signature. */
export function fromFlat(data: unknown, dims: readonly number[], spec: TensorSpec): Prepared | string {
  const problem = dimsProblem(dims, spec);
  if (problem) return problem;
  const flatData = Array.isArray(data) ? data.flat(Infinity) : [];
  const count = dims.reduce((a, b) => a * b, 1);
  if (flatData.length !== count)
    return `has ${flatData.length} elements; shape [${dims.join(', ')}] needs ${count}`;
  for (const [i, element] of flatData.entries()) {
    const bad = elementProblem(spec.type as ElementType, element);
    if (bad) return `element ${i} ${bad}`;
  }
  return { dims, flat: flatData as Scalar[] };
}

type NumericArray =
  | Float32ArrayConstructor
  | Float64ArrayConstructor
  | Int8ArrayConstructor
  | Uint8ArrayConstructor
  | Int16ArrayConstructor
  | Uint16ArrayConstructor
  | Int32ArrayConstructor;
const NUMERIC: Partial<Record<ElementType, NumericArray>> = {
  float32: Float32Array,
  float64: Float64Array,
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
};

/**
 * The onnxruntime tensor of one or more prepared tensors stacked along the first dimension: `parts` are their
 * row-major elements, written straight into one typed array (no intermediate concatenation per batch).
 */
export function toOrtTensor(
  type: string,
  dims: readonly number[],
  parts: readonly (readonly Scalar[])[],
): Tensor {
  const shape = [...dims];
  const length = parts.reduce((n, p) => n + p.length, 0);
  const fill = <T>(into: { [i: number]: T }, convert: (v: Scalar) => T) => {
    let at = 0;
    for (const part of parts) for (let i = 0; i < part.length; i++) into[at++] = convert(part[i]!);
  };
  const numeric = NUMERIC[type as ElementType];
  if (numeric) {
    const data = new numeric(length);
    fill(data, (v) => v as number);
    return new Tensor(type as 'float32', data as Float32Array, shape);
  }
  if (type === 'int64') {
    const data = new BigInt64Array(length);
    fill(data, (v) => BigInt(v as number));
    return new Tensor('int64', data, shape);
  }
  if (type === 'bool') {
    const data = new Uint8Array(length);
    fill(data, (v) => (v ? 1 : 0));
    return new Tensor('bool', data, shape);
  }
  return new Tensor('string', parts.flat() as string[], shape);
}

/** A plain output: its element type, dimensions and row-major values (int64 as numbers, bool as booleans). */
export interface PlainTensor {
  readonly type: string;
  readonly dims: number[];
  readonly data: Scalar[];
}

export function fromOrtTensor(tensor: Tensor): PlainTensor {
  const dims = tensor.dims.map(Number);
  const raw = tensor.data as ArrayLike<unknown>;
  const data: Scalar[] = new Array<Scalar>(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const v = raw[i];
    data[i] =
      typeof v === 'bigint' ? Number(v) : tensor.type === 'bool' ? v === 1 || v === true : (v as Scalar);
  }
  return { type: tensor.type, dims, data };
}

/** Rows [start, start + rows) of a tensor whose first dimension is the batch. */
export function sliceRows(tensor: PlainTensor, start: number, rows: number): PlainTensor {
  const rowSize = tensor.dims.slice(1).reduce((a, b) => a * b, 1);
  return {
    type: tensor.type,
    dims: [rows, ...tensor.dims.slice(1)],
    data: tensor.data.slice(start * rowSize, (start + rows) * rowSize),
  };
}

/** A row-major tensor as nested arrays. */
export function toNested(tensor: PlainTensor): unknown {
  if (tensor.dims.length === 0) return tensor.data[0];
  const build = (axis: number, offset: number): unknown => {
    const size = tensor.dims[axis] ?? 0;
    if (axis === tensor.dims.length - 1) return tensor.data.slice(offset, offset + size);
    const stride = tensor.dims.slice(axis + 1).reduce((a, b) => a * b, 1);
    return Array.from({ length: size }, (_, i) => build(axis + 1, offset + i * stride));
  };
  return build(0, 0);
}

/** The field error of an input that does not fit the signature. */
export const inputError = (pointer: string, name: string, problem: string): FieldError => ({
  path: pointer,
  message: `input ${name} ${problem}`,
});
