// Settings > Audit log: the trail of the admin's own changes, filtered with a plain GET form
// (the same with JavaScript on and off), and its exports.
import { test, expect, arrive, signIn, visit, settings, notice, jsEnabled } from './helpers';

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

// Settings > Audit storage: plain forms (not islands, see docs/decisions.md), posted natively
// with JavaScript on as off, so driven here in the no-JS project; a wrong value is told beside
// its field and changes nothing, and a secret typed in is never sent back.
test('audit storage sets how long events are kept and refuses a bucket on our own network', async ({ page }, info) => {
  test.skip(jsEnabled(info), 'a plain form: driven in the no-JS project');
  await signIn(page);
  await visit(page, settings('audit-storage'));
  await expect(page.getByRole('heading', { level: 1, name: 'Audit storage' })).toBeVisible();

  const days = () => page.getByLabel('Keep events for (days)', { exact: true });
  await days().fill('3');
  await page.getByRole('button', { name: 'Save retention', exact: true }).click();
  await expect(days()).toHaveAccessibleDescription(/30/);
  await expect(days()).toHaveValue('3');
  await days().fill('400');
  await page.getByRole('button', { name: 'Save retention', exact: true }).click();
  await expect(notice(page)).toContainText('Audit events are now kept 400 days.');
  await expect(days()).toHaveValue('400');

  await page.getByLabel('Endpoint', { exact: true }).fill('https://127.0.0.1:9000');
  await page.getByLabel('Region', { exact: true }).fill('us-east-1');
  await page.getByLabel('Bucket', { exact: true }).fill('trail');
  await page.getByLabel('Access key ID', { exact: true }).fill('AKIAEXAMPLE');
  await page.getByLabel('Secret access key', { exact: true }).fill('never-sent-back-0000');
  await page.getByRole('button', { name: 'Save bucket', exact: true }).click();
  await expect(page.getByLabel('Endpoint', { exact: true })).toHaveAccessibleDescription(/own machine or private network/);
  await expect(page.getByLabel('Bucket', { exact: true })).toHaveValue('trail');
  await expect(page.getByLabel('Secret access key', { exact: true })).toHaveValue('');
  expect(await page.content()).not.toContain('never-sent-back-0000');
  await expect(page.getByRole('button', { name: 'Stop writing to this bucket' })).toHaveCount(0);

  // Back to the default, forever.
  await days().fill('');
  await page.getByRole('button', { name: 'Save retention', exact: true }).click();
  await expect(notice(page)).toContainText('Audit events are now kept forever.');
});
