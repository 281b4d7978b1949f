/** Entry point: find the host, then render the app. */
import { createRoot } from 'react-dom/client';
import '@xyflow/react/dist/style.css';
import './styles/app.css';
import { HostProvider, resolveHost } from './host/host';
import { App } from './app/App';

const root = createRoot(document.getElementById('root')!);

resolveHost().then(
  (host) =>
    root.render(
      <HostProvider host={host}>
        <App />
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
