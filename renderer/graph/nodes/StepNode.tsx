/** One step of an opened module's branch (a conv block, a pool): its shape and parameters. */
import { memo } from 'react';
import type { NodeProps } from '@xyflow/react';
import type { StepFlowNode } from '../flowTypes';
import { NodeHandles, NodeId } from './parts';

function StepNodeComponent({ data }: NodeProps<StepFlowNode>) {
  const v = data.view;
  return (
    <div
      className={`node node-step${data.marks?.off ? ' switched-off' : ''}`}
      title={
        data.marks?.off
          ? `Switched off (what-if): this branch outputs zeros.\n${v.layers.join('\n')}`
          : v.layers.join('\n')
      }
      data-switched-off={data.marks?.off ? 'true' : undefined}
    >
      <NodeHandles vertical />
      <div className="node-header">
        <NodeId id={v.title} />
      </div>
      <div className="node-sub lod-detail">{v.detail || '—'}</div>
      <div className="node-shape" title={`Output ${v.shapeText}`}>
        {v.shapeText}
      </div>
      <div className="node-cost lod-detail">
        {v.params > 0 ? `${v.paramsText} params` : v.paramsText === '—' ? '—' : 'no parameters'}
      </div>
    </div>
  );
}

export const StepNode = memo(StepNodeComponent);
