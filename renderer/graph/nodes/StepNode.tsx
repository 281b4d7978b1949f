/** One step of an opened module's branch (a conv block, a pool): its shape and parameters. */
import { memo } from 'react';
import type { NodeProps } from '@xyflow/react';
import type { StepFlowNode } from '../flowTypes';
import { NodeHandles, NodeId } from './parts';

function StepNodeComponent({ data }: NodeProps<StepFlowNode>) {
  const v = data.view;
  return (
    <div className="node node-step" title={v.layers.join('\n')}>
      <NodeHandles vertical />
      <div className="node-header">
        <NodeId id={v.title} />
      </div>
      <div className="node-sub lod-detail">{v.detail || '—'}</div>
      <div className="node-shape">{v.shapeText}</div>
      <div className="node-cost lod-detail">
        {v.params > 0 ? `${v.paramsText} params` : v.paramsText === '—' ? '—' : 'no parameters'}
      </div>
    </div>
  );
}

export const StepNode = memo(StepNodeComponent);
