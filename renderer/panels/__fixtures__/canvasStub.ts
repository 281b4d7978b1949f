/**
 * happy-dom has no 2D canvas and no Path2D: a context that accepts every drawing call, and a
 * Path2D that records nothing, let uPlot build its chart (axes, legend, series) in component
 * tests. Real Chromium draws it in test/e2e/train.test.ts.
 */
export function installCanvasStub(): void {
  const ctx = new Proxy(
    {},
    {
      get: (target: Record<string, unknown>, key: string) =>
        key in target ? target[key] : key === 'measureText' ? () => ({ width: 8 }) : () => {},
      set: (target: Record<string, unknown>, key: string, v) => {
        target[key] = v;
        return true;
      },
    },
  );
  HTMLCanvasElement.prototype.getContext = (() => ctx) as never;
  (globalThis as { Path2D?: unknown }).Path2D ??= class {
    moveTo() {}
    lineTo() {}
    rect() {}
    arc() {}
    closePath() {}
    bezierCurveTo() {}
    addPath() {}
  };
}
