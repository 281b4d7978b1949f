/** A single-path module: conv block, pool, dropout, linear, aux head. */
import { memo } from 'react';
import type { NodeProps } from '@xyflow/react';
import type { ModuleFlowNode } from '../flowTypes';
import { formatSignedCompact } from '../../../core/design/diff';
import { glossaryEntry } from '../../../core/model/glossary';

const AUX_HEAD = glossaryEntry('auxHead');
import {
  ChangeBadge,
  CheckMark,
  WeightMarks,
  NodeHandles,
  NodeId,
  NodeIssue,
  RepeatMark,
  ShapeFrom,
} from './parts';

function ModuleNodeComponent({ data, selected }: NodeProps<ModuleFlowNode>) {
  const v = data.view;
  const invalid = v.issues.length > 0;
  const detail = [
    v.detail,
    ...v.counts.map((c) => (v.counts.length === 1 ? `${c.text} out` : `${c.label} ${c.text}`)),
  ]
    .filter(Boolean)
    .join(' · ');
  return (
    <div
      className={`node node-module${v.aux ? ' aux' : ''}${invalid ? ' invalid' : ''}${selected ? ' selected' : ''}${v.change ? ` mark-${v.change}` : ''}`}
      data-testid={`node-${v.id}`}
    >
      <NodeHandles />
      <div className="node-header">
        <NodeId id={v.id} />
        {v.aux && (
          <span className="badge badge-train" title={AUX_HEAD.text}>
            train only
          </span>
        )}
        <RepeatMark view={v} />
        <ChangeBadge change={v.change} text={v.changeText} />
        <WeightMarks marks={data.marks} id={v.id} />
        <CheckMark check={data.check} id={v.id} />
      </div>
      <div className="node-sub lod-detail" title={detail}>
        {v.title}
        {detail && ` · ${detail}`}
      </div>
      {invalid || v.blockedBy ? (
        <NodeIssue issues={v.issues} blockedBy={v.blockedBy} />
      ) : (
        <div className="node-stats">
          <div className="node-shape" title={`Output ${v.shapeText}`}>
            <span data-testid="shape">{v.shapeText}</span>
            <ShapeFrom delta={v.delta} />
          </div>
          <div className="node-cost lod-cost">
            {v.params > 0 || v.macs > 0 ? (
              <>
                <span data-testid="params">{v.paramsText}</span> params
                <span className="lod-detail"> · {v.macsText} MACs</span>
              </>
            ) : (
              'no parameters'
            )}
            {v.delta?.paramsText && (
              <span
                className={`node-delta lod-detail ${v.delta.params > 0 ? 'up' : 'down'}`}
                data-testid="delta"
                title={`${v.delta.paramsText} params · ${formatSignedCompact(v.delta.macs)} MACs against the design compared with`}
              >
                {' '}
                {v.delta.paramsText}
              </span>
            )}
          </div>
        </div>
      )}
    </div>
  );
}

export const ModuleNode = memo(ModuleNodeComponent);
