/**
 * One banner above everything when the browser host's server is gone (stopped, or restarted at
 * another address): what happened and how to get back, instead of a cascade of failed calls. It
 * goes away by itself when the page's socket connects again.
 */
import { useEffect, useState } from 'react';
import { HOST_CONNECTION_EVENT, type HostConnection } from '../host/browserHost';

export function ConnectionBanner() {
  const [lost, setLost] = useState<HostConnection | null>(null);
  useEffect(() => {
    const on = (e: Event) => {
      const detail = (e as CustomEvent<HostConnection>).detail;
      setLost(detail.state === 'lost' ? detail : null);
    };
    window.addEventListener(HOST_CONNECTION_EVENT, on);
    return () => window.removeEventListener(HOST_CONNECTION_EVENT, on);
  }, []);
  if (!lost) return null;
  return (
    <div className="host-warning connection-banner" role="alert" data-testid="connection-banner">
      <strong>The app’s server at {lost.origin} is not answering.</strong> If it stopped, start it
      again with <code>npm start</code> (or <code>npx inception-explorer serve</code>) and open the
      address it prints — a start on another port, or a new start on this one, has a new address.
      This design is autosaved there and is offered back when you open it. This page reconnects by
      itself if the server comes back here.
    </div>
  );
}
