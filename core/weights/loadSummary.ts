/** Sentences about a run's weights file, shared by the Run panel and the command line. */
import type { WeightsLoadSummary } from '../run/types';

const count = (n: number) => n.toLocaleString('en-US');

/** The summary's headline: "Loaded 344 of 344 tensors from googlenet.pth." */
export function weightsSummaryLine(s: WeightsLoadSummary): string {
  return `Loaded ${count(s.loaded)} of ${count(s.total)} tensors from ${s.source}.`;
}

/** What the reinitialized tensors mean, or null when every tensor came from the file. */
export function freshWeightsLine(s: WeightsLoadSummary): string | null {
  const n = s.reinitialized.length;
  if (n === 0) return null;
  const m = s.freshModules.length;
  return `${count(n)} tensor${n === 1 ? '' : 's'} in ${count(m)} module${m === 1 ? '' : 's'} did not fit and start from fresh weights (the seeded initialization); the graph marks ${m === 1 ? 'it' : 'them'}.`;
}
