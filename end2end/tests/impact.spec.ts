// Impact shown before it happens: where a workspace's work cannot run (its region disabled, or
// no healthy data plane there), an explicit region choice when creating a workspace, and the
// warnings on the confirmations that would stop work (disabling a region workspaces live in,
// disabling or deleting the last healthy data plane of a region) or lock you out (removing
// yourself). The real agent makes a data plane healthy. JavaScript on and off.
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  test,
  expect,
  UUID,
  ADMIN_EMAIL,
  arrive,
  chooseRegion,
  jsEnabled,
  openSettings,
  settings,
  signIn,
  unique,
  visit,
  startAgent,
} from './helpers';

test('what would stop work is flagged and warned about before it happens', async ({ page, baseURL }, info) => {
  test.setTimeout(120_000);
  const region = unique(info, 'impact');
  const workspace = unique(info, 'Ledger');
  const port = jsEnabled() ? 4114 : 4115;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'meridian-e2e-impact-'));
  let agent: ChildProcess | undefined;
  try {
    await signIn(page);
    await openSettings(page, 'Regions');
    await page.getByLabel('Region name', { exact: true }).fill(region);
    await page.getByRole('button', { name: 'Create region', exact: true }).click();
    await arrive(page, new RegExp(`/settings/regions/${UUID}$`));
    const regionPath = new URL(page.url()).pathname;

    // The picker makes the region a choice and says where work would wait.
    await openSettings(page, 'Workspaces');
    const picker = page.getByLabel('Region', { exact: true });
    await expect(picker).toHaveValue('');
    await expect(picker.locator('option', { hasText: region })).toHaveText(`${region}: no enabled data plane, work would wait`);
    await expect(picker.locator('option', { hasText: /^auto/ })).toContainText('the region every organization starts with');
    await page.getByLabel('Workspace name', { exact: true }).fill(workspace);
    await chooseRegion(page, region);
    await page.getByRole('button', { name: 'Create workspace', exact: true }).click();
    await arrive(page, /\/settings\/workspaces$/);
    const row = page.getByRole('row').filter({ hasText: workspace });
    await expect(row).toContainText('No healthy data plane');

    // General flags the workspace and the region alike.
    await visit(page, settings('general'));
    await expect(page.getByRole('row').filter({ hasText: workspace })).toContainText('No healthy data plane');
    await expect(page.locator('.usage li').filter({ hasText: region })).toContainText('No healthy data plane');

    // Disabling the region it lives in says what stops.
    await visit(page, `${regionPath}/disable`);
    await expect(page.getByRole('note')).toContainText('1 workspace lives in this region.');

    // A data plane whose agent reports in: the flags go, and losing it is warned about.
    await visit(page, regionPath);
    await page.getByLabel('Data plane name', { exact: true }).fill('dp-1');
    await page.getByRole('button', { name: 'Create data plane', exact: true }).click();
    await arrive(page, /\/credentials$/);
    const planePath = new URL(page.url()).pathname.replace(/\/credentials$/, '');
    const clientId = (await page.locator('#client-id').textContent()) ?? '';
    const clientSecret = (await page.locator('#client-secret').textContent()) ?? '';
    agent = startAgent(baseURL, clientId, clientSecret, { DATAPLANE_LISTEN: `127.0.0.1:${port}`, DATAPLANE_DATA_DIR: dataDir });
    await expect(async () => {
      await visit(page, regionPath);
      await expect(page.getByText('1 of 1 healthy')).toBeVisible({ timeout: 1_000 });
    }).toPass({ timeout: 30_000 });
    await visit(page, settings('workspaces'));
    await expect(page.getByRole('row').filter({ hasText: workspace })).not.toContainText('No healthy data plane');

    for (const confirmation of ['disable', 'delete']) {
      await visit(page, `${planePath}/${confirmation}`);
      await expect(page.getByRole('note')).toContainText(`dp-1 is the last healthy data plane of region ${region}.`);
      await expect(page.getByRole('note')).toContainText('1 workspace has nowhere to run');
    }

    // Removing yourself says you are locking yourself out; removing someone else does not.
    await visit(page, settings('members'));
    await page.getByRole('row').filter({ hasText: ADMIN_EMAIL }).getByRole('link', { name: 'Remove', exact: true }).click();
    await arrive(page, new RegExp(`/members/${UUID}/remove$`));
    await expect(page.getByRole('note')).toContainText('This is you.');
  } finally {
    agent?.kill('SIGTERM');
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
