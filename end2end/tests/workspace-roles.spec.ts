// A workspace's Access section: an admin gives a member a role on one workspace, changes it,
// then takes it away. Runs with JavaScript on and off.
import { test, expect, UUID, arrive, chooseRegion, joinThroughInvitation, notice, openSettings, signIn } from './helpers';

test('an admin gives a member a role on a workspace, changes it and takes it away', async ({ page, browser }, info) => {
  const tag = `${info.project.name.replace(/[^a-z]/g, '')}${Math.random().toString(36).slice(2, 7)}`;
  const email = `ws-${tag}@example.com`;
  const workspace = `Roles ${tag}`;
  await signIn(page);

  // A member (joined by invitation), and a workspace of their organization.
  const member = await joinThroughInvitation(page, browser, email);
  await member.context().close();
  await openSettings(page, 'Workspaces');
  await page.getByLabel('Workspace name', { exact: true }).fill(workspace);
  await chooseRegion(page, 'auto');
  await page.getByRole('button', { name: 'Create workspace', exact: true }).click();
  await expect(notice(page)).toContainText(`Workspace ${workspace} created`);
  await page.getByRole('link', { name: workspace, exact: true }).click();
  await arrive(page, new RegExp(`/settings/workspaces/${UUID}$`));

  const access = page.getByRole('region', { name: 'Access' });
  await access.getByLabel('Member', { exact: true }).selectOption({ label: email });
  await access.getByLabel('Workspace role', { exact: true }).selectOption('editor');
  await access.getByRole('button', { name: 'Give access', exact: true }).click();
  await arrive(page, new RegExp(`/settings/workspaces/${UUID}$`));
  await expect(notice(page)).toHaveText(`${email} is now editor of this workspace.`);
  const row = page.locator('#workspace-access').getByRole('row').filter({ hasText: email });
  await expect(row.getByLabel(`Role of ${email}`)).toHaveValue('editor');

  await row.getByLabel(`Role of ${email}`).selectOption('admin');
  await row.getByRole('button', { name: 'Change', exact: true }).click();
  await arrive(page, new RegExp(`/settings/workspaces/${UUID}$`));
  await expect(notice(page)).toHaveText(`${email} is now admin of this workspace.`);

  await page.locator('#workspace-access').getByRole('row').filter({ hasText: email })
    .getByRole('button', { name: `Remove access of ${email}` }).click();
  await arrive(page, new RegExp(`/settings/workspaces/${UUID}$`));
  await expect(notice(page)).toHaveText(`${email} no longer has a role on this workspace.`);
  await expect(page.locator('#workspace-access').getByRole('row').filter({ hasText: email })).toHaveCount(0);
  // With nobody left, the section says what that means rather than showing an empty table.
  await expect(page.getByText('Nobody has a role here yet', { exact: true })).toBeVisible();
  // Back among those who may be given a role.
  await expect(page.getByRole('region', { name: 'Access' }).getByLabel('Member', { exact: true }).locator('option', { hasText: email })).toHaveCount(1);
});
