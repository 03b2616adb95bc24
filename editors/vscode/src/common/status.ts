// The status bar item: engine, model, state (loading / ready / error) and the last
// completion's latency, from the server's `radixLs/status` request.

import * as vscode from 'vscode';

/** The part of `radixLs/status`'s answer shown here. */
export interface ServerStatus {
  version?: string;
  state: 'starting' | 'loading' | 'ready' | 'error' | 'stopped' | string;
  detail?: string;
  engine?: string | null;
  model?: string | null;
  template?: string | null;
  index?: { state: string; detail?: string };
  lastCompletion?: {
    totalMs?: number;
    timeToFirstTokenMs?: number | null;
    promptTokens?: number;
    cachedTokens?: number;
    completionTokens?: number;
    tokensPerSecond?: number | null;
  } | null;
}

const MAX_MODEL = 32;

export class StatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;

  constructor(command: string) {
    this.item = vscode.window.createStatusBarItem('radix-ls.status', vscode.StatusBarAlignment.Right, 100);
    this.item.name = 'radix-ls';
    this.item.command = command;
    this.starting();
    this.item.show();
  }

  starting(): void {
    this.set('$(loading~spin) radix-ls: starting', 'radix-ls: starting the server');
  }

  stopped(): void {
    this.set('$(circle-slash) radix-ls: stopped', 'radix-ls: the server is not running');
  }

  /** The server could not be started (not found, crashed): `message` says why. */
  failed(message: string): void {
    this.set('$(error) radix-ls: error', `radix-ls: ${message}`, true);
  }

  show(status: ServerStatus): void {
    const engine = status.engine ?? '';
    const model = shorten(status.model ?? '');
    const lines = [
      `radix-ls ${status.version ?? ''}`.trim(),
      `state: ${status.state}${status.detail ? ` (${status.detail})` : ''}`,
      `engine: ${engine || '-'}`,
      `model: ${status.model ?? '-'}`,
    ];
    if (status.template) {
      lines.push(`prompt template: ${status.template}`);
    }
    if (status.index) {
      lines.push(`index: ${status.index.state}${status.index.detail ? ` (${status.index.detail})` : ''}`);
    }
    const last = status.lastCompletion;
    if (last) {
      lines.push(
        `last completion: ${ms(last.totalMs)} total, ${ms(last.timeToFirstTokenMs)} to first token, ` +
          `${last.completionTokens ?? 0} tokens, ${last.cachedTokens ?? 0}/${last.promptTokens ?? 0} prompt tokens cached`,
      );
    }
    const tooltip = lines.join('\n');
    const what = [engine, model].filter((part) => part !== '').join(' · ');
    switch (status.state) {
      case 'ready': {
        const latency = last?.totalMs !== undefined ? ` · ${ms(last.totalMs)}` : '';
        const indexing = status.index?.state === 'indexing' ? ' · indexing' : '';
        this.set(`$(sparkle) radix-ls: ${what || 'ready'}${indexing}${latency}`, tooltip);
        break;
      }
      case 'error':
        this.set(`$(error) radix-ls: error${what ? ` (${what})` : ''}`, tooltip, true);
        break;
      case 'stopped':
        this.set(`$(circle-slash) radix-ls: stopped`, tooltip);
        break;
      default:
        this.set(`$(loading~spin) radix-ls: ${status.state}${what ? ` ${what}` : ''}`, tooltip);
    }
  }

  private set(text: string, tooltip: string, error = false): void {
    this.item.text = text;
    this.item.tooltip = tooltip;
    this.item.accessibilityInformation = { label: text.replace(/\$\([^)]*\)\s*/g, ''), role: 'button' };
    this.item.backgroundColor = error ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
  }

  dispose(): void {
    this.item.dispose();
  }
}

function ms(value: number | null | undefined): string {
  return value === null || value === undefined ? '-' : `${Math.round(value)} ms`;
}

/** A model path or hub name, short enough for the status bar. */
function shorten(model: string): string {
  const base = model.split(/[\\/]/).pop() ?? model;
  return base.length > MAX_MODEL ? `${base.slice(0, MAX_MODEL - 1)}…` : base;
}
