// Residency governance: what the control plane keeps about an organization, and what stays in
// its regions (Settings > Data residency); where regions are, the residency policy and
// refused moves, locked workspaces. JavaScript on and off.
import type { Page, TestInfo } from '@playwright/test';
import {
  test, expect, signIn, visit, arrive, ready, settings, unique, chooseRegion, notice, UUID,
} from './helpers';

test('the data residency page lists what stays in the regions and every stored column', async ({ page }) => {
  await signIn(page);
  await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Data residency', exact: true }).click();
  await expect(page).toHaveURL(/\/settings\/data-residency$/);
  const regional = page.locator('section', { has: page.getByRole('heading', { name: 'Stays in your regions' }) });
  for (const what of ['Code', 'Configuration', 'Secrets', 'Workload output', 'Logs']) {
    await expect(regional.getByText(what, { exact: true })).toBeVisible();
  }
  // A table opens onto its columns (a disclosure: no script needed).
  const audit = page.locator('#table-audit_events');
  await expect(audit).toContainText('Personal data');
  await expect(audit.getByRole('cell', { name: 'source_ip' })).toBeHidden();
  await audit.locator('summary').click();
  await expect(audit.getByRole('row').filter({ hasText: 'source_ip' })).toContainText('Yes');
  await expect(audit.getByRole('row').filter({ hasText: 'action' }).first()).toContainText('No');
  // The same as JSON, for scripts: the address is on the page.
  await expect(page.getByText(/GET \/api\/public\/v1\/organizations\/.+\/data-inventory/)).toBeVisible();
});

// A policy is organization-wide: each test makes its own organization, so that other specs
// sharing the server never meet its rules.
async function newOrganization(page: Page, info: TestInfo): Promise<string> {
  await signIn(page);
  await visit(page, '/organizations/new');
  await page.getByLabel('Organization name', { exact: true }).fill(unique(info, 'Policy Org'));
  await page.getByRole('button', { name: 'Create organization', exact: true }).click();
  await arrive(page, /\/settings\/general$/);
  return new URL(page.url()).pathname.split('/')[2];
}

async function createRegion(page: Page, org: string, name: string, location: string): Promise<void> {
  await visit(page, settings('regions', org));
  await page.getByLabel('Region name', { exact: true }).fill(name);
  await page.getByText('Location and jurisdiction (optional)').click();
  await page.getByLabel('Location', { exact: true }).fill(location);
  await page.getByRole('button', { name: 'Create region', exact: true }).click();
  await arrive(page, new RegExp(`/settings/regions/${UUID}$`));
}

async function createWorkspace(page: Page, org: string, name: string, region: string, classifications: string): Promise<void> {
  await visit(page, settings('workspaces', org));
  await page.getByLabel('Workspace name', { exact: true }).fill(name);
  await chooseRegion(page, region);
  await page.getByLabel('Classifications', { exact: true }).fill(classifications);
  await page.getByRole('button', { name: 'Create workspace', exact: true }).click();
}

