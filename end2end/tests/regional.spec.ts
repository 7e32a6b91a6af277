// What stays in the region: a workspace's secrets and configuration, set from the workspace
// page through the region's data plane (the real meridian-dataplane binary with its own
// embedded store), framed with a scoped token. The browser talks to the data plane directly;
// the same works with JavaScript off.
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, expect, UUID, arrive, chooseRegion, jsEnabled, openSettings, signIn, unique, visit, startAgent } from './helpers';

test('secrets and configuration are set in the region, from the workspace page', async ({ page, baseURL }, info) => {
  test.setTimeout(120_000);
  const region = unique(info, 'eu-secrets');
  const workspace = unique(info, 'Payroll');
  // One port per project, so a data plane of the other project never answers here.
  const port = jsEnabled() ? 4110 : 4111;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'meridian-e2e-dataplane-'));
  let agent: ChildProcess | undefined;
  try {
    await signIn(page);
    // A region of its own with a workspace in it.
    await openSettings(page, 'Regions');
    await page.getByLabel('Region name', { exact: true }).fill(region);
    await page.getByRole('button', { name: 'Create region', exact: true }).click();
    await arrive(page, new RegExp(`/settings/regions/${UUID}$`));
    const regionPath = new URL(page.url()).pathname;
    await openSettings(page, 'Workspaces');
    await page.getByLabel('Workspace name', { exact: true }).fill(workspace);
    await chooseRegion(page, region);
    await page.getByRole('button', { name: 'Create workspace', exact: true }).click();
    await expect(page).toHaveURL(/\/settings\/workspaces$/);
    await page.getByRole('link', { name: workspace, exact: true }).click();
    await arrive(page, new RegExp(`/settings/workspaces/${UUID}$`));
    const workspacePath = new URL(page.url()).pathname;

    // No data plane serves the region yet: said plainly.
    const section = page.getByRole('region', { name: `Secrets and configuration (stored in region ${region})` });
    await expect(section).toContainText(`No data plane of region ${region} is reachable right now`);

    // A data plane for the region, with its regional API.
    await visit(page, regionPath);
    await page.getByLabel('Data plane name', { exact: true }).fill('dp-1');
    await page.getByRole('button', { name: 'Create data plane', exact: true }).click();
    await arrive(page, /\/credentials$/);
    const clientId = (await page.locator('#client-id').textContent()) ?? '';
    const clientSecret = (await page.locator('#client-secret').textContent()) ?? '';
    agent = startAgent(baseURL, clientId, clientSecret, { DATAPLANE_LISTEN: `127.0.0.1:${port}`, DATAPLANE_DATA_DIR: dataDir });

    const console = page.frameLocator('iframe.regional-console');
    await expect(async () => {
      await visit(page, workspacePath);
      await expect(console.getByText('No secrets yet.')).toBeVisible({ timeout: 2_000 });
    }).toPass({ timeout: 60_000 });
    await expect(section).toContainText(`http://127.0.0.1:${port}`);

    // A secret: saved in the region, its value never shown.
    const value = `pw-${Math.random().toString(36).slice(2)}`;
    await console.getByLabel('Secret name', { exact: true }).fill('DATABASE_PASSWORD');
    await console.getByLabel('Secret value', { exact: true }).fill(value);
    await console.getByRole('button', { name: 'Save secret', exact: true }).click();
    await expect(console.getByRole('status')).toHaveText('Secret DATABASE_PASSWORD saved.');
    await expect(console.getByRole('cell', { name: 'DATABASE_PASSWORD', exact: true })).toBeVisible();
    await expect(console.locator('body')).not.toContainText(value);
    // The page around it never had it either.
    await expect(page.locator('body')).not.toContainText(value);

    // A value over the limit is refused beside its field, and nothing changes.
    await console.getByLabel('Secret name', { exact: true }).fill('TOO_BIG');
    await console.getByLabel('Secret value', { exact: true }).fill('x'.repeat(70_000));
    await console.getByRole('button', { name: 'Save secret', exact: true }).click();
    await expect(console.locator('#secret-value-error')).toHaveText('A value is at most 65536 bytes.');
    await expect(console.getByLabel('Secret value', { exact: true })).toHaveAttribute('aria-invalid', 'true');
    await expect(console.getByRole('cell', { name: 'TOO_BIG', exact: true })).toHaveCount(0);

    // Configuration: readable.
    await console.getByLabel('Configuration key', { exact: true }).fill('BATCH_SIZE');
    await console.getByLabel('Configuration value', { exact: true }).fill('500');
    await console.getByRole('button', { name: 'Save configuration', exact: true }).click();
    await expect(console.getByRole('status')).toHaveText('Configuration BATCH_SIZE saved.');
    await expect(console.getByRole('row').filter({ hasText: 'BATCH_SIZE' })).toContainText('500');

    // Still there after a reload of the page (a fresh token), then deleted.
    await visit(page, workspacePath);
    await expect(console.getByRole('cell', { name: 'DATABASE_PASSWORD', exact: true })).toBeVisible();
    await console.getByRole('button', { name: 'Delete secret DATABASE_PASSWORD', exact: true }).click();
    await expect(console.getByRole('status')).toHaveText('Secret DATABASE_PASSWORD deleted.');
    await expect(console.getByText('No secrets yet.')).toBeVisible();
  } finally {
    agent?.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
