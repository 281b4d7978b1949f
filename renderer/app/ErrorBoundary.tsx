/**
 * Keeps a failing part of the window from blanking all of it: React unmounts the whole tree when a
 * render throws, so a part that can fail (a dialog, the app itself) sits inside one of these and
 * shows `fallback` instead, with the design still in the store.
 */
import { Component, type ErrorInfo, type ReactNode } from 'react';

export interface ErrorBoundaryProps {
  readonly children: ReactNode;
  /** What to show instead; `reset` renders the children again. */
  fallback(error: Error, reset: () => void): ReactNode;
  /** Told once per failure (e.g. to close a dialog and say why). */
  onError?(error: Error): void;
}

interface State {
  readonly error: Error | null;
}

export class ErrorBoundary extends Component<ErrorBoundaryProps, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(e: unknown): State {
    return { error: e instanceof Error ? e : new Error(String(e)) };
  }

  override componentDidCatch(error: Error, _info: ErrorInfo): void {
    this.props.onError?.(error);
  }

  private readonly reset = () => this.setState({ error: null });

  override render(): ReactNode {
    return this.state.error
      ? this.props.fallback(this.state.error, this.reset)
      : this.props.children;
  }
}
