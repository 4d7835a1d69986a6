/**
 * Helpers for the console's browser tests: building the console when its bundle is missing or
 * older than its sources, and launching Debian's Chromium through playwright-core.
 */
import { execFile } from 'node:child_process';
import { access, mkdir, readdir, rm, stat } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type Browser } from 'playwright-core';
import { DEFAULT_CONSOLE_DIR } from '../../src/http/console.js';

const CONSOLE_SOURCE = fileURLToPath(new URL('../../console/', import.meta.url));
export const CHROMIUM = '/usr/bin/chromium';

/** Flags that keep Chromium off the network: without them it dials Google's hosts at start. */
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const BUILD_LOCK = join(DEFAULT_CONSOLE_DIR, '..', 'console-build.lock');
const BUILD_TIMEOUT_MS = 120_000;

/**
 * Runs relay/console/build.mjs unless relay/dist/console/index.html is newer than every source.
 * Test files run in parallel processes, so a lock directory lets one of them build while the
 * others wait for the result.
 */
export async function ensureConsoleBuilt(): Promise<void> {
  const started = Date.now();
  while (!(await consoleIsFresh())) {
    try {
      await mkdir(BUILD_LOCK);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (Date.now() - started > BUILD_TIMEOUT_MS) {
        throw new Error(`console build lock ${BUILD_LOCK} held for over 2 minutes: remove it if no build runs`);
      }
      await delay(200);
      continue;
    }
    try {
      if (!(await consoleIsFresh())) {
        await promisify(execFile)(process.execPath, [join(CONSOLE_SOURCE, 'build.mjs')], { timeout: BUILD_TIMEOUT_MS });
      }
    } finally {
      await rm(BUILD_LOCK, { recursive: true, force: true });
    }
  }
}

async function consoleIsFresh(): Promise<boolean> {
  const built = await stat(join(DEFAULT_CONSOLE_DIR, 'index.html')).catch(() => undefined);
  return built !== undefined && built.mtimeMs >= (await newestSource(CONSOLE_SOURCE));
}

async function newestSource(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const time = entry.isDirectory() ? await newestSource(path) : (await stat(path)).mtimeMs;
    newest = Math.max(newest, time);
  }
  return newest;
}

/**
 * Launches headless Chromium, with `extraArgs` after the usual flags. playwright-core gives every launch a fresh temporary profile (it
 * rejects a `--user-data-dir` flag on `launch`), so no state leaks between tests.
 *
 * @throws Error saying how to install Chromium when /usr/bin/chromium is missing.
 */
export async function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  try {
    await access(CHROMIUM);
  } catch {
    throw new Error(`Chromium is missing at ${CHROMIUM}: install it with \`apt-get install chromium\``);
  }
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_FLAGS, ...extraArgs] });
}

/** Creates the folder for screenshots, under the system temp dir, for a person to look at. */
export async function screenshotDir(): Promise<string> {
  const dir = join(tmpdir(), 'certpilot-console-screenshots');
  await mkdir(dir, { recursive: true });
  return dir;
}
