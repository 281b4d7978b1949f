/**
 * The `app://inception-explorer/` scheme that serves the packaged renderer (Electron's advice:
 * a custom protocol instead of file://). Maps a request URL to a file inside the renderer folder;
 * anything outside it, or another host, is refused.
 */
import { extname, relative, resolve } from 'node:path';
import { APP_HOST, APP_SCHEME } from './windowSecurity';

/** The file a request is for, or null when it is not the app's or leaves the renderer folder. */
export function appProtocolFile(requestUrl: string, rendererDir: string): string | null {
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return null;
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return null;
  let pathname: string;
  try {
    pathname = decodeURIComponent(url.pathname);
  } catch {
    return null;
  }
  if (pathname.includes('\0')) return null;
  const root = resolve(rendererDir);
  const file = resolve(root, `.${pathname === '/' ? '/index.html' : pathname}`);
  const rel = relative(root, file);
  if (rel.startsWith('..') || resolve(root, rel) !== file) return null;
  return file;
}

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.wasm': 'application/wasm',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

export function contentTypeOf(file: string): string {
  return TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
}
