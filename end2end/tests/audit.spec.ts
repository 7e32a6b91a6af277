// Settings > Audit log: the trail of the admin's own changes, filtered with a plain GET form
// (the same with JavaScript on and off), and its exports.
import { test, expect, arrive, signIn, visit, settings } from './helpers';

test('the audit log lists, filters and exports the trail', async ({ page, request }) => {
  await signIn(page);
  await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Audit log', exact: true }).click();
  await arrive(page, /\/settings\/audit-log$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Audit log' })).toBeVisible();
  const events = page.getByRole('table');
  await expect(events.getByRole('row').filter({ hasText: 'user.sign_in' }).first()).toBeVisible();

  // The action field suggests every action and every family of actions.
  const action = page.getByLabel('Action', { exact: true });
  await expect(action).toHaveAttribute('list', 'audit-actions');
  await expect(page.locator('#audit-actions option[value="region.create"]')).toHaveCount(1);
  await expect(page.locator('#audit-actions option[value="region"]')).toHaveText('every region action');
  await page.getByLabel('Action', { exact: true }).fill('region');
  await page.getByRole('button', { name: 'Apply filters', exact: true }).click();
  await arrive(page, /\/settings\/audit-log\?.*action=region/);
  await expect(page.getByLabel('Action', { exact: true })).toHaveValue('region');
  const actions = await events.locator('tbody tr td:nth-child(3)').allTextContents();
  expect(actions.length).toBeGreaterThan(0);
  for (const action of actions) expect(action).toMatch(/^region\./);

  // The browser's date-time field takes only dates; a hand-made address is told what is wrong.
  await expect(page.getByLabel('From (UTC)', { exact: true })).toHaveAttribute('type', 'datetime-local');
  await visit(page, settings('audit-log?from=yesterday-ish'));
  await expect(page.getByLabel('From (UTC)', { exact: true })).toHaveAccessibleDescription(/Use a date like 2026-11-23/);
  await expect(page.locator('#filter-unread')).toBeVisible();

  await visit(page, settings('audit-log?action=region'));
  const csvHref = await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href');
  expect(csvHref).toContain('format=csv');
  expect(csvHref).toContain('action=region');
  // Downloads carry the session cookie like any link.
  const cookies = await page.context().cookies();
  const csv = await request.get(csvHref!, {
    headers: { cookie: cookies.map((c) => `${c.name}=${c.value}`).join('; ') },
  });
  expect(csv.status()).toBe(200);
  expect(csv.headers()['content-type']).toContain('text/csv');
  expect((await csv.text()).split('\n')[0]).toBe('time,actor,action,object_type,object_name,object_id,source_ip');
});
