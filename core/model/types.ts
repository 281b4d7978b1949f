/**
 * The architecture model: a design (what the user edits and saves) and the layer graph that
 * module templates expand it into. Pure data; everything here is serializable.
 */

/** A tensor shape as PyTorch prints it: [N, C, H, W] for feature maps, [N, F] for vectors. */
export type Shape = readonly number[];

/** Per-side padding: [top, bottom, left, right]. */
export type Padding4 = readonly [number, number, number, number];
export type Pair = readonly [number, number];

/** A value a module parameter can hold in a design file. */
export type ParamValue = number | boolean | string | readonly number[];
export type Params = Readonly<Record<string, ParamValue>>;

/** One problem found in a design, attached to the node (and field) that caused it. */
export interface Issue {
  /** Stable machine-readable code, e.g. `param.range` or `linear.inFeatures`. */
  readonly code: IssueCode;
  /** Module id (e.g. `inception4c`), or `design` for design-wide settings. */
  readonly nodeId: string;
  /** The parameter or setting at fault, e.g. `out_3x3` or `input.height`; absent when none. */
  readonly field?: string;
  /** A full sentence the user can act on. */
  readonly message: string;
}

export type IssueCode =
  | 'param.missing'
  | 'param.type'
  | 'param.range'
  | 'param.unknown'
  | 'setting.range'
  | 'graph.duplicateId'
  | 'graph.invalidId'
  | 'id.collision'
  | 'graph.unknownKind'
  | 'graph.unknownInput'
  | 'graph.arity'
  | 'graph.cycle'
  | 'graph.noOutput'
  | 'graph.empty'
  | 'graph.tooLarge'
  | 'shape.rank'
  | 'shape.collapsed'
  | 'shape.mismatch'
  | 'conv.groups'
  | 'pool.windowTooLarge'
  | 'pool.paddingTooLarge'
  | 'linear.inFeatures'
  | 'memory.weights'
  | 'memory.activations';

/** The input tensor of the network. */
export interface InputSettings {
  readonly batch: number;
  readonly channels: number;
  readonly height: number;
  readonly width: number;
}

/** One module of the design: an instance of a module template (see `core/modules`). */
export interface ModuleSpec {
  /** Unique name; also the PyTorch attribute name, so it is a Python identifier. */
  readonly id: string;
  /** Module template kind, e.g. `convBlock`, `inception`, `maxPool`, `auxHead`, `linear`. */
  readonly kind: string;
  /** Ids of the modules feeding this one, or `input` for the network input. */
  readonly inputs: readonly string[];
  /** Template parameters (the six filter counts of an inception module, kernel sizes, ...). */
  readonly params: Params;
  /** Display grouping, e.g. `stem`, `3`, `4`, `5`, `head`. */
  readonly stage?: string;
  /** Auxiliary modules run only in train mode and only when the design's aux heads are on. */
  readonly aux?: boolean;
}

/** More modules than this is not a design a person edits: design files refuse them and the analysis flags them. */
export const MAX_MODULES = 20_000;

/** The user's network: what is edited, saved and loaded. */
export interface Design {
  readonly name: string;
  /** The preset this design started from; edits are shown against it. */
  readonly preset: string | null;
  readonly input: InputSettings;
  readonly classes: number;
  /** Whether auxiliary heads are part of the network (train mode outputs). */
  readonly aux: boolean;
  readonly modules: readonly ModuleSpec[];
  /** Named outputs: `main` is required; others (e.g. `aux1`) are train-mode outputs. */
  readonly outputs: Readonly<Record<string, string>>;
  /** The weights file runs load, remembered with the design (absent: the seeded initialization). */
  readonly weights?: DesignWeights;
}

/** A design's weights file: where it is on this computer (the app asks again when it may not read it). */
export interface DesignWeights {
  /** Absolute path of a .pth, .pt, .bin or .safetensors file. */
  readonly path: string;
}

/** Role of a tensor in a PyTorch state_dict. */
export type TensorRole = 'param' | 'buffer' | 'counter';

/** One state_dict entry a layer owns. */
export interface TensorSpec {
  /** Full state_dict key, e.g. `inception3a.branch2.1.batchnorm.running_mean`. */
  readonly key: string;
  readonly shape: readonly number[];
  readonly role: TensorRole;
}

/** One primitive layer of the expanded graph. */
export interface Layer<K extends string = string, A = object> {
  /** Full PyTorch module path, e.g. `inception3a.branch2.1.conv`; unique in the graph. */
  readonly id: string;
  readonly kind: K;
  /** Layer ids feeding this layer, or `input` for the network input. */
  readonly inputs: readonly string[];
  readonly attrs: A;
  /** The module this layer belongs to. */
  readonly module: string;
}
