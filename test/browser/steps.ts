// The browser tests' shared steps: one suite wrapper (Chromium started once per file, the
// skip line printed at most once), the people of a test, and the waits every flow repeats.
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { cleanup, type ServerHandle } from '../protocol/harness.ts';
import {
  ensureWebBuilt,
  haveChromium,
  launchBrowser,
  noteSkipped,
  openPage,
  register,
  startChat,
} from './browser.ts';

/** Every test user's password. */
export const PW = 'correct horse battery staple';
/** One browser test's time limit (a loaded machine, argon2id per login). */
export const TIMEOUT = 90_000;

/** The started Chromium of the current file (set in beforeAll). */
export interface BrowserRef {
  browser: Browser;
}

/**
 * A describe block that runs only where Chromium is (under CI its absence fails, see
 * haveChromium): starts Chromium once for the file, closes it and the servers after.
 */
export function browserSuite(name: string, body: (ref: BrowserRef) => void): void {
  const enabled = haveChromium();
  if (!enabled) noteSkipped();
  describe.skipIf(!enabled)(name, () => {
    const ref = {} as BrowserRef;
    beforeAll(async () => {
      ensureWebBuilt();
      ref.browser = await launchBrowser();
    }, 120_000);
    afterAll(async () => {
      await ref.browser?.close();
      await cleanup();
    });
    body(ref);
  });
}

/** expect.poll with room for a loaded machine (its default gives up after 1 s). */
export const poll = <T>(fn: () => T | Promise<T>, opts = { timeout: 15_000 }) =>
  expect.poll(fn, opts);

/** The message rows' texts, in order. */
export const texts = (page: Page) => page.locator('.msg .text').allTextContents();

/** Waits for a message row with exactly this text. */
export const shown = (page: Page, text: string) =>
  page.locator('.msg .text').getByText(text, { exact: true }).waitFor();

/** Own message rows (the last one is the newest). */
export const mine = (page: Page): Locator => page.locator('.msg.mine');

/** A row's state: sending, sent, read or failed. */
export const stateOf = (row: Locator) => row.getAttribute('data-state');

/** The conversation's entry in the list. */
export const convButton = (page: Page, title: string | RegExp) =>
  page.getByRole('button', { name: title });

/** A page of its own (a new context) with `name` registered and logged in. */
export async function person(browser: Browser, url: string, name: string): Promise<Page> {
  const page = await openPage(browser, url);
  await register(page, name, PW);
  return page;
}

/** Two registered people, the first with the direct conversation to the second open. */
export async function chatting(browser: Browser, url: string, a: string, b: string) {
  const pa = await person(browser, url, a);
  const pb = await person(browser, url, b);
  await startChat(pa, b);
  return [pa, pb] as const;
}

/** Closes the pages' contexts and stops the server (if it still runs). */
export async function finish(server: ServerHandle | undefined, ...pages: Page[]): Promise<void> {
  for (const p of pages) await p.context().close();
  await server?.stop();
}

/** Waits for the login form (after a logout, a kick or a reload). */
export const loginForm = (page: Page) =>
  page.getByRole('button', { name: 'Log in', exact: true }).last().waitFor();
