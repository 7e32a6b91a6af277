// Shared steps for Meridian's browser tests.
//
// Every spec runs in two projects: `hydrated` (JavaScript on; the page is interactive once
// WebAssembly has hydrated it, which the app marks with <body data-hydrated="true">) and
// `no-js` (plain HTML forms, full page loads). Helpers here hide the difference: a test
// describes what a person does and sees, and works in both.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { test as base, expect, type Browser, type Page, type TestInfo } from '@playwright/test';
import { ADMIN_EMAIL, ADMIN_PASSWORD, DEFAULT_ORG } from './admin';

export { expect };
export { ADMIN_EMAIL, ADMIN_PASSWORD, DEFAULT_ORG };

/** Settings paths of the seeded organization. */
export const settings = (page: string, org = DEFAULT_ORG) => `/orgs/${org}/settings/${page}`;

/** A UUID in a path segment. */
export const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

/** Whether the current test's project runs with JavaScript on. */
export function jsEnabled(info: TestInfo = base.info()): boolean {
  return info.project.use.javaScriptEnabled !== false;
}

/**
 * Waits until the page can be used the way its project means: with JavaScript on, until
 * WebAssembly has hydrated it (before that, clicks would fall through to plain form posts
 * and full page loads); with JavaScript off there is nothing to wait for.
 *
 * Call it after every page load (goto, reload, back/forward, a link, a form's redirect):
 * only the forms are hydrated (islands), so every navigation loads a whole page.
 */
export async function ready(page: Page): Promise<void> {
  if (!jsEnabled()) return;
  await page.locator('body[data-hydrated="true"]').waitFor({ state: 'attached', timeout: 30_000 });
}

/** Opens a path and waits until the page is ready. */
export async function visit(page: Page, path: string): Promise<void> {
  await page.goto(path);
  await ready(page);
}

/** Waits for a navigation to `url`, then until the page is ready. */
export async function arrive(page: Page, url: string | RegExp): Promise<void> {
  await page.waitForURL(url);
  await ready(page);
}

/** Fills in and submits the sign-in form on the page that is showing it. */
export async function submitSignIn(page: Page, email = ADMIN_EMAIL, password = ADMIN_PASSWORD): Promise<void> {
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/** Signs in as the instance admin and waits for the organization's General page. */
export async function signIn(page: Page): Promise<void> {
  await visit(page, '/login');
  await submitSignIn(page);
  await arrive(page, /\/settings\/general$/);
  await expect(page.getByRole('heading', { level: 1, name: 'General' })).toBeVisible();
}

/** Follows a link of the settings sidebar. */
export async function openSettings(
  page: Page,
  name: 'General' | 'Workspaces' | 'Regions' | 'Applications',
): Promise<void> {
  await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name, exact: true }).click();
  await arrive(page, new RegExp(`/settings/${name.toLowerCase()}$`));
  await expect(page.getByRole('heading', { level: 1, name, exact: true })).toBeVisible();
}

/**
 * A name no other test or project uses in the shared database: `base`, the project, and a
 * random tag. Names allow letters, digits, spaces, '-', '_' and '.', at most 64 characters.
 */
export function unique(info: TestInfo, base: string): string {
  const project = info.project.name.replace(/[^A-Za-z0-9]/g, '');
  const tag = Math.random().toString(36).slice(2, 7);
  const clean = base.replace(/[^\p{L}\p{N} ._-]/gu, '-');
  return `${clean} ${project} ${tag}`.slice(0, 64).trim();
}

/** Escapes text for use inside a RegExp. */
export const escapeRe = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The one-shot notice a successful change leaves on the next page. */
export const notice = (page: Page) => page.getByRole('status');

/**
 * `test` with two automatic watches:
 * - the browser console: an uncaught exception or a WebAssembly panic fails the test; other
 *   console errors (a refused form answers 4xx, which Chromium logs) are attached to the report;
 * - in the hydrated project, plain form posts: once hydrated, every form is sent with fetch,
 *   so a POST that loads a whole page means the test was not exercising the hydrated app.
 */
