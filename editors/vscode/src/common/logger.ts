// The "radix-ls" output channel: the extension's own messages and the server's log.
//
// The server logs every record twice: to its stderr and, once the client is connected, as
// `window/logMessage` (which the language client writes to this channel with its level). So
// stderr lines that are radix-ls log records are shown only while no connection carries them;
// anything else on stderr (native library output, tracebacks) is always shown.

import * as readline from 'node:readline';
import type { Readable } from 'node:stream';
import * as vscode from 'vscode';

/** `2025-01-01 12:00:00,123 INFO radix_ls...: message`: the server's stderr log format. */
const SERVER_RECORD = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ (DEBUG|INFO|WARNING|ERROR|CRITICAL) radix_ls\S*: /;

export class Logger implements vscode.Disposable {
  readonly channel: vscode.LogOutputChannel;
  /** True while `window/logMessage` carries the server's records (set by the server module). */
  connected = false;

  constructor(name: string) {
    this.channel = vscode.window.createOutputChannel(name, { log: true });
  }

  info(message: string): void {
    this.channel.info(message);
  }

  warn(message: string): void {
    this.channel.warn(message);
  }

  error(message: string, error?: unknown): void {
    this.channel.error(error === undefined ? message : `${message}: ${describe(error)}`);
  }

  show(): void {
    this.channel.show(true);
  }

  /** How the language client hands over the server's stdout and stderr streams. */
  stdio(): {
    stdout: (input: Readable) => void;
    stderr: (input: Readable) => void;
  } {
    return {
      // stdout is the LSP channel; the client never passes it here in stdio mode.
      stdout: (input) => this.lines(input, (line) => this.channel.info(`[stdout] ${line}`)),
      stderr: (input) =>
        this.lines(input, (line) => {
          const record = SERVER_RECORD.exec(line);
          if (record === null) {
            this.channel.info(`[stderr] ${line}`);
          } else if (!this.connected) {
            const level = record[1];
            if (level === 'ERROR' || level === 'CRITICAL') {
              this.channel.error(line);
            } else if (level === 'WARNING') {
              this.channel.warn(line);
            } else {
              this.channel.info(line);
            }
          }
        }),
    };
  }

  private lines(input: Readable, each: (line: string) => void): void {
    readline
      .createInterface({ input, crlfDelay: Infinity, terminal: false, historySize: 0 })
      .on('line', each);
  }

  dispose(): void {
    this.channel.dispose();
  }
}

export function describe(error: unknown): string {
  if (error instanceof Error) {
    return error.message;
  }
  return typeof error === 'string' ? error : JSON.stringify(error);
}
