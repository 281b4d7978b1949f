/**
 * A small builder for ONNX graphs over onnx-proto's generated protobuf classes: nodes named by
 * module paths, float32 initializers, typed attributes. The bytes come from protobufjs, never by hand.
 */
import onnxProto from 'onnx-proto';

export const { onnx } = onnxProto;
type NodeProto = InstanceType<typeof onnx.NodeProto>;
type TensorProto = InstanceType<typeof onnx.TensorProto>;

/** The ONNX operator set the export targets (ONNX 1.12, ONNX Runtime ≥ 1.12). */
export const OPSET = 17;
/** IR version 8 is the one of opset 17 (ONNX 1.12). */
export const IR_VERSION = 8;

/** An attribute value: ints and floats are told apart by the declared kind. */
export type AttrValue =
  | { readonly i: number }
  | { readonly f: number }
  | { readonly ints: readonly number[] }
  | { readonly s: string };

export const int = (i: number): AttrValue => ({ i });
export const float = (f: number): AttrValue => ({ f });
export const ints = (v: readonly number[]): AttrValue => ({ ints: v });

/** Attribute strings here are operator keywords such as `constant`: ASCII, so one byte a character. */
function ascii(text: string): Uint8Array {
  if (!/^[\x20-\x7e]*$/.test(text))
    throw new Error(`ONNX attribute strings here are ASCII keywords; got ${JSON.stringify(text)}.`);
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

function attribute(name: string, v: AttrValue) {
  const T = onnx.AttributeProto.AttributeType;
  if ('i' in v) return onnx.AttributeProto.create({ name, type: T.INT, i: v.i });
  if ('f' in v) return onnx.AttributeProto.create({ name, type: T.FLOAT, f: v.f });
  if ('ints' in v) return onnx.AttributeProto.create({ name, type: T.INTS, ints: [...v.ints] });
  return onnx.AttributeProto.create({ name, type: T.STRING, s: ascii(v.s) });
}

/** Little-endian bytes of float32 values (ONNX raw_data is little-endian on every platform). */
function float32Bytes(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
  return out;
}

function int64Bytes(values: readonly number[]): Uint8Array {
  const out = new Uint8Array(values.length * 8);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
  return out;
}

/** Collects the nodes and initializers of one graph; names are unique or it throws (a bug). */
export class OnnxGraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  private readonly names = new Set<string>();
  private readonly nodeNames = new Set<string>();
  /** Bytes of all initializers so far. */
  bytes = 0;

  private claim(name: string): string {
    if (this.names.has(name)) throw new Error(`The ONNX graph already has a value named ${name}.`);
    this.names.add(name);
    return name;
  }

  /** Whether a value of this name exists (graph input, initializer or node output). */
  has(name: string): boolean {
    return this.names.has(name);
  }

  /** Renames a value written by a node (and every read of it), freeing its name for a graph output. */
  renameValue(from: string, to: string): void {
    if (!this.names.has(from)) throw new Error(`The ONNX graph has no value named ${from}.`);
    this.claim(to);
    this.names.delete(from);
    for (const n of this.nodes) {
      n.output = n.output.map((o) => (o === from ? to : o));
      n.input = n.input.map((i) => (i === from ? to : i));
    }
  }

  /** Declares a graph input's name. */
  input(name: string): string {
    return this.claim(name);
  }

  /** A float32 initializer (weights keep their state_dict names). */
  floats(name: string, dims: readonly number[], values: Float32Array): string {
    this.bytes += values.length * 4;
    this.initializers.push(
      onnx.TensorProto.create({
        name: this.claim(name),
        dataType: onnx.TensorProto.DataType.FLOAT,
        dims: [...dims],
        rawData: float32Bytes(values),
      }),
    );
    return name;
  }

  /** An int64 initializer (shapes, axes, pads). */
  int64s(name: string, values: readonly number[]): string {
    this.initializers.push(
      onnx.TensorProto.create({
        name: this.claim(name),
        dataType: onnx.TensorProto.DataType.INT64,
        dims: [values.length],
        rawData: int64Bytes(values),
      }),
    );
    return name;
  }

  /**
   * Adds a node named `name` (a module path such as `inception4c.branch2.1.conv`) writing one
   * output value, also called `output`; returns the output's name.
   */
  node(
    op: string,
    name: string,
    inputs: readonly string[],
    output: string,
    attrs: Readonly<Record<string, AttrValue>> = {},
  ): string {
    return this.nodeOutputs(op, name, inputs, [output], attrs)[0];
  }

  /** Adds a node writing several outputs (MaxPool's values and indices, Split's parts); returns their names. */
  nodeOutputs(
    op: string,
    name: string,
    inputs: readonly string[],
    outputs: readonly string[],
    attrs: Readonly<Record<string, AttrValue>> = {},
  ): readonly string[] {
    if (this.nodeNames.has(name))
      throw new Error(`The ONNX graph already has a node named ${name}.`);
    this.nodeNames.add(name);
    for (const i of inputs)
      if (i !== '' && !this.names.has(i))
        throw new Error(`The ONNX node ${name} reads ${i}, which nothing wrote before it.`);
    for (const o of outputs) this.claim(o);
    this.nodes.push(
      onnx.NodeProto.create({
        opType: op,
        name,
        input: [...inputs],
        output: [...outputs],
        attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
      }),
    );
    return outputs;
  }
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** ASCII codes of the base64 alphabet (RFC 4648). */
const BASE64_CODES = Uint8Array.from(BASE64, (c) => c.charCodeAt(0));
const PAD = '='.charCodeAt(0);

/** Each base64 character's 6-bit value; 255 for characters that are not base64. */
const BASE64_VALUES = (() => {
  const v = new Uint8Array(256).fill(255);
  for (let i = 0; i < 64; i++) v[BASE64_CODES[i]] = i;
  return v;
})();

/**
 * The bytes of standard base64 text (RFC 4648; padding optional), the inverse of `base64`, in pure
 * JavaScript and without intermediate strings (a 284 M-character model decodes into its 213 MiB).
 * Throws on a character that is not base64: callers pass text `base64` made.
 */
export function bytesFromBase64(text: string): Uint8Array {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === PAD) end--;
  const out = new Uint8Array(Math.floor((end * 3) / 4));
  let o = 0;
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < end; i++) {
    const v = BASE64_VALUES[text.charCodeAt(i) & 255];
    if (v === 255 || text.charCodeAt(i) > 255)
      throw new Error(`Character ${i} of the base64 text is not base64.`);
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 255;
    }
  }
  return out.subarray(0, o);
}

