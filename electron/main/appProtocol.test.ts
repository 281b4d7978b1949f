import { describe, expect, it } from 'vitest';
import { appProtocolFile, contentTypeOf } from './appProtocol';

const dir = '/opt/app/.vite/renderer/main_window';

describe('app:// protocol', () => {
  it('maps app URLs to files inside the renderer folder', () => {
    expect(appProtocolFile('app://inception-explorer/index.html', dir)).toBe(`${dir}/index.html`);
    expect(appProtocolFile('app://inception-explorer/', dir)).toBe(`${dir}/index.html`);
    expect(appProtocolFile('app://inception-explorer/assets/index-abc.js?x=1', dir)).toBe(
      `${dir}/assets/index-abc.js`,
    );
    expect(contentTypeOf(`${dir}/assets/index-abc.js`)).toMatch(/^text\/javascript/);
  });

  it('refuses other hosts, other schemes and paths that leave the folder', () => {
    expect(appProtocolFile('app://evil/index.html', dir)).toBeNull();
    expect(appProtocolFile('file:///etc/passwd', dir)).toBeNull();
    expect(appProtocolFile('app://inception-explorer/..%2f..%2f..%2fetc/passwd', dir)).toBeNull();
    expect(appProtocolFile('app://inception-explorer/%00', dir)).toBeNull();
    expect(appProtocolFile('not a url', dir)).toBeNull();
  });
});
