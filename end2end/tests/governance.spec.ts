// Residency governance: what the control plane keeps about an organization, and what stays in
// its regions (Settings > Data residency). JavaScript on and off.
import { test, expect, signIn } from './helpers';

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
