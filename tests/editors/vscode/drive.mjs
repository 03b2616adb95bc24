// Drives VS Code (code-server) in headless Chromium with playwright-core, as a person would:
// opens a file of the sample project, waits for radix-ls to be ready (status bar), types,
// waits for the ghost text, accepts it with Tab, saves; then puts the cursor in a function,
// opens the code action menu (Ctrl+.), applies "radix-ls: Add docstring" and saves.
//
//   node drive.mjs CONFIG.json
//
// CONFIG: { url, chromium, file, artifacts, result, type, actionLine,
//           actionTitle, readyTimeoutMs, ghostTimeoutMs, actionTimeoutMs }
// Writes RESULT (JSON): what was seen at each step, and `error` (with a screenshot
// "failure.png") when a step failed. Python (tests/editors/test_vscode.py) checks it.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium } from 'playwright-core';

const config = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const result = { steps: [] };
const started = Date.now();

function log(message) {
  const line = `[drive ${((Date.now() - started) / 1000).toFixed(1)}s] ${message}`;
  result.steps.push(line);
  console.log(line);
}

function write() {
  fs.writeFileSync(config.result, JSON.stringify(result, null, 2));
}

async function shot(page, name) {
  const file = path.join(config.artifacts, `${name}.png`);
  await page.screenshot({ path: file });
  log(`screenshot ${file}`);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Poll `probe` every 200 ms until it returns something truthy; throw after `ms`. */
async function until(what, probe, ms) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    }
    await sleep(200);
  }
}

/** The radix-ls status bar item's accessible label ("radix-ls: ..."), or null. */
async function statusText(page) {
  const item = page.locator('.statusbar-item[aria-label^="radix-ls: "]').first();
  return (await item.count()) ? await item.getAttribute('aria-label') : null;
}

/** The ghost text on screen: its inline part and any whole lines below, nbsp as spaces. */
async function ghostText(page) {
  return page.evaluate(() => {
    const clean = (text) => (text ?? '').replace(/\u00a0/g, ' ');
    const inline = [...document.querySelectorAll('.monaco-editor .ghost-text-decoration')]
      .map((node) => clean(node.textContent))
      .join('');
    const lines = [...document.querySelectorAll('.monaco-editor .ghost-text .view-line')].map(
      (node) => clean(node.textContent),
    );
    return { inline, lines, visible: document.querySelector('.ghost-text-decoration') !== null };
  });
}

/** Save the editor (Ctrl+S) until the file on disk satisfies `check`. */
async function saveUntil(page, what, check, ms) {
  return until(
    what,
    async () => {
      await page.keyboard.press('Control+S');
      await sleep(300);
      const text = fs.readFileSync(config.file, 'utf8');
      return check(text) ? text : null;
    },
    ms,
  );
}

