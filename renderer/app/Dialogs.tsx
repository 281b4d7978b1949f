/** The discard confirmation and About, both on the one Modal (File → Export… is renderer/export/ExportDialog.tsx). */
import { useEffect, useState } from 'react';
import type { HostInfo } from '../../core/host/contract';
import { useHost } from '../host/host';
import { appStore, useApp, type AppState } from '../state/store';
import { Modal } from './Modal';

const selectConfirmation = (s: AppState) => s.confirmation;

export function ConfirmDialog() {
  const c = useApp(selectConfirmation);
  if (!c) return null;
  const close = () => appStore.getState().closeConfirmation();
  const safe = c.tone === 'safe';
  return (
    <Modal
      title={c.title}
      onClose={close}
      actions={
        <>
          <button type="button" onClick={close} data-autofocus={safe ? undefined : true}>
            {c.cancelLabel ?? 'Cancel'}
          </button>
          <button
            type="button"
            className={safe ? 'primary' : 'danger'}
            data-autofocus={safe ? true : undefined}
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
    <Modal
      title="About Inception Explorer"
      onClose={close}
      actions={
        <button type="button" onClick={close} data-autofocus>
          Close
        </button>
      }
    >
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