test('a residency policy lists who breaks it, refuses what it forbids, and locked workspaces stay put', async ({ page }, info) => {
  const org = await newOrganization(page, info);
  await createRegion(page, org, 'EU Frankfurt', 'de-he');
  // The jurisdiction comes from the location: Germany is in the EU.
  await expect(page.locator('header').getByText('DE-HE · EU')).toBeVisible();
  await createRegion(page, org, 'US Virginia', 'US-VA');
  await visit(page, settings('regions?jurisdiction=EU', org));
  await expect(page.getByRole('region', { name: 'Region EU Frankfurt' })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Region US Virginia' })).toHaveCount(0);

  await createWorkspace(page, org, 'Patients', 'EU Frankfurt', 'phi');
  await arrive(page, /\/settings\/workspaces$/);
  await expect(page.locator('#workspaces').getByRole('row').filter({ hasText: 'Patients' })).toContainText('phi');

  // A rule that cannot be read is said beside the rules, and what was typed stays.
  await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Residency policy', exact: true }).click();
  await arrive(page, /\/settings\/residency-policy$/);
  await expect(page.locator('#policy-summary')).toContainText('No restriction');
  await page.getByLabel('Rules by classification', { exact: true }).fill('phi US');
  await page.getByRole('button', { name: 'Save policy', exact: true }).click();
  await expect(page.locator('#policy-rules-error')).toContainText('Line 1:');
  await expect(page.getByLabel('Rules by classification', { exact: true })).toHaveValue('phi US');

  // Saved, it moves nothing and lists the workspace now outside it.
  await page.getByLabel('Rules by classification', { exact: true }).fill('phi: us');
  await page.getByRole('button', { name: 'Save policy', exact: true }).click();
  await expect(notice(page)).toContainText('1 workspace is where the policy no longer allows it');
  await ready(page);
  await expect(page.locator('#policy-summary')).toContainText('phi only in US');
  const violation = page.locator('#policy-violations').getByRole('row').filter({ hasText: 'Patients' });
  await expect(violation).toContainText('EU Frankfurt');
  await expect(violation).toContainText('phi only in US');

  // Creating what the policy forbids is refused beside the region, naming the rule.
  await createWorkspace(page, org, 'Clinic', 'EU Frankfurt', 'phi');
  await expect(page.locator('#new-workspace-region-error')).toContainText('phi only in US');
  await createWorkspace(page, org, 'Clinic', 'US Virginia', 'phi');
  await arrive(page, /\/settings\/workspaces$/);
  await expect(notice(page)).toContainText('Workspace Clinic created in region US Virginia.');

  // The move is checked before it is asked for: the target says why, the button is off.
  await page.locator('#workspaces').getByRole('row').filter({ hasText: 'Clinic' }).getByRole('link', { name: 'Move' }).click();
  await arrive(page, new RegExp(`/settings/workspaces/${UUID}/move$`));
  await expect(page.getByLabel('Move to region', { exact: true }).locator('option')).toContainText([
    'EU Frankfurt: not allowed by the residency policy (phi only in US)',
  ]);
  await chooseRegion(page, 'EU Frankfurt', 'Move to region');
  await page.getByRole('button', { name: 'Review move…', exact: true }).click();
  await arrive(page, /\/move\?to=/);
  await expect(page.locator('#move-refused')).toContainText('The residency policy does not allow this move: phi only in US.');
  await expect(page.getByRole('button', { name: 'Move', exact: true })).toBeDisabled();

  // Locked to its region, it offers no move until an admin unlocks it.
  await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'Clinic' }).click();
  await arrive(page, new RegExp(`/settings/workspaces/${UUID}$`));
  await page.getByRole('button', { name: 'Lock to this region', exact: true }).click();
  await expect(notice(page)).toContainText('Workspace Clinic is locked to region US Virginia');
  await ready(page);
  await expect(page.locator('#workspace-locked')).toContainText('Unlock it to move it.');
  await expect(page.getByLabel('Move to region', { exact: true })).toHaveCount(0);
  await visit(page, new URL(page.url()).pathname + '/move');
  await expect(page.locator('#move-refused')).toContainText('Workspace Clinic is locked to region US Virginia.');
  await expect(page.getByRole('button', { name: 'Move', exact: true })).toBeDisabled();
  await page.getByRole('button', { name: 'Unlock', exact: true }).click();
  await expect(notice(page)).toContainText('Workspace Clinic is unlocked');
});

test('a webhook endpoint shows its secret once, sends a test event, and lists the delivery', async ({ page }, info) => {
  const org = await newOrganization(page, info);
  await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Webhooks', exact: true }).click();
  await arrive(page, /\/settings\/webhooks$/);
  await expect(page.getByText('No endpoints yet')).toBeVisible();

  // Into the server's own network: refused beside the field.
  await page.getByLabel('Endpoint URL', { exact: true }).fill('https://169.254.169.254/latest');
  await page.getByRole('button', { name: 'Add endpoint', exact: true }).click();
  await expect(page.locator('#webhook-url-error')).toContainText("this server's own machine or private network");

  const url = `https://hooks.example.com/${unique(info, 'meridian').replace(/\W+/g, '-')}`;
  await page.getByLabel('Endpoint URL', { exact: true }).fill(url);
  await page.getByLabel('A region has a healthy data plane again', { exact: true }).uncheck();
  await page.getByRole('button', { name: 'Add endpoint', exact: true }).click();
  await expect(notice(page)).toContainText(`Endpoint ${url} registered.`);
  await ready(page);
  const secret = await page.locator('#webhook-secret').textContent();
  expect(secret).toMatch(/^whsec_/);
  const row = page.locator('#webhooks').getByRole('row').filter({ hasText: url });
  await expect(row).toContainText('region.unhealthy');
  await expect(row).not.toContainText('region.recovered');
  await expect(row).toContainText(`…${secret!.slice(-4)}`);

  // Once: a reload no longer shows it.
  await visit(page, settings('webhooks', org));
  await expect(page.locator('#webhook-secret')).toHaveCount(0);

  await row.getByRole('button', { name: 'Send test event', exact: true }).click();
  await expect(notice(page)).toContainText('Test event queued');
  await ready(page);
  await expect(page.locator('#deliveries').getByRole('row').filter({ hasText: 'test' })).toContainText(url);

  await page.locator('#webhooks').getByRole('row').filter({ hasText: url }).getByRole('button', { name: 'Remove', exact: true }).click();
  await expect(notice(page)).toContainText(`Endpoint ${url} removed.`);
});
