/**
 * Reading a checkpoint back for `resume` and for the checkpoint list: a hand-edited, truncated or
 * swapped file (checkpoint.json, design.json, the two safetensors; a FIFO or /dev/zero in its place)
 * is a `train.resume` sentence naming the file, never a throw, a hang or an unbounded read; the
 * list skips such folders.
 */
import { execFileSync } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../../../core/analysis/analyze';
import { setAux, setClasses } from '../../../core/design/edit';
import { presetDesign } from '../../../core/presets';
import type { TrainRequest } from '../../../core/train/types';
import { seededStateDict } from '../weights';
import {
  CHECKPOINTS_FOLDER,
  dataMismatch,
  listCheckpoints,
  loadCheckpoint,
  parseCheckpointRecord,
  writeCheckpoint,
} from './checkpoints';

let design = setClasses(setAux(presetDesign('googlenet-torchvision')!, false), 10);
design = { ...design, input: { ...design.input, batch: 2, channels: 1, height: 32, width: 32 } };
const request: TrainRequest = {
  design,
  data: { kind: 'random' },
  epochs: 1,
  batch: 2,
  optimizer: 'sgd',
  lr: 0.01,
  momentum: 0.9,
  weightDecay: 0,
  auxWeight: 0.3,
  schedule: 'constant',
  dropout: false,
  seed: 0,
};

let home: string;
let good: string;
let goodJson: string;

beforeAll(async () => {
  home = await mkdtemp(path.join(tmpdir(), 'ie-ckpt-'));
  const graph = analyze(design).graph;
  const info = await writeCheckpoint({
    root: path.join(home, CHECKPOINTS_FOLDER),
    run: 'run',
    name: 'good',
    reason: 'epoch',
    request,
    graph,
    weights: seededStateDict(graph, 0),
    optimizer: { step: 3, imagesSeen: 6, slots: new Map() },
    data: { kind: 'random' },
    engine: 'tfjs-wasm',
    position: { epoch: 0, stepInEpoch: 3, imagesSeen: 6 },
    epoch: 0,
    step: 3,
    top1: null,
    history: { steps: [{ step: 3, loss: 2.3, losses: { main: 2.3 } }], epochs: [] },
    classNames: ['a', 'b'],
  });
  good = info.dir;
  goodJson = await readFile(path.join(good, 'checkpoint.json'), 'utf8');
}, 60_000);

afterAll(() => rm(home, { recursive: true, force: true }));

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- hand-edited JSON, any shape
type Rec = Record<string, any>;

/** A copy of the good checkpoint as `run/<name>`, changed by `change`. */
async function variant(name: string, change: (dir: string) => Promise<void>): Promise<string> {
  const dir = path.join(home, CHECKPOINTS_FOLDER, 'run', name);
  await cp(good, dir, { recursive: true });
  await change(dir);
  return `run/${name}`;
}

/** checkpoint.json with `edit` applied to its parsed record. */
const editRecord = (edit: (r: Rec) => void) => (dir: string) => {
  const r = JSON.parse(goodJson) as Rec;
  edit(r);
  return writeFile(path.join(dir, 'checkpoint.json'), JSON.stringify(r));
};

