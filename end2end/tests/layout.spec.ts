// Every page, as a phone and a laptop show it, in light and dark: no horizontal overflow at
// 390 px, and no serious or critical accessibility violation (axe-core, WCAG 2.1 A and AA).
//
// The pages are found the way a person finds them: from the settings pages, following the
// links each page offers (one page per kind of address, ids aside), plus the pages outside an
// organization. A screenshot of each page in each mode is kept in the test's output folder.
import AxeBuilder from '@axe-core/playwright';
import type { Page, TestInfo } from '@playwright/test';
import { test, expect, settings, signIn, ready, jsEnabled, unique, visit, arrive, notice, UUID } from './helpers';

/** Where the crawl starts, and pages no link leads to. */
const START = [
  settings('general'),
  settings('workspaces'),
  settings('regions'),
  settings('members'),
  settings('sso'),
  settings('applications'),
  settings('audit-log'),
  '/account',
  '/invitations',
  '/organizations/new',
  '/no-such-page',
];

/** The most pages one run looks at: the crawl's safety net, well above today's count. */
const MOST = 80;

const WIDTHS = [1280, 390];

/** An address with its ids replaced, so one workspace stands for all of them. */
const kind = (path: string) => path.replace(new RegExp(UUID, 'g'), ':id').replace(/\?.*$/, '');

/** Links on the page to other pages of ours worth visiting. */
async function linksOn(page: Page): Promise<string[]> {
  const hrefs = await page.locator('a[href^="/"]:not([download])').evaluateAll((links) =>
    links.map((a) => (a as HTMLAnchorElement).getAttribute('href') ?? ''),
  );
  // Not signing out (it would end the crawl), the SSO redirect dance, or files (exports).
  return hrefs.filter(
    (h) => h && !h.startsWith('/logout') && !h.startsWith('/auth/') && !h.startsWith('/api/') && !/\/export\b/.test(h),
  );
}

/**
 * Horizontal overflow of the whole page in pixels (0 when it fits), and the innermost
 * elements that stick out, to say what to fix.
 */
const overflow = (page: Page) =>
  page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const over = document.documentElement.scrollWidth - width;
    const culprits = [...document.querySelectorAll('body *')]
      .filter((e) => e.getBoundingClientRect().right > width + 1)
      .filter((e) => ![...e.children].some((c) => c.getBoundingClientRect().right > width + 1))
      .slice(0, 3)
      .map((e) => `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}${e.className ? '.' + String(e.className).split(' ').join('.') : ''}`);
    return { over, culprits };
  });

async function serious(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    // The log of a run is the region's data plane's page, framed: not ours to check here.
    .exclude('iframe.regional-console')
    .analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
}

async function look(page: Page, info: TestInfo, path: string, problems: string[]): Promise<void> {
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      await page.goto(path);
      await ready(page);
      const where = `${path} at ${width} px, ${scheme}`;
      const { over, culprits } = await overflow(page);
      if (over > 0) problems.push(`${where}: ${over} px wider than the screen (${culprits.join(', ')})`);
      for (const v of await serious(page)) problems.push(`${where}: ${v}`);
      // Kept in the test's output folder, to be looked at.
      const name = `${kind(path)}-${width}-${scheme}`.replace(/[^A-Za-z0-9-]+/g, '_');
      await page.screenshot({ path: info.outputPath(`${name}.png`), fullPage: true });
    }
  }
}

/**
 * Something of each kind, so that every kind of page has an example to look at whatever ran
 * before: a job with a run, an application, an invitation.
 */
async function somethingOfEach(page: Page, info: TestInfo): Promise<void> {
  await visit(page, settings('workspaces'));
  await page.getByRole('link', { name: 'Default Workspace', exact: true }).first().click();
  await arrive(page, new RegExp(`/workspaces/${UUID}$`));
  await page.getByRole('link', { name: 'Jobs and runs', exact: true }).click();
  await arrive(page, /\/jobs$/);
  await page.getByLabel('Name', { exact: true }).fill(unique(info, 'layout'));
  await page.getByLabel('Deployment', { exact: true }).fill('layout');
  await page.getByRole('button', { name: 'Create job', exact: true }).click();
  await arrive(page, new RegExp(`/jobs/${UUID}$`));
  await page.getByRole('button', { name: 'Run now', exact: true }).click();
  await arrive(page, new RegExp(`/runs/${UUID}$`));

  await visit(page, settings('applications'));
  await page.getByLabel('Application name', { exact: true }).fill(unique(info, 'layout'));
  await page.getByRole('button', { name: 'Create application', exact: true }).click();
  await arrive(page, new RegExp(`/applications/${UUID}`));

  await visit(page, settings('members'));
  await page.getByLabel('Email', { exact: true }).fill(`layout-${Date.now()}@example.com`);
  await page.getByRole('button', { name: 'Invite', exact: true }).click();
  // The form posts to the page it is on: wait for the page the answer leads to, not the URL.
  await expect(notice(page)).toContainText('is invited');
  await ready(page);
}

test('every page fits a phone and has no serious accessibility violation, light and dark', async ({ page }, info) => {
  // The layout is the same with and without JavaScript; axe needs script to look at it.
  test.skip(!jsEnabled(info), 'checked once, in the hydrated project');
  test.setTimeout(15 * 60_000);
  const problems: string[] = [];

  // Signed out: the sign-in page.
  await look(page, info, '/login', problems);

  await signIn(page);
  await somethingOfEach(page, info);
  const seen = new Set<string>();
  const queue = [...START];
  while (queue.length > 0 && seen.size < MOST) {
    const path = queue.shift()!;
    if (seen.has(kind(path))) continue;
    seen.add(kind(path));
    await look(page, info, path, problems);
    for (const link of await linksOn(page)) {
      if (!seen.has(kind(link))) queue.push(link);
    }
  }
  await info.attach('pages', { body: [...seen].join('\n'), contentType: 'text/plain' });
  expect(seen.size, 'the crawl found the settings pages and what they link to').toBeGreaterThan(15);
  expect(problems, `${problems.length} problems on ${seen.size} pages`).toEqual([]);
});
