/** A module with steps inside (an inception block): its counts, shape, cost, and an open/close toggle. */
import { memo } from 'react';
import type { NodeProps } from '@xyflow/react';
import type { InceptionFlowNode } from '../flowTypes';
import { countExplanation } from '../../../core/graph/countLabel';
import { appStore } from '../../state/store';
import {
  ChangeBadge,
  CheckMark,
  WeightMarks,
  NodeDelta,
  NodeHandles,
  NodeId,
  NodeIssue,
  RepeatMark,
  ShapeFrom,
} from './parts';

function InceptionNodeComponent({ data, selected }: NodeProps<InceptionFlowNode>) {
  const v = data.view;
  const invalid = v.issues.length > 0;
  return (
    <div
      className={`node node-inception${invalid ? ' invalid' : ''}${v.open ? ' open' : ''}${selected ? ' selected' : ''}${v.change ? ` mark-${v.change}` : ''}`}
      data-testid={`node-${v.id}`}
    >
      <NodeHandles />
      <div className="node-header">
        <NodeId id={v.id} />
        <RepeatMark view={v} />
        <ChangeBadge change={v.change} text={v.changeText} />
        {v.form === 'naive' && <span className="badge badge-naive">naive</span>}
        <WeightMarks marks={data.marks} id={v.id} />
        <CheckMark check={data.check} id={v.id} />
        <button
          type="button"
          className="node-toggle nodrag"
          // One Tab stop per node: the inspector's "Open branches" does the same from the keyboard.
          tabIndex={-1}
          aria-expanded={v.open}
          aria-label={`${v.open ? 'Close' : 'Open'} ${v.id}`}
          title={v.open ? 'Close the steps' : `Open the steps inside ${v.title}`}
          onClick={(e) => {
            e.stopPropagation();
            appStore.getState().toggleOpen(v.id);
          }}
        >
          {v.open ? '▾' : '▸'}
        </button>
      </div>
      {v.repeat?.folded ? (
        <div className="node-sub repeat-figures lod-cost" data-testid="repeat-figures">
          each: {v.repeat.perBlock.paramsText} params
          <span className="lod-detail"> · {v.repeat.perBlock.macsText} MACs</span>
        </div>
      ) : (
        <div className="node-sub lod-detail">
          {v.title} · stage {v.stage || '—'}
        </div>
      )}
      <dl className="counts" aria-label={`${v.id} filter counts`}>
        {v.counts.map((c) => (
          <div
            key={c.field}
            className={`count${c.changed ? ' changed' : ''}${c.invalid ? ' invalid' : ''}`}
            title={countExplanation(c)}
          >
            <dt>
              <span className="count-label-full">{c.label}</span>
              {/* At reduced zoom the cell is ~30 px wide: the short form, with the full one above. */}
              <span className="count-label-short" aria-hidden="true">
                {c.short}
              </span>
            </dt>
            <dd>{c.text === '' ? '?' : c.text}</dd>
          </div>
        ))}
      </dl>
      {invalid || v.blockedBy ? (
        <NodeIssue issues={v.issues} blockedBy={v.blockedBy} />
      ) : (
        <div className="node-stats">
          <div className="node-shape" title={`Output ${v.shapeText}`}>
            <span data-testid="shape">{v.shapeText}</span>
            <ShapeFrom delta={v.delta} />
          </div>
          <div className="node-cost lod-cost">
            {/* A folded run's own figures are the whole run's: said so, beside the line "each:". */}
            {v.repeat?.folded && `all ${v.repeat.count}: `}
            <span data-testid="params">{v.paramsText}</span> params
            <span className="lod-detail"> · {v.macsText} MACs</span>
          </div>
          <NodeDelta delta={v.delta} />
        </div>
      )}
    </div>
  );
}

export const InceptionNode = memo(InceptionNodeComponent);
