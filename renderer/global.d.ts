/// <reference types="vite/client" />
import type { HostApi } from '../core/host/contract';

declare global {
  interface Window {
    /** The Electron preload's bridge; absent in the browser host and in tests. */
    inceptionExplorer?: HostApi;
  }
}
