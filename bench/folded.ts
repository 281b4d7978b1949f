/**
 * Folded repeated blocks in inception-resnet-v2: the time from a folded-group edit (out_1x1 of all
 * 20 Block17s) to new totals and the folded graph view, the initial layout time folded and
 * unfolded, and how many nodes are drawn each way. Core only, in Node (the renderer's main thread
 * runs the same functions). Prints figures; asserts nothing. Run: npm run bench:folded
 */
import { performance } from 'node:perf_hooks';
import { analyze } from '../core/analysis/analyze';
import { presetDesign } from '../core/presets';
import { repeatGroups, setGroupParam } from '../core/design/repeats';
import { graphView } from '../core/graph/graphView';
import { layoutGraph } from '../core/graph/layout';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const design = presetDesign('inception-resnet-v2')!;
  const b17 = repeatGroups(design).find((g) => g.kind === 'block17')!;
  const edit: number[] = [];
  let params = 0;
  for (let i = 0; i < 23; i++) {
    const t0 = performance.now();
    const edited = setGroupParam(design, b17.ids, 'out_1x1', 100 + i);
    const a = analyze(edited);
    graphView(edited, a, { fold: true });
    params = a.totals.params;
    if (i >= 3) edit.push(performance.now() - t0);
  }
  const a = analyze(design);
  const folded = graphView(design, a, { fold: true });
  const unfolded = graphView(design, a);
  const layout = async (v: typeof folded) => {
    const ts: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      await layoutGraph(v);
      ts.push(performance.now() - t0);
    }
    return median(ts);
  };
  const modules = (v: typeof folded) =>
    v.nodes.filter((n) => n.kind === 'module' || n.kind === 'inception').length;
  process.stdout.write(`inception-resnet-v2 (${design.modules.length} modules)\n`);
  process.stdout.write(
    `  folded-group edit (20 × Block17 out_1x1) → new totals + folded view: median ${median(edit).toFixed(2)} ms over 20 edits (last total ${params.toLocaleString('en-US')} params)\n`,
  );
  process.stdout.write(
    `  initial layout: folded ${(await layout(folded)).toFixed(1)} ms, unfolded ${(await layout(unfolded)).toFixed(1)} ms (median of 5)\n`,
  );
  process.stdout.write(
    `  nodes drawn: folded ${folded.nodes.length} (${modules(folded)} modules), unfolded ${unfolded.nodes.length} (${modules(unfolded)} modules)\n`,
  );
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
