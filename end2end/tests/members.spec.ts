// Settings > Members: an admin adds a member by email, makes them an admin, and removes them.
import { test, expect, UUID, arrive, jsEnabled, notice, signIn } from './helpers';

test('an admin adds, promotes and removes a member', async ({ page }, info) => {
  const email = `member-${info.project.name.replace(/[^a-z]/g, '')}-${Math.random().toString(36).slice(2, 7)}@example.com`;
  await signIn(page);
  await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Members', exact: true }).click();
  await arrive(page, /\/settings\/members$/);

  const field = page.getByLabel('Email', { exact: true });
  if (jsEnabled()) {
    // Without JavaScript the browser's own check of type="email" stops the form first.
    await field.fill('not-an-email');
    await page.getByRole('button', { name: 'Add member', exact: true }).click();
    await expect(field).toHaveAttribute('aria-invalid', 'true');
  }

  await field.fill(email);
  await page.getByLabel('Role', { exact: true }).selectOption('member');
  await page.getByRole('button', { name: 'Add member', exact: true }).click();
  await arrive(page, /\/settings\/members$/);
  await expect(notice(page)).toHaveText(`${email} added as member.`);
  const row = page.getByRole('row').filter({ hasText: email });
  await expect(row).toContainText('Never');

  await row.getByRole('button', { name: 'Make admin', exact: true }).click();
  await arrive(page, /\/settings\/members$/);
  await expect(notice(page)).toHaveText(`${email} is now admin.`);

  await page.getByRole('row').filter({ hasText: email }).getByRole('link', { name: 'Remove' }).click();
  await arrive(page, new RegExp(`/settings/members/${UUID}/remove$`));
  await page.getByRole('button', { name: 'Remove member', exact: true }).click();
  await arrive(page, /\/settings\/members$/);
  await expect(notice(page)).toHaveText(`${email} removed from the organization.`);
  await expect(page.getByRole('row').filter({ hasText: email })).toHaveCount(0);
});