describe('loadCheckpoint', () => {
  it('reads back the checkpoint it wrote', async () => {
    const r = await loadCheckpoint(home, 'run/good', false);
    expect(r.ok && r.value.optimizer.step).toBe(3);
    expect(r.ok && r.value.record.position).toEqual({ epoch: 0, stepInEpoch: 3, imagesSeen: 6 });
    // The classes it was trained on, so a run with its weights names them.
    expect(r.ok && r.value.record.info.classNames).toEqual(['a', 'b']);
  });

  it.each([
    ['no position', editRecord((r) => delete r.position), /position/],
    ['no history', editRecord((r) => delete r.info.history), /info\.history/],
    ['no request', editRecord((r) => delete r.request), /request/],
    ['a negative epoch', editRecord((r) => (r.position.epoch = -5)), /position\.epoch/],
    ['a step of 1.5', editRecord((r) => (r.info.step = 1.5)), /info\.step/],
    ['a string batch', editRecord((r) => (r.request.batch = '2')), /request\.batch/],
    ['a batch of 10⁹', editRecord((r) => (r.request.batch = 1e9)), /batch must be a whole/],
    ['an unknown optimizer', editRecord((r) => (r.request.optimizer = 'lbfgs')), /optimizer/],
    ['another format', editRecord((r) => (r.format = 'x')), /format/],
    [
      'a truncated checkpoint.json',
      (dir: string) => writeFile(path.join(dir, 'checkpoint.json'), goodJson.slice(0, 80)),
      /not JSON .* cut short/,
    ],
    [
      'a FIFO as checkpoint.json',
      async (dir: string) => {
        await rm(path.join(dir, 'checkpoint.json'));
        execFileSync('mkfifo', [path.join(dir, 'checkpoint.json')]);
      },
      /named pipe/,
    ],
    [
      '/dev/zero as weights.safetensors',
      async (dir: string) => {
        await rm(path.join(dir, 'weights.safetensors'));
        await symlink('/dev/zero', path.join(dir, 'weights.safetensors'));
      },
      /weights\.safetensors is a character device/,
    ],
    [
      'a truncated optimizer.safetensors',
      async (dir: string) => {
        const b = await readFile(path.join(dir, 'optimizer.safetensors'));
        await writeFile(path.join(dir, 'optimizer.safetensors'), b.subarray(0, 12));
      },
      /optimizer\.safetensors/,
    ],
    [
      'a design.json of another design',
      (dir: string) => writeFile(path.join(dir, 'design.json'), '{"format": 1}'),
      /design\.json/,
    ],
  ])('names %s instead of throwing or hanging', async (name, change, message) => {
    const id = await variant(name.replace(/[^a-z0-9]+/gi, '-'), change);
    const r = await loadCheckpoint(home, id, false);
    expect(!r.ok && r.error.code).toBe('train.resume');
    expect(!r.ok && r.error.message).toMatch(message);
  });

  it('lists only the checkpoints it can read', async () => {
    const ids = (await listCheckpoints(home)).map((c) => c.id);
    expect(ids).toContain('run/good');
    expect(ids).not.toContain('run/no-history');
    expect(ids).not.toContain('run/a-FIFO-as-checkpoint-json');
  });
});

describe('parseCheckpointRecord', () => {
  it('keeps a NaN learning rate (JSON null) readable, so its checkpoint can be listed', () => {
    const r = JSON.parse(goodJson) as Rec;
    r.request.lr = null;
    expect(parseCheckpointRecord(JSON.stringify(r), '/x').ok).toBe(true);
  });

  it('reads an epoch without validation images (loss and top-1 NaN, JSON null)', () => {
    const r = JSON.parse(goodJson) as Rec;
    r.info.history.epochs = [
      {
        epoch: 1,
        step: 3,
        loss: NaN,
        top1: NaN,
        perClass: [null, null],
        confusion: [
          [0, 0],
          [0, 0],
        ],
      },
    ];
    expect(parseCheckpointRecord(JSON.stringify(r), '/x').ok).toBe(true);
  });

  it.each(['', 'null', '[]', '{"__proto__": {"format": "inception-explorer/checkpoint"}}'])(
    'refuses %j',
    (text) => {
      const r = parseCheckpointRecord(text, '/x');
      expect(!r.ok && r.error.code).toBe('train.checkpoint');
      expect(!r.ok && r.error.message).toMatch(/^\/x\/checkpoint\.json is not/);
    },
  );
});

describe('dataMismatch', () => {
  const folder = {
    kind: 'folder',
    path: '/a',
    validationFraction: 0.2,
    classNames: ['cat', 'dog'],
    trainCount: 80,
    validationCount: 20,
  };
  it('lets the same data through, and a moved Fashion-MNIST folder', () => {
    expect(dataMismatch(folder, { ...folder })).toEqual([]);
    expect(
      dataMismatch(
        { kind: 'fashion-mnist', dir: '/a', trainCount: 60000, validationCount: 10000 },
        { kind: 'fashion-mnist', dir: '/b', trainCount: 60000, validationCount: 10000 },
      ),
    ).toEqual([]);
  });
  it.each([
    [{ trainCount: 79 }, /^training images \(80 then, 79 now\)$/],
    [{ validationCount: 21 }, /^validation images/],
    [{ classNames: ['cat', 'dogs'] }, /^classes \(2 then, 2 now, or renamed\)$/],
    [{ classNames: ['cat', 'dog', 'eel'] }, /^classes \(2 then, 3 now/],
    [{ validationFraction: 0.3 }, /^validation fraction \(0.2 then, 0.3 now\)$/],
    [{ kind: 'random' }, /^data source/],
  ])('names %j', (change, message) => {
    const got = dataMismatch(folder, { ...folder, ...change });
    expect(got).toHaveLength(1);
    expect(got[0]).toMatch(message);
  });
});