/**
 * Standard base64 (RFC 4648, padded) of any bytes, in pure JavaScript (core runs where neither
 * Buffer nor btoa is typed). Encodes into character codes and turns 24 KiB of them into a string at
 * a time: building the text a few characters per step took 32 s for inception-resnet-v2's 213 MiB
 * ONNX model, this takes about a second.
 */
export function base64(bytes: Uint8Array): string {
  const CHUNK = 3 * 8192;
  const codes = new Uint8Array((CHUNK / 3) * 4);
  const parts: string[] = [];
  for (let start = 0; start < bytes.length; start += CHUNK) {
    const end = Math.min(start + CHUNK, bytes.length);
    let o = 0;
    let i = start;
    for (; i + 2 < end; i += 3) {
      const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
      codes[o++] = BASE64_CODES[(n >> 18) & 63];
      codes[o++] = BASE64_CODES[(n >> 12) & 63];
      codes[o++] = BASE64_CODES[(n >> 6) & 63];
      codes[o++] = BASE64_CODES[n & 63];
    }
    if (i < end) {
      const n = (bytes[i] << 16) | (i + 1 < end ? bytes[i + 1] << 8 : 0);
      codes[o++] = BASE64_CODES[(n >> 18) & 63];
      codes[o++] = BASE64_CODES[(n >> 12) & 63];
      codes[o++] = i + 1 < end ? BASE64_CODES[(n >> 6) & 63] : PAD;
      codes[o++] = PAD;
    }
    parts.push(String.fromCharCode.apply(null, codes.subarray(0, o) as unknown as number[]));
  }
  return parts.join('');
}

/** A float tensor's type with named (dynamic) or fixed dimensions. */
export function floatValueInfo(name: string, dims: readonly (number | string)[]) {
  return tensorValueInfo(name, dims, onnx.TensorProto.DataType.FLOAT);
}

/** A tensor's type of any element type (e.g. `onnx.TensorProto.DataType.INT64` for class indices). */
export function tensorValueInfo(
  name: string,
  dims: readonly (number | string)[],
  elemType: number,
) {
  return onnx.ValueInfoProto.create({
    name,
    type: onnx.TypeProto.create({
      tensorType: onnx.TypeProto.Tensor.create({
        elemType,
        shape: onnx.TensorShapeProto.create({
          dim: dims.map((d) =>
            onnx.TensorShapeProto.Dimension.create(
              typeof d === 'number' ? { dimValue: d } : { dimParam: d },
            ),
          ),
        }),
      }),
    }),
  });
}