const browser = await chromium.launch({
  executablePath: config.chromium,
  headless: true,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
});
let page;
try {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  page = await context.newPage();
  page.on('pageerror', (error) => log(`page error: ${error.message}`));

  log(`opening ${config.url}`);
  await page.goto(config.url, { waitUntil: 'domcontentloaded' });
  await page.locator('.monaco-workbench').waitFor({ timeout: 60000 });
  await page.locator('.explorer-folders-view, .explorer-viewlet').first().waitFor({ timeout: 60000 });
  log('workbench loaded');
  await shot(page, '01-workbench');

  // Open the file with Quick Open, as a person would.
  const name = path.basename(config.file);
  await page.locator('.monaco-workbench').click({ position: { x: 700, y: 450 } });
  await page.keyboard.press('Control+P');
  const quickInput = page.locator('.quick-input-widget input');
  await quickInput.waitFor({ timeout: 20000 });
  await page.keyboard.type(name, { delay: 20 });
  await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor({ timeout: 20000 });
  await page.keyboard.press('Enter');
  await page.locator(`.tab.active[aria-label^="${name}"]`).waitFor({ timeout: 20000 });
  const editor = page.locator('.editor-instance .monaco-editor').first();
  await editor.waitFor({ timeout: 20000 });
  log(`opened ${name}`);

  // radix-ls is ready when the status bar names the engine and model and nothing loads.
  result.status = await until(
    'the radix-ls status bar item to say the engine is ready',
    async () => {
      const text = await statusText(page);
      if (text && /radix-ls: error/.test(text)) {
        throw new Error(`the status bar shows an error: ${text}`);
      }
      return text && /llamacpp/.test(text) && !/starting|loading|indexing/.test(text) ? text : null;
    },
    config.readyTimeoutMs,
  );
  log(`status bar: ${result.status}`);
  await shot(page, '02-ready');

  // Type at the end of the file; the ghost text follows.
  await editor.locator('.view-lines').click();
  await page.keyboard.press('Control+End');
  const before = fs.readFileSync(config.file, 'utf8');
  for (const part of config.type) {
    if (part === '\n') {
      await page.keyboard.press('Enter');
    } else {
      await page.keyboard.type(part, { delay: 40 });
    }
  }
  log(`typed ${JSON.stringify(config.type.join(''))}`);
  await page.locator('.ghost-text-decoration').first().waitFor({ timeout: config.ghostTimeoutMs });
  await sleep(300); // let the rest of a multi-line suggestion render
  result.ghost = await ghostText(page);
  log(`ghost text: ${JSON.stringify(result.ghost)}`);
  await shot(page, '03-ghost-text');

  // Tab accepts; the server may at once suggest more after it, which stays unaccepted.
  await page.keyboard.press('Tab');
  result.accepted = await saveUntil(
    page,
    'the accepted completion to be saved',
    (text) => text !== before && text.includes(result.ghost.inline.trimEnd()),
    20000,
  );
  log('accepted with Tab and saved');
  await shot(page, '04-accepted');

  // A code action on a function without a docstring: the cursor at the end of a line of
  // its body.
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+Home');
  for (let line = 1; line < config.actionLine; line++) {
    await page.keyboard.press('ArrowDown');
  }
  await page.keyboard.press('End');
  await sleep(300); // the status bar follows the cursor
  result.actionCursor = await page
    .locator('.statusbar-item[id="status.editor.selection"]')
    .first()
    .getAttribute('aria-label');
  log(`cursor for the code action: ${result.actionCursor}`);
  const beforeAction = fs.readFileSync(config.file, 'utf8');
  await page.keyboard.press('Control+.');
  const menu = page.locator('.action-widget');
  await menu.waitFor({ timeout: config.actionTimeoutMs });
  // The menu first says "Loading..." while the server answers.
  const titles = await until(
    'the code action menu to list actions',
    async () => {
      const rows = await menu.locator('.monaco-list-row.action').allTextContents();
      return rows.length && !rows.some((row) => /loading/i.test(row)) ? rows : null;
    },
    config.actionTimeoutMs,
  );
  result.actionTitles = titles.map((title) => title.trim());
  log(`code actions: ${JSON.stringify(result.actionTitles)}`);
  await shot(page, '05-code-actions');
  if (!result.actionTitles.some((title) => title.startsWith(config.actionTitle))) {
    throw new Error(`no "${config.actionTitle}" in the code action menu: ${JSON.stringify(result.actionTitles)}`);
  }
  // Pick it with the keyboard (arrows to it, then Enter), as the menu's hint says.
  const focused = menu.locator('.monaco-list-row.action.focused');
  for (let step = 0; ; step++) {
    const label = (await focused.count()) ? await focused.first().getAttribute('aria-label') : null;
    if (label?.startsWith(config.actionTitle)) {
      break;
    }
    if (step > result.actionTitles.length + 2) {
      throw new Error(`could not move to "${config.actionTitle}" in the menu (at ${label})`);
    }
    await page.keyboard.press('ArrowDown');
    await sleep(100);
  }
  await page.keyboard.press('Enter');
  log(`applied "${config.actionTitle}"`);
  result.afterAction = await saveUntil(
    page,
    'the code action to change the file',
    (text) => text !== beforeAction,
    config.actionTimeoutMs,
  );
  await shot(page, '06-code-action-applied');
} catch (error) {
  result.error = error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : String(error);
  log(`failed: ${result.error}`);
  if (page) {
    result.statusAtFailure = await statusText(page).catch(() => null);
    await shot(page, 'failure').catch(() => undefined);
  }
} finally {
  write();
  await browser.close();
}
