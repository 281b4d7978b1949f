/** The network input: the batch N in the header ("N=3"), each image's C×H×W below, so a batch of 3 is not read as 3 channels. */
import { memo } from 'react';
import type { NodeProps } from '@xyflow/react';
import type { InputFlowNode } from '../flowTypes';
import { NodeHandles, NodeIssue } from './parts';
import { formatBatchShape, formatShape } from '../../../core/model/format';

function InputNodeComponent({ data }: NodeProps<InputFlowNode>) {
  const v = data.view;
  return (
    <div className={`node node-io${v.issues.length ? ' invalid' : ''}`} data-testid="node-input">
      <NodeHandles target={false} />
      <div className="node-header">
        <span className="node-id">Input</span>
        {v.shape && v.shape.length > 1 && (
          <span
            className="node-batch"
            data-testid="input-batch"
            title={`The batch: ${v.shape[0]} image${v.shape[0] === 1 ? '' : 's'} at once (the Batch setting)`}
          >
            N={v.shape[0]}
          </span>
        )}
      </div>
      {v.issues.length ? (
        <NodeIssue issues={v.issues} />
      ) : (
        <div
          className="node-shape"
          data-testid="shape"
          title={v.shape ? `${formatBatchShape(v.shape)}: N images of C×H×W each` : undefined}
        >
          {v.shape && v.shape.length > 1 ? formatShape(v.shape.slice(1)) : v.shapeText}
        </div>
      )}
    </div>
  );
}

export const InputNode = memo(InputNodeComponent);
