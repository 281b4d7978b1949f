/** An edge drawn along its layout route, labelled with the shape of the tensor it carries. */
import { memo } from 'react';
import { BaseEdge, type EdgeProps } from '@xyflow/react';
import type { ShapeFlowEdge } from '../flowTypes';
import type { Point } from '../../../core/graph/layout';

const RADIUS = 6;

/** An orthogonal polyline with rounded corners as an SVG path. */
export function roundedPath(points: readonly Point[]): string {
  if (points.length < 2) return '';
  let d = `M ${points[0].x} ${points[0].y}`;
  for (let i = 1; i < points.length - 1; i++) {
    const [a, b, c] = [points[i - 1], points[i], points[i + 1]];
    const r = Math.min(
      RADIUS,
      Math.hypot(b.x - a.x, b.y - a.y) / 2,
      Math.hypot(c.x - b.x, c.y - b.y) / 2,
    );
    const inX = b.x - Math.sign(b.x - a.x) * r;
    const inY = b.y - Math.sign(b.y - a.y) * r;
    const outX = b.x + Math.sign(c.x - b.x) * r;
    const outY = b.y + Math.sign(c.y - b.y) * r;
    d += ` L ${inX} ${inY} Q ${b.x} ${b.y} ${outX} ${outY}`;
  }
  const last = points[points.length - 1];
  return `${d} L ${last.x} ${last.y}`;
}

function ShapeEdgeComponent({
  id,
  data,
  sourceX,
  sourceY,
  targetX,
  targetY,
  markerEnd,
}: EdgeProps<ShapeFlowEdge>) {
  const route = data?.route;
  const points =
    route && route.points.length >= 2
      ? route.points
      : [
          { x: sourceX, y: sourceY },
          { x: targetX, y: targetY },
        ];
  const label = data?.label && route?.label ? route.label : null;
  return (
    <>
      <BaseEdge
        id={id}
        path={roundedPath(points)}
        markerEnd={markerEnd}
        className={`shape-edge${data?.trainOnly ? ' train' : ''}${data?.removed ? ' removed' : ''}${data?.internal ? ' internal' : ''}`}
      />
      {label && (
        <text className="edge-label" x={label.x} y={label.y} dy="0.35em" textAnchor="middle">
          {data!.label}
        </text>
      )}
    </>
  );
}

export const ShapeEdge = memo(ShapeEdgeComponent);
