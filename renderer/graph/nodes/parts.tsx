/** Pieces shared by the node components: invisible handles, problem text, run check mark, change badge. */
import { Handle, Position } from '@xyflow/react';
import type { Issue } from '../../../core/model/types';
import type { NodeMarks, RunCheck } from '../flowTypes';
import { appStore } from '../../state/store';
import type { MarkedStatus, RepeatView } from '../../../core/graph/graphView';
import type { ModuleDelta } from '../../../core/design/diff';
import { formatSignedCompact } from '../../../core/design/diff';

const CHANGE_TITLES: Record<MarkedStatus, string> = {
  added: 'Added: not in the design compared with',
  changed: 'Changed: its parameters differ from the design compared with',
  affected: 'Affected: same parameters, different figures because something upstream changed',
  removed: 'Removed: only in the design compared with',
};

/**
 * Where a node's name is cut when it does not fit: the last part after a `_` or `.` (five characters
 * at most, e.g. `_1.10` of `repeat_1.10`) is kept, and the start gives way, so a run of blocks reads
 * `repea…_1.10`, `repea…_1.11` rather than `repeat_1…` for each. Names of eight characters or fewer,
 * or without such a short last part, are cut at the end.
 */
export function splitNodeId(id: string): readonly [head: string, tail: string] {
  if (id.length <= 8) return [id, ''];
  for (let i = 1; i < id.length - 1; i++) {
    if ((id[i] === '_' || id[i] === '.') && id.length - i <= 5)
      return [id.slice(0, i), id.slice(i)];
  }
  return [id, ''];
}

/** A node's name, cut in the middle when it does not fit (see `splitNodeId`); reads as the whole name. */
export function NodeId({ id }: { id: string }) {
  const [head, tail] = splitNodeId(id);
  return (
    <span className="node-id" title={id}>
      {tail ? (
        <>
          <span className="node-id-head">{head}</span>
          <span className="node-id-tail">{tail}</span>
        </>
      ) : (
        head
      )}
    </span>
  );
}

/** Edges are drawn from the layout's routes; handles only tell React Flow where edges attach. */
export function NodeHandles({
  vertical = false,
  target = true,
  source = true,
}: {
  vertical?: boolean;
  target?: boolean;
  source?: boolean;
}) {
  return (
    <>
      {target && (
        <Handle
          type="target"
          position={vertical ? Position.Top : Position.Left}
          isConnectable={false}
          className="node-handle"
        />
      )}
      {source && (
        <Handle
          type="source"
          position={vertical ? Position.Bottom : Position.Right}
          isConnectable={false}
          className="node-handle"
        />
      )}
    </>
  );
}

/** The first problem of a node, in core's words, with the rest counted. */
export function NodeIssue({
  issues,
  blockedBy,
}: {
  issues: readonly Issue[];
  blockedBy?: string | null;
}) {
  if (issues.length) {
    const more = issues.length > 1 ? ` (+${issues.length - 1} more)` : '';
    return (
      <p className="node-issue" role="alert" title={issues.map((i) => i.message).join('\n')}>
        {issues[0].message}
        {more}
      </p>
    );
  }
  if (blockedBy) {
    return (
      <p className="node-blocked">
        Waiting for {blockedBy === 'design' ? 'the input settings' : blockedBy} to be fixed.
      </p>
    );
  }
  return null;
}

export function CheckMark({ check, id }: { check: RunCheck; id: string }) {
  if (!check) return null;
  return check === 'match' ? (
    <span
      className="node-check match"
      role="img"
      aria-label={`${id}: measured shape matches`}
      title="The run measured the shape core computed."
    >
      ✓
    </span>
  ) : (
    <span
      className="node-check mismatch"
      role="img"
      aria-label={`${id}: measured shape differs`}
      title="The run measured a different shape than core computed."
    >
      ✗
    </span>
  );
}

export function ChangeBadge({
  change,
  text,
}: {
  change: MarkedStatus | null;
  text?: string | null;
}) {
  if (!change) return null;
  return (
    <span
      className={`badge badge-${change}`}
      title={text ? `${CHANGE_TITLES[change]}: ${text}` : CHANGE_TITLES[change]}
    >
      {change}
    </span>
  );
}

/** The old output shape beside the new one, when it changed. */
export function ShapeFrom({ delta }: { delta: ModuleDelta | null }) {
  if (!delta?.shapeFrom) return null;
  return (
    <span className="node-shape-from lod-detail" title="The output shape before">
      {' '}
      ← {delta.shapeFrom}
    </span>
  );
}

/** Δparams (with %) and ΔMACs of a node against the design compared with. */
export function NodeDelta({ delta }: { delta: ModuleDelta | null }) {
  if (!delta || (!delta.paramsText && !delta.macsText)) return null;
  const up = delta.params > 0 || (delta.params === 0 && delta.macs > 0);
  return (
    <div
      className={`node-delta lod-cost ${up ? 'up' : 'down'}`}
      data-testid="delta"
      title={`${delta.paramsText ?? '±0'} params · ${delta.macsText ?? '±0'} MACs against the design compared with`}
    >
      {formatSignedCompact(delta.params)} params
      <span className="lod-detail"> · {formatSignedCompact(delta.macs)} MACs</span>
    </div>
  );
}

/** The ×N mark of a run of identical modules, with a button that folds it into one node or unfolds it. */
export function RepeatMark({ view }: { view: { id: string; repeat?: RepeatView } }) {
  const r = view.repeat;
  // Unfolded, the first block carries no mark (the inspector folds the run back): its id keeps the room.
  if (!r || !r.folded) return null;
  return (
    <button
      type="button"
      className="badge badge-repeat nodrag"
      tabIndex={-1}
      aria-expanded={false}
      aria-label={`Unfold ${r.count} blocks from ${view.id}`}
      title={`${r.count} identical blocks folded: ${r.perBlock.paramsText} params, ${r.perBlock.macsText} MACs each; ${r.total.paramsText} params, ${r.total.macsText} MACs in all. Click to unfold.`}
      onClick={(e) => {
        e.stopPropagation();
        appStore.getState().toggleFold(view.id);
      }}
    >
      ×{r.count}
    </button>
  );
}

/** "fresh weights" (tensors that did not fit the weights file start from the seeded initialization) and "what-if" badges. */
export function WeightMarks({ marks, id }: { marks?: NodeMarks; id: string }) {
  if (!marks?.fresh && !marks?.whatIf) return null;
  return (
    <>
      {marks.fresh && (
        <span
          className="badge badge-fresh"
          data-testid={`fresh-${id}`}
          title="Some of this module's tensors did not fit the weights file (missing, or another shape after an edit) and start from the seeded initialization."
        >
          fresh weights
        </span>
      )}
      {marks.whatIf && (
        <span
          className="badge badge-whatif"
          data-testid={`whatif-${id}`}
          title="A what-if applies here (a branch switched off, or filters pruned); the Run tab compares before and after."
        >
          what-if
        </span>
      )}
    </>
  );
}
