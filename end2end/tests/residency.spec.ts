// The main journey of an organization admin: regions, a data plane and its one-time
// credentials, a workspace assigned to a region and moved to another, the guard against
// deleting a region in use, disabling a region, and signing out.
//
// The tests build on each other (serial) and share one database with the other project,
// so every name they create is unique to the project and run.
import type { Locator, Page } from '@playwright/test';
import {
  test,
  expect,
  UUID,
  arrive,
  chooseRegion,
  findRegion,
  escapeRe,
  jsEnabled,
  notice,
  openSettings,
  ready,
  settings,
  signIn,
  unique,
  visit,
} from './helpers';

/**
 * Creates a region on the Regions page and waits for the region's own page; returns its path.
 * (The notice this leaves is checked by its own test below; see the APP BUG note there.)
 */
async function createRegion(page: Page, name: string): Promise<string> {
  await openSettings(page, 'Regions');
  await page.getByLabel('Region name', { exact: true }).fill(name);
  await page.getByRole('button', { name: 'Create region', exact: true }).click();
  await arrive(page, new RegExp(`/settings/regions/${UUID}$`));
  await expect(page.getByRole('heading', { level: 1, name: `Region ${name}`, exact: true })).toBeVisible();
  await expect(page.getByText('0 workspaces use this region.')).toBeVisible();
  return new URL(page.url()).pathname;
}

/** The credentials page of any data plane of the region at `regionPath`. */
const credentialsOf = (regionPath: string) => new RegExp(`${escapeRe(regionPath)}/dataplanes/${UUID}/credentials$`);

/** The row of a table that links to `name`. */
function rowOf(page: Page, table: Locator, name: string) {
  return table.getByRole('row').filter({ has: page.getByRole('link', { name, exact: true }) });
}

