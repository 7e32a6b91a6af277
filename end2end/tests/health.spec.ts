// A data plane's health on the Regions pages: "Never connected" until its agent (the real
// meridian-dataplane binary) reports in, then "Healthy" - live while hydrated, on reload
// without JavaScript.
import type { ChildProcess } from 'node:child_process';
import { test, expect, UUID, arrive, jsEnabled, signIn, unique, visit, startAgent } from './helpers';

test('a data plane turns healthy once its agent starts', async ({ page, baseURL }, info) => {
  const name = unique(info, 'dp');
  let agent: ChildProcess | undefined;
  try {
    await signIn(page);
    await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Regions', exact: true }).click();
    await arrive(page, /\/settings\/regions$/);
    await page.getByRole('heading', { name: 'auto', exact: true }).getByRole('link').click();
    await arrive(page, new RegExp(`/settings/regions/${UUID}$`));
    const regionPath = new URL(page.url()).pathname;

    await page.getByLabel('Data plane name', { exact: true }).fill(name);
    await page.getByRole('button', { name: 'Create data plane', exact: true }).click();
    await arrive(page, /\/credentials$/);
    const clientId = (await page.locator('#client-id').textContent()) ?? '';
    const clientSecret = (await page.locator('#client-secret').textContent()) ?? '';

    await visit(page, regionPath);
    const row = page.getByRole('row').filter({ has: page.getByRole('link', { name, exact: true }) });
    await expect(row.getByText('Never connected')).toBeVisible();

    agent = startAgent(baseURL, clientId, clientSecret);

    if (jsEnabled()) {
      // The page refreshes itself: no reload.
      await expect(row.getByText('Healthy', { exact: true })).toBeVisible({ timeout: 20_000 });
    } else {
      await expect(async () => {
        await page.reload();
        await expect(row.getByText('Healthy', { exact: true })).toBeVisible({ timeout: 1_000 });
      }).toPass({ timeout: 20_000 });
    }
    await expect(row).toContainText(/last heartbeat (just now|\d+ s ago)/);
    await expect(page.getByText(/\d+ of \d+ healthy/)).toBeVisible();
    await expect(row.getByRole('img', { name: /heartbeats in the last 5 minutes/ })).toBeVisible();
  } finally {
    agent?.kill('SIGTERM');
  }
});

test('a secret is rotated, shown once, and the old one revoked', async ({ page }, info) => {
  const name = unique(info, 'rotating');
  await signIn(page);
  await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Regions', exact: true }).click();
  await arrive(page, /\/settings\/regions$/);
  await page.getByRole('heading', { name: 'auto', exact: true }).getByRole('link').click();
  await arrive(page, new RegExp(`/settings/regions/${UUID}$`));
  await page.getByLabel('Data plane name', { exact: true }).fill(name);
  await page.getByRole('button', { name: 'Create data plane', exact: true }).click();
  await arrive(page, /\/credentials$/);
  const clientId = (await page.locator('#client-id').textContent()) ?? '';
  const planePath = new URL(page.url()).pathname.replace(/\/credentials$/, '');

  await visit(page, planePath);
  await expect(page.getByRole('heading', { level: 1, name: `Data plane ${name}` })).toBeVisible();
  const secrets = page.getByRole('table').filter({ hasText: 'Client ID' });
  await expect(secrets.getByRole('row')).toHaveCount(2); // header + one secret

  await page.getByRole('button', { name: 'Rotate secret', exact: true }).click();
  await arrive(page, /\/credentials$/);
  await expect(page.getByRole('heading', { level: 1, name: `New secret for data plane ${name}` })).toBeVisible();
  await expect(page.locator('#client-id')).toHaveText(clientId);

  await visit(page, planePath);
  await expect(secrets.getByRole('row')).toHaveCount(3);
  await secrets.getByRole('link', { name: 'Revoke' }).first().click();
  await arrive(page, /\/revoke$/);
  await expect(page.getByRole('heading', { level: 1, name: `Revoke a secret of ${name}?` })).toBeVisible();
  await page.getByRole('button', { name: 'Revoke secret', exact: true }).click();
  await arrive(page, new RegExp(`${planePath}$`));
  await expect(page.getByRole('status')).toContainText('Secret revoked.');
  await expect(secrets.getByRole('row')).toHaveCount(2);
});
