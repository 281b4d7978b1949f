/** A stage's band behind its modules (core/graph/layout.ts `StageBand`): a tinted box with the stage's name at its top. */
import { memo } from 'react';
import type { NodeProps } from '@xyflow/react';
import type { StageFlowNode } from '../flowTypes';

function StageNodeComponent({ data }: NodeProps<StageFlowNode>) {
  return (
    <div className="stage-band" data-stage={data.band.stage}>
      <span className="stage-label">{data.band.label}</span>
    </div>
  );
}

export const StageNode = memo(StageNodeComponent);
