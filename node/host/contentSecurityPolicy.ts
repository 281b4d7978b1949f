/**
 * The renderer's Content Security Policy, one definition for the Electron window and the browser
 * host. Scripts only from the app itself (no inline script, no eval); no plugins, frames, forms or
 * remote content. Inline styles are allowed because React Flow positions nodes with style
 * attributes and Vite injects CSS as <style> in dev; they cannot run code.
 */
export interface CspOptions {
  /** Extra origins the page may connect to (the browser host's WebSocket, Vite's HMR socket). */
  readonly connectOrigins?: readonly string[];
  /** Vite dev server: also allow its origin for scripts and modules. */
  readonly devServerOrigin?: string;
}

export function contentSecurityPolicy(o: CspOptions = {}): string {
  const dev = o.devServerOrigin ? [o.devServerOrigin] : [];
  const directives: Record<string, string[]> = {
    'default-src': ["'none'"],
    'script-src': ["'self'", ...dev],
    'style-src': ["'self'", "'unsafe-inline'", ...dev],
    'img-src': ["'self'", 'data:', 'blob:', ...dev],
    'font-src': ["'self'", 'data:', ...dev],
    'connect-src': ["'self'", ...(o.connectOrigins ?? []), ...dev],
    'worker-src': ["'self'", 'blob:'],
    'manifest-src': ["'self'"],
    'object-src': ["'none'"],
    'frame-src': ["'none'"],
    'base-uri': ["'none'"],
    'form-action': ["'none'"],
    'frame-ancestors': ["'none'"],
  };
  return Object.entries(directives)
    .map(([k, v]) => `${k} ${v.join(' ')}`)
    .join('; ');
}
