// The radix-ls server process and its language client: finding the executable, starting,
// restarting and stopping it, feeding it settings, and polling `radixLs/status` for the
// status bar.

import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  type ClientCapabilities,
  DidChangeConfigurationNotification,
  ExecuteCommandRequest,
  type Executable,
  LanguageClient,
  type LanguageClientOptions,
  RevealOutputChannelOn,
  State,
} from 'vscode-languageclient/node';
import { describe, type Logger } from './logger';
import {
  clientSettings,
  needsRestart,
  SECTION,
  serverSettingNames,
  serverSettings,
  type ClientSettings,
} from './settings';
import type { ServerStatus, StatusBar } from './status';

/** The languages radix-ls indexes and completes (VS Code language ids). */
export const LANGUAGES = [
  'python',
  'javascript',
  'javascriptreact',
  'typescript',
  'typescriptreact',
  'go',
  'rust',
  'java',
  'c',
  'cpp',
];

/** Where the remote API key is kept in VS Code's secret storage. */
export const API_KEY_SECRET = 'radix-ls.remoteApiKey';

const STATUS_REQUEST = 'radixLs/status';
const POLL_LOADING_MS = 1000;
const POLL_READY_MS = 10000;

export class ServerNotFound extends Error {}

export interface ServerCommand {
  command: string;
  args: string[];
  /** How it was found, for the log. */
  source: string;
}

/**
 * The `radix-ls` executable: `radix-ls.server.path` when set, else the workspace's
 * `.venv`, else `radix-ls` on PATH. Throws `ServerNotFound` saying what to do.
 */
export function findServer(settings: ClientSettings, folder?: vscode.WorkspaceFolder): ServerCommand {
  const args = [...settings.extraArgs, 'serve'];
  if (settings.serverPath !== '') {
    const configured = settings.serverPath;
    const found = configured.includes('/') || configured.includes('\\') ? executable(configured) : onPath(configured);
    if (found === undefined) {
      throw new ServerNotFound(
        `radix-ls.server.path is "${configured}", which is not an executable file. ` +
          'Set it to the radix-ls executable (for example /path/to/project/.venv/bin/radix-ls), or clear it to search the workspace\'s .venv and PATH.',
      );
    }
    return { command: found, args, source: 'radix-ls.server.path' };
  }
  if (folder !== undefined) {
    const root = folder.uri.fsPath;
    for (const candidate of [
      path.join(root, '.venv', 'bin', 'radix-ls'),
      path.join(root, '.venv', 'Scripts', 'radix-ls.exe'),
    ]) {
      const found = executable(candidate);
      if (found !== undefined) {
        return { command: found, args, source: "the workspace's .venv" };
      }
    }
  }
  const found = onPath(process.platform === 'win32' ? 'radix-ls.exe' : 'radix-ls');
  if (found !== undefined) {
    return { command: found, args, source: 'PATH' };
  }
  throw new ServerNotFound(
    'Cannot find the radix-ls server: it is not in this workspace\'s .venv/bin and not on PATH. ' +
      "Install it (pip install 'radix-ls[cpu]', or `python3 -m uv sync --extra cpu` in a radix-ls checkout) " +
      'and set radix-ls.server.path to its radix-ls executable.',
  );
}

function executable(file: string): string | undefined {
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile()) {
      return undefined;
    }
    fs.accessSync(file, fs.constants.X_OK);
    return file;
  } catch {
    return undefined;
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir !== '') {
      const found = executable(path.join(dir, name));
      if (found !== undefined) {
        return found;
      }
    }
  }
  return undefined;
}

