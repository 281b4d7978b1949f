/**
 * `inception-explorer serve` as a user runs it: one URL line, the real renderer in Chromium under
 * the CSP, the browser host chosen (no Electron bridge), a clean stop on SIGTERM, and an autosave
 * that survives the server being killed mid-edit.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serializeDesign } from '../../core/design/designFile';
import { presetDesign } from '../../core/presets';
import { chromiumSkipReason, launchChromium, startServe, type ServeHandle } from './harness';

const call = async (serve: ServeHandle, method: string, args: unknown[]) => {
  const r = await fetch(`${serve.origin}/api/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-inception-token': serve.token },
    body: JSON.stringify(args),
  });
  return (await r.json()) as { ok: boolean; value?: unknown };
};

describe('inception-explorer serve', () => {
  it.skipIf(Boolean(chromiumSkipReason))(
    `serves the app to Chromium and stops cleanly${chromiumSkipReason ? ` (skipped: ${chromiumSkipReason})` : ''}`,
    async () => {
      const serve = await startServe();
      try {
        expect(
          serve
            .output()
            .split('\n')
            .filter((l) => l.startsWith('Inception Explorer: ')),
        ).toEqual([`Inception Explorer: ${serve.url}`]);
        const browser = await launchChromium();
        try {
          const page = await browser.newPage();
          const errors: string[] = [];
          page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
          page.on('pageerror', (e) => errors.push(e.message));
          await page.goto(serve.url);
          await page.getByText('Inception Explorer').first().waitFor();
          expect(await page.evaluate(() => 'inceptionExplorer' in window)).toBe(false);
          await page.waitForTimeout(500);
          expect(errors).toEqual([]);
        } finally {
          await browser.close();
        }
        const exited = new Promise<number | null>((r) =>
          serve.child.once('exit', (code) => r(code)),
        );
        serve.child.kill('SIGTERM');
        expect(await exited).toBe(0);
      } finally {
        await serve.stop();
      }
    },
  );

  it('offers the autosaved design after the server is killed mid-edit, and not after a clean stop', async () => {
    const home = await mkdtemp(join(tmpdir(), 'serve-kill-'));
    const text = serializeDesign({ ...presetDesign('googlenet')!, name: 'Edited before the kill' });
    try {
      const first = await startServe({ home });
      expect(await call(first, 'autosave', [{ path: null, text }])).toEqual({ ok: true });
      const killed = new Promise((r) => first.child.once('exit', r));
      first.child.kill('SIGKILL');
      await killed;

      const second = await startServe({ home });
      expect(await call(second, 'takeRecovery', [])).toEqual({
        ok: true,
        value: { path: null, text },
      });
      expect(await call(second, 'takeRecovery', [])).toEqual({ ok: true, value: null });
      expect(await call(second, 'autosave', [{ path: null, text }])).toEqual({ ok: true });
      await second.stop();

      const third = await startServe({ home });
      expect(await call(third, 'takeRecovery', [])).toEqual({ ok: true, value: null });
      await third.stop();
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
