// The dashboard without dead ends, and at scale: an error shown once beside the form it
// belongs to, a refused delete that names what is in the way, an empty move list that says
// why, demoting yourself confirmed, search and paging, breadcrumbs, the audit event detail
// with date-time filters, and a data plane's own page. JavaScript on and off.
import {
  test,
  expect,
  UUID,
  arrive,
  chooseRegion,
  findRegion,
  notice,
  openSettings,
  ready,
  settings,
  signIn,
  unique,
  visit,
} from './helpers';

test('an error shows once, beside the form it belongs to', async ({ page }, info) => {
  const first = unique(info, 'once-a');
  const second = unique(info, 'once-b');
  await signIn(page);
  for (const name of [second, first]) {
    await openSettings(page, 'Regions');
    await page.getByLabel('Region name', { exact: true }).fill(name);
    await page.getByRole('button', { name: 'Create region', exact: true }).click();
    await arrive(page, new RegExp(`/settings/regions/${UUID}$`));
  }
  // On the first region's page (rename and enable share a server function), rename it to the
  // second's name.
  const settingsPanel = page.locator('section', { has: page.getByRole('heading', { name: 'Settings', exact: true }) });
  await settingsPanel.getByLabel('Region name', { exact: true }).fill(second);
  await settingsPanel.getByRole('button', { name: 'Rename', exact: true }).click();
  await expect(settingsPanel.locator('.form-error')).toHaveText('A region with this name already exists.');
  await expect(page.locator('.form-error')).toHaveCount(1);
  await expect(page.locator('.danger-zone .form-error')).toHaveCount(0);
  // Breadcrumbs lead back up.
  await expect(page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'Regions' })).toBeVisible();
});

