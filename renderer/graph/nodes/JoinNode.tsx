/** Where an opened module's branches start (its input) and meet (the concatenation). */
import { memo } from 'react';
import type { NodeProps } from '@xyflow/react';
import type { JoinFlowNode } from '../flowTypes';
import { NodeHandles } from './parts';

function JoinNodeComponent({ data }: NodeProps<JoinFlowNode>) {
  const v = data.view;
  return (
    <div className={`node node-join ${v.role}`}>
      <NodeHandles vertical target={v.role === 'out'} source={v.role === 'in'} />
      <span className="node-id">{v.title}</span>
      <span className="node-shape lod-detail">{v.shapeText}</span>
    </div>
  );
}

export const JoinNode = memo(JoinNodeComponent);