test.describe.serial('data residency', () => {
  // Names and paths the steps hand on to each other.
  let region: string; // created first, gets the data plane and the workspace
  let regionPath: string;
  let target: string; // the workspace moves here
  let workspace: string;

  test.beforeAll(({}, info) => {
    region = unique(info, 'eu-west');
    target = unique(info, 'eu-central');
    workspace = unique(info, 'Analytics');
  });

  test('creating a region refuses bad and duplicate names beside the field', async ({ page }) => {
    await signIn(page);
    await openSettings(page, 'Regions');
    const name = page.getByLabel('Region name', { exact: true });
    const create = page.getByRole('button', { name: 'Create region', exact: true });

    await test.step('a name with a slash is refused, and what was typed is kept', async () => {
      await name.fill('eu/west');
      await create.click();
      // The field says what is wrong with it; the form's summary points at the field.
      await expect(name).toHaveAccessibleDescription(/'\/' is not allowed\. Use letters, digits, spaces, '-', '_' and '\.'\./);
      await expect(page.getByText("'/' is not allowed. Use letters, digits, spaces, '-', '_' and '.'.")).toBeVisible();
      await expect(page.getByRole('alert')).toHaveText('Please correct the highlighted field.');
      await expect(name).toHaveAttribute('aria-invalid', 'true');
      await expect(name).toHaveValue('eu/west');
      await expect(page).toHaveURL(/\/settings\/regions(\?.*)?$/);
    });

    await test.step('a name that differs from an existing region only in case is refused', async () => {
      await name.fill('AUTO');
      await create.click();
      // The message is both the form's summary and the field's own error.
      await expect(name).toHaveAccessibleDescription(/A region with this name already exists\./);
      await expect(page.getByRole('alert')).toHaveText('A region with this name already exists.');
      await expect(name).toHaveValue('AUTO');
      // The earlier error is gone.
      await expect(page.getByText("'/' is not allowed", { exact: false })).toHaveCount(0);
    });

    await test.step('a good name creates the region and opens its page', async () => {
      regionPath = await createRegion(page, region);
    });

    await test.step('the Regions page lists it', async () => {
      await findRegion(page, region);
      const card = page.getByRole('region', { name: `Region ${region}`, exact: true });
      await expect(card.getByRole('link', { name: region, exact: true })).toBeVisible();
      await expect(card.getByText('Enabled', { exact: true })).toBeVisible();
      await expect(card.getByText('No data planes')).toBeVisible();
    });
  });

  /** Checks the credentials page of a data plane just created; returns the secret it shows. */
  async function readCredentials(page: Page, name: string): Promise<string> {
    await arrive(page, credentialsOf(regionPath));
    await expect(page.getByRole('heading', { level: 1, name: `Data plane ${name} created`, exact: true })).toBeVisible();
    await expect(page.getByText(`In region ${region}. Configure its agent with these credentials.`)).toBeVisible();
    const card = page.getByRole('region', { name: 'Client credentials' });
    await expect(card.getByText('Copy the client secret now.')).toBeVisible();
    const clientId = card.getByText(/^dp_[A-Za-z0-9_-]{22}$/);
    const secret = card.getByText(/^[A-Za-z0-9_-]{43}$/);
    await expect(clientId).toBeVisible();
    await expect(secret).toBeVisible();
    const id = (await clientId.textContent())!.trim();
    const value = (await secret.textContent())!.trim();
    expect(value).toHaveLength(43);
    await expect(card.getByText(`DATAPLANE_CLIENT_ID=${id}`)).toBeVisible();
    await expect(card.getByText(`DATAPLANE_CLIENT_SECRET=${value}`)).toBeVisible();
    return value;
  }

  /** The credentials page once the secret is gone. */
  async function expectNoLongerShown(page: Page, secret: string) {
    await expect(page.getByRole('heading', { level: 1, name: 'Credentials no longer shown' })).toBeVisible();
    // The way out is a new secret, not a new data plane.
    await expect(page.getByRole('link', { name: "Rotate secret on the data plane's page", exact: true })).toHaveAttribute(
      'href',
      new RegExp(`/dataplanes/${UUID}$`),
    );
    await expect(page.getByText(secret)).toHaveCount(0);
    expect(await page.content()).not.toContain(secret);
  }

  /** Creates a data plane on the region's page; returns its secret from the credentials page. */
  async function createDataPlane(page: Page, name: string): Promise<string> {
    await page.getByLabel('Data plane name', { exact: true }).fill(name);
    await page.getByRole('button', { name: 'Create data plane', exact: true }).click();
    return readCredentials(page, name);
  }

  test("a data plane's client secret is shown once", async ({ page }, info) => {
    const plane = unique(info, 'dp-1');
    await signIn(page);
    await visit(page, regionPath);
    const secret = await createDataPlane(page, plane);

    await test.step('a reload no longer shows the secret, not even in the HTML', async () => {
      const response = await page.reload();
      await ready(page);
      expect(response?.status()).toBe(200);
      expect(await response!.text()).not.toContain(secret);
      await expectNoLongerShown(page, secret);
    });

    await test.step('going back and forth never shows it either', async () => {
      await page.goBack();
      await arrive(page, regionPath);
      await page.goForward();
      await arrive(page, credentialsOf(regionPath));
      await expectNoLongerShown(page, secret);
    });

    await test.step('the region page lists the data plane, never connected', async () => {
      await visit(page, regionPath);
      const row = page.getByRole('row').filter({ has: page.getByRole('cell', { name: plane, exact: true }) });
      await expect(row.getByText('Enabled', { exact: true })).toBeVisible();
      await expect(row.getByText('Never connected')).toBeVisible();
    });
  });

  test('going back to the credentials page after leaving it does not show the secret again', async ({ page }, info) => {
    const plane = unique(info, 'dp-2');
    await signIn(page);
    await visit(page, regionPath);
    const secret = await createDataPlane(page, plane);

    await page.getByRole('link', { name: 'I have saved the secret' }).click();
    await arrive(page, regionPath);
    await expect(page.getByRole('cell', { name: plane, exact: true })).toBeVisible();

    await page.goBack();
    await arrive(page, credentialsOf(regionPath));
    await expectNoLongerShown(page, secret);
  });

  test('a workspace is created in the new region', async ({ page }) => {
    await signIn(page);
    await openSettings(page, 'Workspaces');
    await page.getByLabel('Workspace name', { exact: true }).fill(workspace);
    await chooseRegion(page, region);
    await page.getByRole('button', { name: 'Create workspace', exact: true }).click();
    await expect(notice(page)).toHaveText(`Workspace ${workspace} created in region ${region}.`);
    await expect(page).toHaveURL(/\/settings\/workspaces$/);

    const table = page.getByRole('table');
    const row = rowOf(page, table, workspace);
    await expect(row).toHaveCount(1);
    await expect(row.getByRole('cell').nth(1).locator('.region-name')).toHaveText(region);

    await openSettings(page, 'General');
    const usage = page.getByRole('region', { name: 'Regions', exact: true });
    const assignments = usage.getByRole('table', { name: 'Workspaces and their regions' });
    await expect(assignments).toHaveAttribute('id', 'workspace-regions');
    await expect(rowOf(page, assignments, workspace).getByRole('cell').nth(1).locator('.region-name')).toHaveText(region);
    // The region, then whatever keeps its work from running (no healthy data plane here).
    await expect(rowOf(page, assignments, 'Default Workspace').getByRole('cell').nth(1).locator('.region-name')).toHaveText('auto');
    await expect(usage.getByRole('listitem').filter({ has: page.getByRole('link', { name: region, exact: true }) })).toContainText(
      '1 workspace',
    );
  });

  test('the workspace moves to another region after a confirmation', async ({ page }) => {
    await signIn(page);
    await createRegion(page, target);

    await openSettings(page, 'Workspaces');
    await rowOf(page, page.getByRole('table'), workspace).getByRole('link', { name: workspace, exact: true }).click();
    await arrive(page, new RegExp(`/settings/workspaces/${UUID}$`));
    await expect(page.getByRole('heading', { level: 1, name: `Workspace ${workspace}`, exact: true })).toBeVisible();
    await expect(page.getByText(`In region ${region}.`, { exact: true })).toBeVisible();

    const moveTo = page.getByLabel('Move to region', { exact: true });
    // The current region is not offered; a region without a data plane says so.
    await expect(moveTo.getByRole('option', { name: region, exact: true })).toHaveCount(0);
    await expect(moveTo.locator('option', { hasText: target })).toHaveText(`${target}: no enabled data plane, work would wait`);
    await chooseRegion(page, target, 'Move to region');
    await page.getByRole('button', { name: 'Review move…', exact: true }).click();

    await arrive(page, new RegExp(`/settings/workspaces/${UUID}/move\\?to=${UUID}$`));
    await expect(page.getByRole('heading', { level: 1, name: `Move workspace ${workspace}?`, exact: true })).toBeVisible();
    await expect(page.getByText(`From region ${region} to region ${target}.`, { exact: true })).toBeVisible();
    await expect(page.getByRole('note')).toContainText(`Region ${target} has no enabled data plane.`);
    await expect(page.getByText(`Its data residency becomes "${target.toLowerCase()}".`)).toBeVisible();

    await page.getByRole('button', { name: `Move to ${target}`, exact: true }).click();
    await arrive(page, /\/settings\/workspaces$/);
    await expect(notice(page)).toHaveText(`Workspace ${workspace} moved from ${region} to ${target}.`);
    await expect(rowOf(page, page.getByRole('table'), workspace).getByRole('cell').nth(1).locator('.region-name')).toHaveText(target);

    await openSettings(page, 'General');
    const assignments = page.getByRole('table', { name: 'Workspaces and their regions' });
    await expect(rowOf(page, assignments, workspace).getByRole('cell').nth(1).locator('.region-name')).toHaveText(target);
  });

  test('a region that still has a workspace cannot be deleted', async ({ page }) => {
    await signIn(page);
    await findRegion(page, target);
    await page.getByRole('link', { name: target, exact: true }).click();
    await arrive(page, new RegExp(`/settings/regions/${UUID}$`));
    await expect(page.getByText('1 workspace uses this region.')).toBeVisible();

    await page.getByRole('link', { name: 'Delete region…' }).click();
    await arrive(page, new RegExp(`/settings/regions/${UUID}/delete$`));
    await expect(page.getByRole('heading', { level: 1, name: `Delete region ${target}?`, exact: true })).toBeVisible();
    // Refused for sure: the button is off, and the workspaces in the way are named with a
    // way to move each (the refusal itself is the server's, tested through both doors).
    await expect(page.getByRole('note')).toContainText(
      '1 workspace lives in this region. A region is deleted only once no workspace lives in it: move these to another region first.',
    );
    await expect(page.getByRole('button', { name: 'Delete region', exact: true })).toBeDisabled();
    await expect(page.locator('.workspace-links').getByRole('link', { name: /^Move .+…$/ })).toHaveCount(1);
    await expect(notice(page)).toHaveCount(0);

    await findRegion(page, target);
    const card = page.getByRole('region', { name: `Region ${target}`, exact: true });
    await expect(card).toBeVisible();
    await expect(card.getByText('1 workspace', { exact: true })).toBeVisible();
  });

  test('a disabled region is no longer offered for workspaces', async ({ page }, info) => {
    const retiring = unique(info, 'us-east');
    await signIn(page);
    const retiringPath = await createRegion(page, retiring);

    await openSettings(page, 'Workspaces');
    const options = page.getByLabel('Region', { exact: true }).getByRole('option');
    await expect(options.filter({ hasText: retiring })).toHaveCount(1);

    await visit(page, retiringPath);
    await page.getByRole('link', { name: 'Disable region…' }).click();
    await arrive(page, `${retiringPath}/disable`);
    await expect(page.getByRole('heading', { level: 1, name: `Disable region ${retiring}?`, exact: true })).toBeVisible();
    await expect(page.getByText(`No workspace can be created in or moved to ${retiring} while it is disabled.`)).toBeVisible();
    await page.getByRole('button', { name: 'Disable region', exact: true }).click();

    await arrive(page, retiringPath);
    await expect(notice(page)).toHaveText(`Region ${retiring} disabled. New workspaces can't be assigned to it.`);
    await expect(page.getByRole('button', { name: 'Enable region', exact: true })).toBeVisible();
    await expect(page.getByRole('link', { name: 'Disable region…' })).toHaveCount(0);

    await openSettings(page, 'Workspaces');
    await expect(options.filter({ hasText: region })).toHaveCount(1);
    await expect(options.filter({ hasText: retiring })).toHaveCount(0);

    await findRegion(page, retiring);
    const card = page.getByRole('region', { name: `Region ${retiring}`, exact: true });
    await expect(card.getByText('Disabled', { exact: true })).toBeVisible();
  });

  test('signing out ends the session', async ({ page }) => {
    await signIn(page);
    await page.getByRole('banner').getByRole('button', { name: 'Sign out', exact: true }).click();
    await arrive(page, /\/login$/);
    await expect(page.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible();

    await visit(page, settings('regions'));
    await expect(page).toHaveURL(/\/login\?next=/);
    await expect(page.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible();
  });
});

test('creating a region says so, once, on the new region\'s page', async ({ page }, info) => {
  const name = unique(info, 'ap-south');
  await signIn(page);
  await openSettings(page, 'Regions');
  await page.getByLabel('Region name', { exact: true }).fill(name);
  await page.getByRole('button', { name: 'Create region', exact: true }).click();
  await arrive(page, new RegExp(`/settings/regions/${UUID}$`));
  await expect(page.getByRole('heading', { level: 1, name: `Region ${name}`, exact: true })).toBeVisible();
  await expect(notice(page)).toHaveText(`Region ${name} created. Add a data plane to run its workspaces.`);

  // Shown once: a reload no longer has it.
  await page.reload();
  await ready(page);
  await expect(page.getByRole('heading', { level: 1, name: `Region ${name}`, exact: true })).toBeVisible();
  await expect(notice(page)).toHaveCount(0);
});
