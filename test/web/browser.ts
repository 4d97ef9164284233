import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
/** Where screenshots go: SURFHIVE_E2E_SHOTS, else a fresh temporary directory (named in the test output). */
export const shotsDir = () =>
  process.env.SURFHIVE_E2E_SHOTS || mkdtempSync(path.join(os.tmpdir(), 'surfhive-shots-'));

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Browsing {
  context: BrowserContext;
  page: Page;
  /** Requests the UI made to anything but the server under test. */
  foreign: string[];
  /** Uncaught page errors. */
  pageErrors: string[];
  /** Errors the page logged to its console (CSP violations and failed loads among them). */
  consoleErrors: string[];
  /** The directory screenshots are saved in. */
  shots: string;
  shot: (name: string, fullPage?: boolean) => Promise<string>;
  close: () => Promise<void>;
}

/** Debian's chromium, headless, with a fresh profile; nothing outside `origin` is let through. */
export async function openBrowser(origin: string): Promise<Browsing> {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'surfhive-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1366, height: 800 },
    deviceScaleFactor: 1,
  });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
  const foreign: string[] = [];
  const pageErrors: string[] = [];
  const consoleErrors: string[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(origin) || url.startsWith('data:')) return route.continue();
    foreign.push(url);
    return route.abort();
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(`${page.url()}: ${m.text()}`);
  });
  page.setDefaultTimeout(15_000);
  const shots = shotsDir();
  mkdirSync(shots, { recursive: true });
  return {
    context,
    page,
    foreign,
    pageErrors,
    consoleErrors,
    shots,
    shot: async (name: string, fullPage = true) => {
      const file = path.join(shots, `${name}.png`);
      await page.screenshot({ path: file, fullPage });
      return file;
    },
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Waits until `locator` matches exactly `n` elements (the page's CSP forbids string predicates). */
export async function waitCount(locator: Locator, n: number, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  let last = -1;
  while (Date.now() < until) {
    last = await locator.count();
    if (last === n) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`expected ${n} elements, still ${last}`);
}

/** The text a user sees in `locator` (rendered line breaks included). */
export function shown(locator: Locator): Promise<string> {
  // biome-ignore lint/performance/useDomNodeTextContent: Playwright's Locator.innerText, not the DOM property
  return locator.innerText();
}

/** Waits until the field `locator` holds `value`. */
export async function waitValue(locator: Locator, value: string, timeoutMs = 15_000): Promise<string> {
  const until = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < until) {
    last = await locator.inputValue();
    if (last === value) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  return last;
}