/** One radix-ls server for the window, rooted at the first workspace folder. */
export class RadixServer implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private readonly settingNames: string[];
  /** start / stop / restart run one after the other, in the order asked. */
  private queue: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private lastStatus: ServerStatus | undefined;
  private disposed = false;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly logger: Logger,
    private readonly statusBar: StatusBar,
  ) {
    this.settingNames = serverSettingNames(context.extension);
  }

  start(): Promise<void> {
    return this.enqueue(() => this.doStart());
  }

  stop(): Promise<void> {
    return this.enqueue(() => this.doStop());
  }

  restart(): Promise<void> {
    return this.enqueue(async () => {
      await this.doStop();
      await this.doStart();
    });
  }

  /** Settings read at process start restart the server; the others are pushed to it. */
  async configurationChanged(event: vscode.ConfigurationChangeEvent): Promise<void> {
    if (!event.affectsConfiguration(SECTION)) {
      return;
    }
    if (needsRestart(event) || this.client === undefined) {
      this.logger.info('settings changed: restarting the server');
      await this.restart();
      return;
    }
    const client = this.client;
    if (client.state === State.Running) {
      this.logger.info('settings changed: sending them to the server');
      await client.sendNotification(DidChangeConfigurationNotification.type, {
        settings: { [SECTION]: this.settings() },
      });
      this.refreshSoon(200);
    }
  }

  async setApiKey(): Promise<void> {
    const key = await vscode.window.showInputBox({
      title: 'radix-ls: API key for the remote engine',
      prompt: `Stored in VS Code's secret storage and passed to the server in $${clientSettings(this.folder()).apiKeyEnv}`,
      password: true,
      ignoreFocusOut: true,
    });
    if (key === undefined) {
      return;
    }
    if (key.trim() === '') {
      await this.clearApiKey();
      return;
    }
    await this.context.secrets.store(API_KEY_SECRET, key.trim());
    void vscode.window.showInformationMessage('radix-ls: API key stored; the server restarts with it.');
  }

  async clearApiKey(): Promise<void> {
    await this.context.secrets.delete(API_KEY_SECRET);
    void vscode.window.showInformationMessage('radix-ls: API key removed from the secret storage.');
  }

  /** The stored key changed (here or in another window): the server needs a new environment. */
  async secretsChanged(event: vscode.SecretStorageChangeEvent): Promise<void> {
    if (event.key === API_KEY_SECRET) {
      this.logger.info('the API key changed: restarting the server');
      await this.restart();
    }
  }

  /**
   * "Rewrite with instruction…": the server's code action runs `radix-ls.rewrite` with the
   * target in `data`; from the palette it takes the selection. Asks for the instruction, then
   * the server computes the rewrite and applies it (workspace/applyEdit).
   */
  async rewrite(data?: Record<string, unknown>): Promise<void> {
    const client = this.client;
    if (client === undefined) {
      void vscode.window.showWarningMessage('radix-ls: the server is not running.');
      return;
    }
    let args = data;
    if (args === undefined) {
      const editor = vscode.window.activeTextEditor;
      if (editor === undefined) {
        void vscode.window.showWarningMessage('radix-ls: open a file and select the code to rewrite.');
        return;
      }
      args = {
        uri: editor.document.uri.toString(),
        action: 'rewrite',
        range: client.code2ProtocolConverter.asRange(editor.selection),
      };
    }
    const instruction = await vscode.window.showInputBox({
      title: 'radix-ls: rewrite',
      prompt: 'How should the code change?',
      placeHolder: 'e.g. use a list comprehension',
      ignoreFocusOut: true,
    });
    if (instruction === undefined || instruction.trim() === '') {
      return;
    }
    try {
      await client.sendRequest(ExecuteCommandRequest.type, {
        command: 'radixLs.applyAction',
        arguments: [{ ...args, instruction }],
      });
    } catch (error) {
      // the server also shows its failure message; keep the details in the log
      this.logger.error(`rewrite failed: ${describe(error)}`);
    }
  }

  async showStatus(): Promise<void> {
    const status = await this.refresh();
    if (status === undefined) {
      void vscode.window.showWarningMessage('radix-ls: the server is not running.', 'Show Log').then((answer) => {
        if (answer === 'Show Log') {
          this.logger.show();
        }
      });
      return;
    }
    const detail = JSON.stringify(status, null, 2);
    this.logger.info(`status: ${detail}`);
    void vscode.window.showInformationMessage(
      `radix-ls: ${status.state}, ${status.engine ?? 'no engine'}, ${status.model ?? 'no model'}`,
      { modal: true, detail },
    );
  }

  dispose(): void {
    this.disposed = true;
    this.clearTimer();
    void this.stop();
  }

  /** Stops the server; resolves when it has exited (for deactivate). */
  async shutdown(): Promise<void> {
    this.disposed = true;
    this.clearTimer();
    await this.stop();
  }

  // -- internals ---------------------------------------------------------------------------

  private enqueue(step: () => Promise<void>): Promise<void> {
    const next = this.queue.then(step, step);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private folder(): vscode.WorkspaceFolder | undefined {
    return vscode.workspace.workspaceFolders?.[0];
  }

  private settings(scope?: vscode.ConfigurationScope): Record<string, unknown> {
    return serverSettings(this.settingNames, scope ?? this.folder()?.uri);
  }

  private async doStart(): Promise<void> {
    if (this.disposed || this.client !== undefined) {
      return;
    }
    this.statusBar.starting();
    const folder = this.folder();
    const settings = clientSettings(folder);
    let server: ServerCommand;
    try {
      server = findServer(settings, folder);
    } catch (error) {
      const message = describe(error);
      this.logger.error(message);
      this.statusBar.failed(message);
      void vscode.window.showErrorMessage(`radix-ls: ${message}`, 'Open Settings', 'Show Log').then((answer) => {
        if (answer === 'Open Settings') {
          void vscode.commands.executeCommand('workbench.action.openSettings', `${SECTION}.server.path`);
        } else if (answer === 'Show Log') {
          this.logger.show();
        }
      });
      return;
    }
    const env: NodeJS.ProcessEnv = { ...process.env, PYTHONUNBUFFERED: '1' };
    const key = await this.context.secrets.get(API_KEY_SECRET);
    if (key !== undefined && key !== '') {
      env[settings.apiKeyEnv] = key;
    }
    const executable: Executable = {
      command: server.command,
      args: server.args,
      options: { cwd: folder?.uri.fsPath, env },
    };
    this.logger.info(`starting ${server.command} ${server.args.join(' ')} (found through ${server.source})`);
    const client = new LanguageClient('radix-ls', 'radix-ls', executable, this.clientOptions());
    // Tells the server this client has the radix-ls.rewrite command (it asks for the
    // instruction), so "Rewrite with instruction…" is offered.
    client.registerFeature({
      fillClientCapabilities(capabilities: ClientCapabilities): void {
        const experimental = (capabilities.experimental ?? {}) as Record<string, unknown>;
        capabilities.experimental = { ...experimental, radixLs: { rewritePrompt: true } };
      },
      initialize(): void {},
      getState: () => ({ kind: 'static' }),
      clear(): void {},
    });
    client.onDidChangeState((event) => {
      this.logger.connected = event.newState === State.Running;
      if (event.newState === State.Running) {
        this.refreshSoon(0);
      } else if (event.newState === State.Stopped && this.client === client) {
        this.statusBar.stopped();
      }
    });
    this.client = client;
    try {
      await client.start();
    } catch (error) {
      this.client = undefined;
      const message = `the server did not start: ${describe(error)}`;
      this.logger.error(message);
      this.statusBar.failed(message);
      void vscode.window.showErrorMessage(`radix-ls: ${message}`, 'Show Log').then((answer) => {
        if (answer === 'Show Log') {
          this.logger.show();
        }
      });
      try {
        await client.dispose(2000);
      } catch {
        // already gone
      }
    }
  }

  private clientOptions(): LanguageClientOptions {
    const selector = LANGUAGES.flatMap((language) => [
      { scheme: 'file', language },
      { scheme: 'untitled', language },
    ]);
    return {
      documentSelector: selector,
      outputChannel: this.logger.channel,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      stdioOptions: this.logger.stdio(),
      initializationOptions: this.settings(),
      middleware: {
        workspace: {
          // Answer `workspace/configuration` for our section with the server settings only
          // (the client's own settings would be unknown keys to the server).
          configuration: async (params, token, next) => {
            const answer = await next(params, token);
            if (!Array.isArray(answer)) {
              return answer;
            }
            return params.items.map((item, index) =>
              item.section === SECTION
                ? this.settings(item.scopeUri ? vscode.Uri.parse(item.scopeUri) : undefined)
                : answer[index],
            );
          },
        },
        provideInlineCompletionItems: async (document, position, context, token, next) => {
          const result = await next(document, position, context, token);
          this.refreshSoon(50); // the last completion's latency for the status bar
          return result;
        },
      },
    };
  }

  private async doStop(): Promise<void> {
    this.clearTimer();
    const client = this.client;
    this.client = undefined;
    this.lastStatus = undefined;
    if (client === undefined) {
      return;
    }
    this.logger.info('stopping the server');
    try {
      if (client.isRunning()) {
        await client.stop(5000);
      }
    } catch (error) {
      this.logger.warn(`stopping the server: ${describe(error)}`);
    }
    try {
      await client.dispose(2000);
    } catch {
      // already stopped
    }
    this.logger.connected = false;
    if (!this.disposed) {
      this.statusBar.stopped();
    }
  }

  /** Ask for the status now and update the status bar; undefined when not running. */
  private async refresh(): Promise<ServerStatus | undefined> {
    const client = this.client;
    if (client === undefined || client.state !== State.Running) {
      return undefined;
    }
    try {
      const status = await client.sendRequest<ServerStatus>(STATUS_REQUEST, {});
      if (this.client === client) {
        this.lastStatus = status;
        this.statusBar.show(status);
      }
      return status;
    } catch (error) {
      this.logger.warn(`${STATUS_REQUEST} failed: ${describe(error)}`);
      return undefined;
    }
  }

  /** Refresh after `delay` ms, then keep polling: every second while loading, else slowly. */
  private refreshSoon(delay: number): void {
    this.clearTimer();
    if (this.disposed) {
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.refresh().then(() => {
        if (this.timer === undefined && this.client !== undefined) {
          const ready = this.lastStatus?.state === 'ready' && this.lastStatus.index?.state !== 'indexing';
          this.refreshSoon(ready ? POLL_READY_MS : POLL_LOADING_MS);
        }
      });
    }, delay);
  }

  private clearTimer(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }
}
