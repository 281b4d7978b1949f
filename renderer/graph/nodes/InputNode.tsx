/** The network input: N×C×H×W. */
import { memo } from 'react';
import type { NodeProps } from '@xyflow/react';
import type { InputFlowNode } from '../flowTypes';
import { NodeHandles, NodeIssue } from './parts';

function InputNodeComponent({ data }: NodeProps<InputFlowNode>) {
  const v = data.view;
  return (
    <div className={`node node-io${v.issues.length ? ' invalid' : ''}`} data-testid="node-input">
      <NodeHandles target={false} />
      <div className="node-header">
        <span className="node-id">Input</span>
      </div>
      {v.issues.length ? (
        <NodeIssue issues={v.issues} />
      ) : (
        <div className="node-shape" data-testid="shape">
          {v.shapeText}
        </div>
      )}
    </div>
  );
}

export const InputNode = memo(InputNodeComponent);
