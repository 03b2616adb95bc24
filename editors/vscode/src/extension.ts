// radix-ls for VS Code: starts the radix-ls language server (inline completions as ghost
// text, AI code actions) and shows its state. The work is in ./common.

import * as vscode from 'vscode';
import { Logger } from './common/logger';
import { RadixServer } from './common/server';
import { StatusBar } from './common/status';

let server: RadixServer | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const logger = new Logger('radix-ls');
  const statusBar = new StatusBar('radix-ls.showStatus');
  server = new RadixServer(context, logger, statusBar);
  const radix = server;
  context.subscriptions.push(
    logger,
    statusBar,
    radix,
    vscode.commands.registerCommand('radix-ls.restart', () => radix.restart()),
    vscode.commands.registerCommand('radix-ls.showOutput', () => logger.show()),
    vscode.commands.registerCommand('radix-ls.showStatus', () => radix.showStatus()),
    vscode.commands.registerCommand('radix-ls.setApiKey', () => radix.setApiKey()),
    vscode.commands.registerCommand('radix-ls.clearApiKey', () => radix.clearApiKey()),
    vscode.commands.registerCommand('radix-ls.rewrite', (data?: Record<string, unknown>) =>
      radix.rewrite(data),
    ),
    vscode.workspace.onDidChangeConfiguration((event) => radix.configurationChanged(event)),
    vscode.workspace.onDidChangeWorkspaceFolders(() => radix.restart()),
    context.secrets.onDidChange((event) => radix.secretsChanged(event)),
  );
  void radix.start();
}

export async function deactivate(): Promise<void> {
  await server?.shutdown();
  server = undefined;
}
