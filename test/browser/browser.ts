// Browser tests' support: Debian's Chromium through playwright-core (never a downloaded
// browser), the web client built once, and the real server serving it on an HTTP port.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { type ServerHandle, type ServerOptions, startServer } from '../protocol/harness.ts';

/** Where Debian puts Chromium. */
export const CHROMIUM = '/usr/bin/chromium';

/** The flags that keep Chromium quiet, offline and sandbox-free in a container. */
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The built web client the test servers serve. */
export const WEB_DIST = `${ROOT}web/dist`;

/** True when the browser suite can run; without Chromium it fails under CI, else skips. */
export function haveChromium(): boolean {
  if (fs.existsSync(CHROMIUM)) return true;
  if (process.env.CI)
    throw new Error(`${CHROMIUM} is missing: .ci/run installs it (apt-get install chromium)`);
  return false;
}

let skipNoted = false;
/** Prints the one line saying the browser tests are skipped (once per worker). */
export function noteSkipped(): void {
  if (skipNoted) return;
  skipNoted = true;
  console.log(`browser tests skipped: no ${CHROMIUM} (apt-get install chromium)`);
}

/** Builds web/dist unless it is there already (npm ci's prepare normally did). */
export function ensureWebBuilt(): void {
  if (fs.existsSync(`${WEB_DIST}/index.html`)) return;
  execFileSync(
    process.execPath,
    [`${ROOT}node_modules/vite/bin/vite.js`, 'build', 'web', '--logLevel', 'warn'],
    {
      cwd: ROOT,
      stdio: 'inherit',
      timeout: 120_000,
    },
  );
}

/** Starts Chromium. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: FLAGS,
    headless: true,
    timeout: 30_000,
  });
}

/** Starts the real server with the web client on an HTTP port (0, or `httpPort` to reuse one). */
export async function startWebServer(
  opts: ServerOptions & { httpPort?: number } = {},
): Promise<ServerHandle & { url: string }> {
  const config = { ...(opts.config ?? {}), http: { web_dir: WEB_DIST } };
  const args = [...(opts.args ?? [])];
  if (opts.httpPort !== undefined) args.push('--http-port', String(opts.httpPort));
  const server = await startServer({ ...opts, config, args });
  if (server.httpPort === undefined) throw new Error('the server printed no HTTP port');
  return { ...server, url: `http://127.0.0.1:${server.httpPort}/` };
}

/** Opens the page in a new context (its own storage: a different person). */
export async function openPage(
  browser: Browser,
  url: string,
  viewport = { width: 1100, height: 750 },
): Promise<Page> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  await page.goto(url);
  return page;
}

/** Registers `user` through the form (no emailed code: the test config turns it off). */
export async function register(page: Page, user: string, password: string): Promise<void> {
  await page.getByRole('button', { name: 'Register', exact: true }).click();
  await page.getByLabel('Username').fill(user);
  await page.getByLabel('Email').fill(`${user}@example.test`);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('button', { name: 'Log out' }).waitFor();
}

/** Logs in through the form. */
export async function login(page: Page, user: string, password: string): Promise<void> {
  await page.getByLabel('Username').fill(user);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in', exact: true }).last().click();
  await page.getByRole('button', { name: 'Log out' }).waitFor();
}

/** Opens the direct conversation with `other` from People. */
export async function startChat(page: Page, other: string): Promise<void> {
  await page.getByRole('button', { name: 'People', exact: true }).click();
  await page.getByRole('button', { name: `Message ${other}` }).click();
  await page.getByLabel('Message', { exact: true }).waitFor();
}

/** Types and sends a message in the open conversation. */
export async function send(page: Page, text: string): Promise<void> {
  await page.getByLabel('Message', { exact: true }).fill(text);
  await page.getByRole('button', { name: 'Send' }).click();
}
