/**
 * Which host the renderer talks to, and a React context to reach it. The renderer never imports
 * Electron: under Electron the preload exposes `window.inceptionExplorer`; in a plain browser the
 * browser host client (browserHost.ts, served by `inception-explorer serve`) implements the same
 * contract; tests pass their own host to `HostProvider`.
 */
import { createContext, createElement, useContext, type ReactNode } from 'react';
import type { HostApi } from '../../core/host/contract';

const HostContext = createContext<HostApi | null>(null);

export function HostProvider({ host, children }: { host: HostApi; children?: ReactNode }) {
  return createElement(HostContext.Provider, { value: host }, children);
}

/** The host of the running app. */
export function useHost(): HostApi {
  const host = useContext(HostContext);
  if (!host) throw new Error('useHost() needs a <HostProvider> above it.');
  return host;
}

/** The Electron preload's API when present, else the browser host client. */
export async function resolveHost(): Promise<HostApi> {
  if (typeof window !== 'undefined' && window.inceptionExplorer) return window.inceptionExplorer;
  // Loaded only in a plain browser: the Electron window never needs the browser host client.
  const { createBrowserHost } = await import('./browserHost');
  return createBrowserHost();
}
