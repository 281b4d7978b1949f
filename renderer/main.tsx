/** Entry point: find the host, then render the app. */
import { createRoot } from 'react-dom/client';
import '@xyflow/react/dist/style.css';
import './styles/app.css';
import { HostProvider, resolveHost } from './host/host';
import { App } from './app/App';
import { ErrorBoundary } from './app/ErrorBoundary';

const root = createRoot(document.getElementById('root')!);

resolveHost().then(
  (host) =>
    root.render(
      <HostProvider host={host}>
        <ErrorBoundary
          fallback={(error, reset) => (
            <div className="fatal" role="alert">
              <h1>Something in the window failed</h1>
              <p>{error.message}</p>
              <p>
                The design is still open: try again to get the window back, then save your work.
              </p>
              <button type="button" onClick={reset}>
                Try again
              </button>
            </div>
          )}
        >
          <App />
        </ErrorBoundary>
      </HostProvider>,
    ),
  (e: unknown) =>
    root.render(
      <div className="fatal" role="alert">
        <h1>Inception Explorer cannot start</h1>
        <p>{e instanceof Error ? e.message : String(e)}</p>
      </div>,
    ),
);