test('a refused delete names what is in the way, and lists search and page', async ({ page }, info) => {
  const region = unique(info, 'in-the-way');
  const workspace = unique(info, 'Blocker');
  await signIn(page);
  await openSettings(page, 'Regions');
  await page.getByLabel('Region name', { exact: true }).fill(region);
  await page.getByRole('button', { name: 'Create region', exact: true }).click();
  await arrive(page, new RegExp(`/settings/regions/${UUID}$`));
  const regionPath = new URL(page.url()).pathname;
  await openSettings(page, 'Workspaces');
  await page.getByLabel('Workspace name', { exact: true }).fill(workspace);
  await chooseRegion(page, region);
  await page.getByRole('button', { name: 'Create workspace', exact: true }).click();
  // The form posts to the page it is on: wait for the page the answer leads to, not the URL.
  await expect(notice(page)).toContainText(`Workspace ${workspace} created`);
  await ready(page);

  // Search by name, then by region: the one workspace, and the search kept in the box.
  await page.getByLabel('Search workspaces by name').fill(workspace.toUpperCase());
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await arrive(page, /\/settings\/workspaces\?search=/);
  await expect(page.locator('#workspaces tbody tr')).toHaveCount(1);
  await expect(page.getByLabel('Search workspaces by name')).toHaveValue(workspace.toUpperCase());
  await expect(page.getByRole('navigation', { name: 'Pages of workspaces' })).toHaveText(/^\s*1 workspace\s*$/);
  await page.getByRole('link', { name: 'Clear', exact: true }).click();
  await arrive(page, /\/settings\/workspaces$/);
  await page.getByLabel('In region', { exact: true }).selectOption({ label: region });
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await arrive(page, /region=/);
  await expect(page.locator('#workspaces tbody tr')).toHaveCount(1);
  await page.getByLabel('Search workspaces by name').fill('no such workspace at all');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await arrive(page, /search=no/);
  await expect(page.getByText('No workspace matches')).toBeVisible();

  // Deleting the region: refused for sure, so the button is off and the way out is named.
  await visit(page, `${regionPath}/delete`);
  await expect(page.locator('#delete-blocked')).toContainText('1 workspace lives in this region.');
  await expect(page.getByRole('button', { name: 'Delete region', exact: true })).toBeDisabled();
  await page.getByRole('link', { name: `Move ${workspace}…` }).click();
  await arrive(page, new RegExp(`/settings/workspaces/${UUID}/move$`));
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Move workspace ${workspace}`);
  await expect(page.getByRole('navigation', { name: 'Breadcrumb' })).toContainText(workspace);
});

test('in a new organization: nowhere to move says why, demoting yourself says you are the only admin', async ({ page }, info) => {
  const name = unique(info, 'Solo Org');
  await signIn(page);
  await visit(page, '/organizations/new');
  await page.getByLabel('Organization name', { exact: true }).fill(name);
  await page.getByRole('button', { name: 'Create organization', exact: true }).click();
  await arrive(page, /\/settings\/general$/);
  await openSettings(page, 'Workspaces');
  await page.locator('#workspaces tbody tr').first().getByRole('link').first().click();
  await arrive(page, new RegExp(`/settings/workspaces/${UUID}$`));
  await expect(page.locator('#no-move-target')).toContainText('this organization has only this one');
  await expect(page.locator('#no-move-target').getByRole('link', { name: 'Go to Regions' })).toBeVisible();

  await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Members', exact: true }).click();
  await arrive(page, /\/settings\/members$/);
  await page.getByRole('link', { name: 'Make member…' }).click();
  await arrive(page, new RegExp(`/settings/members/${UUID}/demote$`));
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Make yourself a member?');
  await expect(page.locator('#only-admin')).toContainText('You are the only admin.');
  await expect(page.getByRole('button', { name: 'Make me a member' })).toBeDisabled();
});

test('the audit log filters by date and time, and an event shows what it changed', async ({ page }, info) => {
  const region = unique(info, 'audited');
  await signIn(page);
  await openSettings(page, 'Regions');
  await page.getByLabel('Region name', { exact: true }).fill(region);
  await page.getByRole('button', { name: 'Create region', exact: true }).click();
  await arrive(page, new RegExp(`/settings/regions/${UUID}$`));
  const settingsPanel = page.locator('section', { has: page.getByRole('heading', { name: 'Settings', exact: true }) });
  await settingsPanel.getByLabel('Region name', { exact: true }).fill(`${region}-2`);
  await settingsPanel.getByRole('button', { name: 'Rename', exact: true }).click();
  await expect(page.getByRole('status')).toContainText('renamed');

  await visit(page, settings('audit-log'));
  await expect(page.getByLabel('From (UTC)')).toHaveAttribute('type', 'datetime-local');
  await page.getByLabel('Object', { exact: true }).fill(`${region}-2`);
  await page.getByLabel('From (UTC)').fill('2026-01-01T00:00');
  await page.getByRole('button', { name: 'Apply filters', exact: true }).click();
  await arrive(page, /from=2026-01-01T00%3A00|from=2026-01-01T00:00/);
  const row = page.getByRole('row').filter({ hasText: 'region.rename' });
  await expect(row).toHaveCount(1);
  await row.getByRole('link').first().click();
  await arrive(page, new RegExp(`/settings/audit-log/${UUID}$`));
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Event region.rename');
  const name = page.locator('.changes tr').filter({ has: page.getByRole('rowheader', { name: /^name/ }) });
  await expect(name).toContainText(region);
  await expect(name).toContainText(`${region}-2`);
  await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'Audit log' }).click();
  await arrive(page, /\/settings\/audit-log$/);

  // A date that does not read is an error beside its field, not "no events".
  await visit(page, `${settings('audit-log')}?from=yesterday`);
  await expect(page.locator('#audit-from-error')).toContainText('Use a date like 2026-11-23');
  await expect(page.getByText('No events')).toHaveCount(0);
});

test('a data plane has a page of its own: its day, the workspaces it serves, rename', async ({ page }, info) => {
  const plane = unique(info, 'dp-own');
  await signIn(page);
  await findRegion(page, 'auto');
  await page.getByRole('heading', { name: 'auto', exact: true }).getByRole('link').click();
  await arrive(page, new RegExp(`/settings/regions/${UUID}$`));
  await page.getByLabel('Data plane name', { exact: true }).fill(plane);
  await page.getByRole('button', { name: 'Create data plane', exact: true }).click();
  await arrive(page, /\/credentials$/);
  await visit(page, new URL(page.url()).pathname.replace(/\/credentials$/, ''));
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Data plane ${plane}`);
  await expect(page.locator('#history-summary')).toContainText(/quarter-hour|Created moments ago/);
  await expect(page.locator('.history-strip')).toBeVisible();
  await expect(page.locator('section', { has: page.getByRole('heading', { name: 'Workspaces it serves' }) }))
    .toContainText('Default Workspace');
  await expect(page.getByRole('link', { name: 'Delete data plane…' })).toBeVisible();
  const settingsPanel = page.locator('section', { has: page.getByRole('heading', { name: 'Settings', exact: true }) });
  await settingsPanel.getByLabel('Data plane name', { exact: true }).fill(`${plane}-x`);
  await settingsPanel.getByRole('button', { name: 'Rename', exact: true }).click();
  await expect(page.getByRole('status')).toContainText(`Data plane renamed to ${plane}-x.`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Data plane ${plane}-x`);
});
