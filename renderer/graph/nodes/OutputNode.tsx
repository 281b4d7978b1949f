/** A named output of the network (main, aux1, aux2). */
import { memo } from 'react';
import type { NodeProps } from '@xyflow/react';
import type { OutputFlowNode } from '../flowTypes';
import { NodeHandles } from './parts';

function OutputNodeComponent({ data }: NodeProps<OutputFlowNode>) {
  const v = data.view;
  return (
    <div
      className={`node node-io output${v.trainOnly ? ' aux' : ''}`}
      title={v.trainOnly ? 'Produced in train mode only' : undefined}
      data-testid={`node-output-${v.name}`}
    >
      <NodeHandles source={false} />
      <div className="node-header">
        <span className="node-id">
          <span className="lod-detail">Output </span>
          {v.name}
        </span>
      </div>
      <div className="node-shape" data-testid="shape">
        {v.shapeText}
      </div>
    </div>
  );
}

export const OutputNode = memo(OutputNodeComponent);
