// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { act, cleanup, render, screen } from '@testing-library/react';
import { ConnectionBanner } from './ConnectionBanner';
import { HOST_CONNECTION_EVENT, type HostConnection } from '../host/browserHost';

const send = (detail: HostConnection) =>
  act(() => {
    window.dispatchEvent(new CustomEvent(HOST_CONNECTION_EVENT, { detail }));
  });

afterEach(cleanup);

describe('the connection banner', () => {
  it('says how to get back when the server is gone, and leaves when it answers again', () => {
    render(<ConnectionBanner />);
    expect(screen.queryByTestId('connection-banner')).toBeNull();
    send({ state: 'lost', origin: 'http://127.0.0.1:5173' });
    const banner = screen.getByRole('alert');
    expect(banner.textContent).toMatch(/server at http:\/\/127\.0\.0\.1:5173 is not answering/);
    expect(banner.textContent).toMatch(/npm start.*open the\s+address it prints/s);
    expect(banner.textContent).toMatch(/autosaved/);
    send({ state: 'back', origin: 'http://127.0.0.1:5173' });
    expect(screen.queryByTestId('connection-banner')).toBeNull();
  });
});
