/** The window: toolbar, graph canvas with totals and summary, and the side panel (edit / run / train / compare). */
import { useEffect, useLayoutEffect } from 'react';
import { ReactFlowProvider } from '@xyflow/react';
import { useShallow } from 'zustand/react/shallow';
import { serializeDesign } from '../../core/design/designFile';
import { useHost } from '../host/host';
import { WeightsDrop } from './WeightsDrop';
import { appStore, useApp, type AppState } from '../state/store';
import { isDirty } from '../state/derived';
import { GraphCanvas } from '../graph/GraphCanvas';
import { Inspector } from '../panels/Inspector';
import { RunPanel } from '../panels/RunPanel';
import { ComparePanel } from '../panels/ComparePanel';
import { TrainPanel } from '../panels/TrainPanel';
import { trainHostOf } from '../host/trainHost';
import { SummaryTable } from '../panels/SummaryTable';
import { TotalsBar } from '../panels/TotalsBar';
import { InputSizeBanner } from '../panels/InputSizeBanner';
import { ConnectionBanner } from './ConnectionBanner';
import { Toolbar } from './Toolbar';
import { AboutDialog, ConfirmDialog } from './Dialogs';
import { ExportSlot } from './ExportSlot';
import { Toast } from './Toast';
import { HelpSheet, opensHelp } from './HelpSheet';
import { leavesField } from './focus';
import { recoverSession, runMenuCommand, startComparing } from './commands';

const selectShell = (s: AppState) => ({
  theme: s.theme,
  sideTab: s.sideTab,
  summaryOpen: s.summaryOpen,
  hostWarning: s.hostWarning,
  setSideTab: s.setSideTab,
});

const AUTOSAVE_DELAY_MS = 1500;

/** Host events, autosave and crash recovery. */
function useHostWiring(): void {
  const host = useHost();
  useEffect(() => host.onDidMenuCommand((c) => runMenuCommand(host, c)), [host]);
  useEffect(() => host.onDidRunProgress((p) => appStore.getState().runProgressed(p)), [host]);
  useEffect(
    () => trainHostOf(host)?.onDidTrainEvent((e) => appStore.getState().trainEvent(e)),
    [host],
  );
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (leavesField(e)) {
        (e.target as HTMLElement).blur();
        return;
      }
      if (!opensHelp(e) || appStore.getState().helpOpen) return;
      e.preventDefault();
      appStore.getState().setHelpOpen(true);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  useEffect(() => {
    // Say at load when the host refuses this page (a browser page without its access token),
    // rather than letting Open, Save and Run fail one by one later.
    void host.getInfo().then((r) => {
      if (!r.ok && (r.error.code === 'http.token' || r.error.code === 'host.noToken'))
        appStore.setState({ hostWarning: r.error.message });
    });
  }, [host]);
  useEffect(() => {
    let live = true;
    void host.takeRecovery().then((r) => {
      if (live && r.ok && r.value) void recoverSession(host, r.value);
    });
    return () => {
      live = false;
    };
  }, [host]);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const flush = () => {
      if (timer === undefined) return;
      clearTimeout(timer);
      timer = undefined;
      const { design, filePath } = appStore.getState();
      void host.autosave({ path: filePath, text: serializeDesign(design) });
    };
    // Saves also refresh the autosave, so a crash after saving never offers back an older design.
    const unsubscribe = appStore.subscribe((s, prev) => {
      if (
        s.design === prev.design &&
        s.savedText === prev.savedText &&
        s.filePath === prev.filePath
      )
        return;
      clearTimeout(timer);
      timer = setTimeout(flush, AUTOSAVE_DELAY_MS);
    });
    // A reload or a closed tab right after an edit still keeps it.
    window.addEventListener('pagehide', flush);
    return () => {
      clearTimeout(timer);
      window.removeEventListener('pagehide', flush);
      unsubscribe();
    };
  }, [host]);
  useEffect(() => {
    const warn = (e: BeforeUnloadEvent) => {
      const { design, savedText, saveBatchWithDesign } = appStore.getState();
      if (isDirty(design, savedText, saveBatchWithDesign)) e.preventDefault();
    };
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, []);
}

export function App() {
  const { theme, sideTab, summaryOpen, hostWarning, setSideTab } = useApp(useShallow(selectShell));
  useHostWiring();
  // A layout effect: it runs before any component's effect, so a chart that reads the theme's
  // colours when the theme changes (Chart.tsx) reads the new ones.
  useLayoutEffect(() => {
    document.documentElement.dataset.theme = theme;
    document.documentElement.style.colorScheme = theme;
  }, [theme]);
  return (
    <ReactFlowProvider>
      <div className="app">
        <div className="app-top">
          <Toolbar />
          <ConnectionBanner />
          {hostWarning && (
            <div className="host-warning" role="alert">
              <strong>Read-only page.</strong> {hostWarning}
            </div>
          )}
        </div>
        <main className="workspace">
          <div className="canvas-column">
            <InputSizeBanner />
            <div className="canvas">
              <GraphCanvas />
            </div>
            {summaryOpen && <SummaryTable />}
            <TotalsBar />
          </div>
          <aside className="side" aria-label="Inspector and run">
            <div className="tabs" role="tablist" aria-label="Side panel">
              <button
                type="button"
                role="tab"
                id="tab-edit"
                aria-selected={sideTab === 'edit'}
                aria-controls="panel-edit"
                onClick={() => setSideTab('edit')}
              >
                Edit
              </button>
              <button
                type="button"
                role="tab"
                id="tab-run"
                aria-selected={sideTab === 'run'}
                aria-controls="panel-run"
                onClick={() => setSideTab('run')}
              >
                Run
              </button>
              <button
                type="button"
                role="tab"
                id="tab-train"
                aria-selected={sideTab === 'train'}
                aria-controls="panel-train"
                onClick={() => setSideTab('train')}
              >
                Train
              </button>
              <button
                type="button"
                role="tab"
                id="tab-compare"
                aria-selected={sideTab === 'compare'}
                aria-controls="panel-compare"
                onClick={startComparing}
              >
                Compare
              </button>
            </div>
            <div
              className="side-scroll"
              role="tabpanel"
              id={`panel-${sideTab}`}
              aria-labelledby={`tab-${sideTab}`}
            >
              {sideTab === 'edit' ? (
                <Inspector />
              ) : sideTab === 'run' ? (
                <RunPanel />
              ) : sideTab === 'train' ? (
                <TrainPanel />
              ) : (
                <ComparePanel />
              )}
            </div>
          </aside>
        </main>
        <Toast />
        <ConfirmDialog />
        <AboutDialog />
        <HelpSheet />
        <ExportSlot />
        <WeightsDrop />
      </div>
    </ReactFlowProvider>
  );
}
