/** The totals of the design, with their change against the preset, and the problem count. */
import { formatBytes, formatInt } from '../../core/model/format';
import { useComparison, useDerived } from '../state/derived';
import { appStore } from '../state/store';
import { glossaryEntry } from '../../core/model/glossary';
import { ConventionSelect, conventionTitle, useConventionRow } from './ConventionFigure';

const MACS = glossaryEntry('macs');

export function TotalsBar() {
  const derived = useDerived();
  const comparison = useComparison();
  const { analysis } = derived;
  // Deltas against what the design is compared with, else against its preset.
  const totals = comparison ? comparison.diff.totals : derived.totals;
  const t = analysis.totals;
  const partial = !analysis.valid;
  const delta = (key: 'params' | 'paramsEval' | 'macs' | 'macsTrain') => {
    // Deltas of a half-computed design would be misleading.
    const d = partial ? undefined : totals?.find((x) => x.key === key);
    // An empty line when unchanged, so the bar keeps its height (and the canvas its size) as deltas come and go.
    if (!d || d.delta === 0)
      return (
        <span className="delta" aria-hidden="true">
          {'\u00a0'}
        </span>
      );
    return <span className={`delta ${d.delta > 0 ? 'up' : 'down'}`}>{d.text}</span>;
  };
  const convention = useConventionRow();
  const issues = analysis.issues;
  return (
    <footer className={`totals${partial ? ' partial' : ''}`} aria-label="Totals">
      <dl
        title={
          partial
            ? 'Totals of the modules that could be computed; fix the problems for the full figures.'
            : undefined
        }
      >
        <div>
          <dt title="Every trainable parameter, the auxiliary heads included (what a train-mode state_dict holds, without batch-norm running statistics)">
            Parameters
          </dt>
          <dd data-testid="total-params">{formatInt(t.params)}</dd>
          {delta('params')}
        </div>
        <div>
          <dt title="Parameters that inference uses: the auxiliary heads (train only) left out">
            Eval path
          </dt>
          <dd data-testid="total-params-eval">{formatInt(t.paramsEval)}</dd>
          {delta('paramsEval')}
        </div>
        <div>
          <dt
            title={`Multiply-accumulates for one image on the eval path (inference, no auxiliary heads). ${MACS.text} (${MACS.source}; more under Help, ? or F1)`}
          >
            MACs / image
          </dt>
          <dd data-testid="total-macs">{formatInt(t.macs)}</dd>
          {delta('macs')}
        </div>
        <div>
          <dt title="Multiply-accumulates for one image in train mode, the auxiliary heads included">
            Train MACs
          </dt>
          <dd>{formatInt(t.macsTrain)}</dd>
          {delta('macsTrain')}
        </div>
        <div className="convention-total">
          <dt>
            <ConventionSelect />
          </dt>
          {/* The select above names the tool: together they read "ptflops: 1.51 GMac". */}
          <dd
            data-testid="total-convention"
            aria-label={convention.text}
            title={conventionTitle(convention)}
          >
            {convention.printed}
          </dd>
          <span className="delta" aria-hidden="true">
            {'\u00a0'}
          </span>
        </div>
        <div>
          <dt title="Memory of the weights as float32: parameters and batch-norm buffers">
            Weights
          </dt>
          <dd>{formatBytes(t.weightBytes)}</dd>
          <span className="delta" aria-hidden="true">
            {'\u00a0'}
          </span>
        </div>
      </dl>
      <div className="totals-status" aria-live="polite">
        {issues.length ? (
          <button
            type="button"
            className="issue-button"
            onClick={() => {
              const first = issues.find((i) => i.nodeId !== 'design');
              if (first) appStore.getState().select(first.nodeId);
              appStore.getState().setSideTab('edit');
            }}
            title={issues.map((i) => i.message).join('\n')}
          >
            ⚠ {issues.length} problem{issues.length === 1 ? '' : 's'} · totals are partial
          </button>
        ) : (
          <span className="ok">✓ Valid design</span>
        )}
      </div>
    </footer>
  );
}
