/** Modal dialogs: the discard confirmation and About (File → Export… is renderer/export/ExportDialog.tsx). */
import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { HostInfo } from '../../core/host/contract';
import { useHost } from '../host/host';
import { appStore, useApp, type AppState } from '../state/store';

export function Modal({ title, onClose, children, actions }: { title: string; onClose(): void; children: ReactNode; actions: ReactNode }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    ref.current?.querySelector<HTMLElement>('[data-autofocus], button')?.focus();
    return () => previous?.focus?.();
  }, []);
  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div
        className="modal"
        role="dialog"
        aria-modal="true"
        aria-labelledby="modal-title"
        ref={ref}
        onKeyDown={(e) => {
          if (e.key === 'Escape') onClose();
        }}
      >
        <h2 id="modal-title">{title}</h2>
        <div className="modal-body">{children}</div>
        <div className="button-row end">{actions}</div>
      </div>
    </div>
  );
}

const selectConfirmation = (s: AppState) => s.confirmation;

export function ConfirmDialog() {
  const c = useApp(selectConfirmation);
  if (!c) return null;
  const close = () => appStore.getState().closeConfirmation();
  return (
    <Modal
      title={c.title}
      onClose={close}
      actions={
        <>
          <button type="button" onClick={close} data-autofocus>
            Cancel
          </button>
          <button
            type="button"
            className="danger"
            onClick={() => {
              close();
              c.onConfirm();
            }}
          >
            {c.confirmLabel}
          </button>
        </>
      }
    >
      <p>{c.message}</p>
    </Modal>
  );
}

const selectAbout = (s: AppState) => s.aboutOpen;

export function AboutDialog() {
  const open = useApp(selectAbout);
  const host = useHost();
  const [info, setInfo] = useState<HostInfo | null>(null);
  useEffect(() => {
    if (open) void host.getInfo().then((r) => r.ok && setInfo(r.value));
  }, [open, host]);
  if (!open) return null;
  const close = () => appStore.getState().setAboutOpen(false);
  return (
    <Modal title="About Inception Explorer" onClose={close} actions={<button type="button" onClick={close}>Close</button>}>
      <p>Explore, edit and run GoogLeNet (Inception v1) as a live node graph.</p>
      {info && (
        <dl className="facts">
          <div>
            <dt>Version</dt>
            <dd>{info.appVersion}</dd>
          </div>
          <div>
            <dt>Host</dt>
            <dd>{info.kind}</dd>
          </div>
          <div>
            <dt>Engine backend</dt>
            <dd>{info.backend}</dd>
          </div>
          {Object.entries(info.versions).map(([k, v]) => (
            <div key={k}>
              <dt>{k}</dt>
              <dd>{v}</dd>
            </div>
          ))}
        </dl>
      )}
      {info?.backendNotes.map((n) => (
        <p key={n} className="muted small">
          {n}
        </p>
      ))}
    </Modal>
  );
}
