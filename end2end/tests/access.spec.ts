// Signing in: settings pages send anonymous visitors to sign in and back, and a wrong
// password is refused without losing the email.
import { test, expect, ADMIN_EMAIL, arrive, jsEnabled, settings, submitSignIn, visit } from './helpers';

test('an anonymous visitor is sent to sign in, then back to the page they asked for', async ({ page }) => {
  const regions = settings('regions');
  await visit(page, regions);

  await expect(page).toHaveURL(/\/login\?next=/);
  expect(new URL(page.url()).searchParams.get('next')).toBe(regions);
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible();

  await submitSignIn(page);
  await arrive(page, (url) => url.pathname === regions);
  await expect(page.getByRole('heading', { level: 1, name: 'Regions', exact: true })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Region auto', exact: true })).toBeVisible();
  await expect(page.getByRole('banner').getByText(ADMIN_EMAIL)).toBeVisible();
});

test("a wrong password is refused and the email is kept", async ({ page }) => {
  await visit(page, '/login');
  await submitSignIn(page, ADMIN_EMAIL, 'not the password');

  await expect(page.getByRole('alert')).toHaveText("That email and password don't match.");
  await expect(page.getByLabel('Email', { exact: true })).toHaveValue(ADMIN_EMAIL);
  // The server never sends the password back. (Hydrated, the field simply keeps what was
  // typed, as the form is not reloaded; without JavaScript the reloaded form is empty.)
  expect(await page.content()).not.toContain('not the password');
  if (!jsEnabled()) await expect(page.getByLabel('Password', { exact: true })).toHaveValue('');
  await expect(page).toHaveURL(/\/login/);
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible();
});