export const test = base.extend<{ pageWatch: void }>({
  pageWatch: [
    async ({ page, baseURL }, use, info) => {
      const errors: string[] = [];
      const fatal: string[] = [];
      const hydrated = jsEnabled(info);
      page.on('pageerror', (error) => fatal.push(`pageerror: ${error.message}`));
      page.on('console', (message) => {
        if (message.type() !== 'error') return;
        const text = `${message.text()} (${message.location().url})`;
        errors.push(text);
        if (/panicked at|RuntimeError|unreachable/i.test(message.text())) fatal.push(`console: ${text}`);
      });
      page.on('request', (request) => {
        // Only Meridian's own pages: another site (the test identity provider) posts its forms
        // as it likes.
        const ours = new URL(request.url()).origin === new URL(baseURL ?? request.url()).origin;
        if (hydrated && ours && request.isNavigationRequest() && request.method() === 'POST') {
          fatal.push(`plain form post while hydrated: POST ${new URL(request.url()).pathname}`);
        }
      });
      await use();
      if (errors.length > 0) {
        await info.attach('console errors', { body: errors.join('\n'), contentType: 'text/plain' });
      }
      expect(fatal, 'the page failed, or was not the hydrated app').toEqual([]);
    },
    { auto: true },
  ],
});

/**
 * Makes `email` a member of the seeded organization the way people join: the admin (signed in
 * on `page`, an operator) invites them and issues a one-time sign-up link, and the person opens
 * it in a browser of their own and chooses a password. Returns that browser's page, signed in
 * as the new member; `page` is back on Settings > Members.
 */
export async function joinThroughInvitation(
  page: Page,
  browser: Browser,
  email: string,
  password = 'a long enough password',
): Promise<Page> {
  await visit(page, settings('members'));
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Role', { exact: true }).selectOption('member');
  await page.getByRole('button', { name: 'Invite', exact: true }).click();
  await arrive(page, /\/settings\/members$/);
  await expect(notice(page)).toContainText(`${email} is invited as member.`);
  await page.getByRole('row').filter({ hasText: email }).getByRole('button', { name: 'Sign-up link', exact: true }).click();
  await arrive(page, new RegExp(`/settings/members/invitations/${UUID}/link$`));
  const link = await page.locator('#sign-up-link').innerText();
  await visit(page, settings('members'));

  const context = await browser.newContext({ javaScriptEnabled: jsEnabled(), baseURL: base.info().project.use.baseURL });
  const newcomer = await context.newPage();
  await newcomer.goto(link);
  await ready(newcomer);
  await newcomer.getByLabel('Password', { exact: true }).fill(password);
  await newcomer.getByLabel('Password, again', { exact: true }).fill(password);
  await newcomer.getByRole('button', { name: 'Create account and join', exact: true }).click();
  await arrive(newcomer, /\/settings\/general$/);
  return newcomer;
}

/**
 * Chooses `region` in the region picker labelled `label`. Options name the region first, then
 * what is wrong with it, if anything ("eu: no healthy data plane right now, …"), which changes
 * as data planes come and go.
 */
export async function chooseRegion(page: Page, region: string, label = 'Region'): Promise<void> {
  const select = page.getByLabel(label, { exact: true });
  const value = await select
    .locator('option')
    .filter({ hasText: new RegExp(`^${escapeRe(region)}(:| \\(|$)`) })
    .getAttribute('value');
  await select.selectOption(value ?? '');
}

/**
 * Starts the real data plane agent (target/debug/meridian-dataplane) with a data plane's
 * credentials, reporting to `baseURL` every second; `env` adds to its environment (a regional
 * API's `DATAPLANE_LISTEN`, its `DATAPLANE_DATA_DIR`). Stop it with `kill('SIGTERM')`.
 */
export function startAgent(
  baseURL: string | undefined,
  clientId: string,
  clientSecret: string,
  env: Record<string, string> = {},
): ChildProcess {
  return spawn(path.resolve(__dirname, '../../target/debug/meridian-dataplane'), [], {
    env: {
      ...process.env,
      MERIDIAN_URL: baseURL,
      DATAPLANE_CLIENT_ID: clientId,
      DATAPLANE_CLIENT_SECRET: clientSecret,
      DATAPLANE_HEARTBEAT_INTERVAL: '1',
      ...env,
    },
    stdio: 'ignore',
  });
}

/**
 * The Regions page searched for one region: the list comes in pages, and the shared test
 * database holds more regions than one page shows.
 */
export async function findRegion(page: Page, name: string): Promise<void> {
  await visit(page, settings(`regions?search=${encodeURIComponent(name)}`));
  await expect(page.getByRole('heading', { level: 1, name: 'Regions', exact: true })).toBeVisible();
}
