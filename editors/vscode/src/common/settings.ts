// Settings: `contributes.configuration` in package.json is the single source of truth.
//
// Every `radix-ls.<name>` property whose name has no further dot is a server setting, sent
// under its own (camelCase) name as initializationOptions and as the answer to the server's
// `workspace/configuration` request for the `radix-ls` section. The others
// (`radix-ls.server.*`, `radix-ls.trace.server`) belong to the extension.

import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';

export const SECTION = 'radix-ls';

/** Settings read only when the server process starts: changing one restarts it. */
const RESTART_SETTINGS = ['server', 'remoteApiKeyEnv'];

export type ServerSettings = Record<string, unknown>;

export interface ClientSettings {
  /** The `radix-ls` executable chosen by the user; "" to search for it. */
  serverPath: string;
  /** Arguments before `serve`. */
  extraArgs: string[];
  /** The environment variable the server reads the remote API key from. */
  apiKeyEnv: string;
}

/** The server settings' names, from the extension's own package.json. */
export function serverSettingNames(extension: vscode.Extension<unknown>): string[] {
  const packageJSON = extension.packageJSON as {
    contributes?: { configuration?: { properties?: Record<string, unknown> } };
  };
  const properties = packageJSON.contributes?.configuration?.properties ?? {};
  const prefix = `${SECTION}.`;
  return Object.keys(properties)
    .filter((key) => key.startsWith(prefix))
    .map((key) => key.slice(prefix.length))
    .filter((name) => !name.includes('.'));
}

/** The server settings in effect for `scope` (defaults included), keyed by wire name. */
export function serverSettings(names: string[], scope?: vscode.ConfigurationScope): ServerSettings {
  const config = vscode.workspace.getConfiguration(SECTION, scope);
  const settings: ServerSettings = {};
  for (const name of names) {
    const value = config.get<unknown>(name);
    if (value !== undefined) {
      settings[name] = value;
    }
  }
  return settings;
}

export function clientSettings(folder?: vscode.WorkspaceFolder): ClientSettings {
  const config = vscode.workspace.getConfiguration(SECTION, folder);
  const extraArgs = config.get<unknown>('server.extraArgs');
  return {
    serverPath: expand(config.get<string>('server.path') ?? '', folder),
    extraArgs: Array.isArray(extraArgs) ? extraArgs.map(String) : [],
    apiKeyEnv: config.get<string>('remoteApiKeyEnv') || 'RADIX_LS_API_KEY',
  };
}

/** Whether a configuration change needs a new server process (otherwise it is pushed). */
export function needsRestart(event: vscode.ConfigurationChangeEvent): boolean {
  return RESTART_SETTINGS.some((name) => event.affectsConfiguration(`${SECTION}.${name}`));
}

export function affectsServer(event: vscode.ConfigurationChangeEvent): boolean {
  return event.affectsConfiguration(SECTION);
}

/** `${workspaceFolder}`, `${userHome}` and a leading `~` in a path setting. */
export function expand(value: string, folder?: vscode.WorkspaceFolder): string {
  let result = value.trim();
  if (result === '~' || result.startsWith('~/')) {
    result = path.join(os.homedir(), result.slice(1));
  }
  result = result.replace(/\$\{userHome\}/g, os.homedir());
  if (folder !== undefined) {
    result = result.replace(/\$\{workspaceFolder\}/g, folder.uri.fsPath);
  }
  return result;
}
