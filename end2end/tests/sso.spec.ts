// Single sign-on through a real OpenID Connect provider (idp/provider.mjs, started beside the
// server): an admin configures and tests it under Settings > SSO, then a new person signs in
// with only their email, is created on the way in, lands on the page they asked for, and signs
// out at the provider too. Runs with JavaScript on and off.
import { test, expect, arrive, notice, settings, signIn, visit, escapeRe } from './helpers';
import { IDP_CLIENT_ID, IDP_CLIENT_SECRET, IDP_ISSUER, idpConfirmSignOut, idpSignIn } from './idp';

test('an admin sets up SSO and a new member signs in through the identity provider', async ({ page }, info) => {
  const email = `alice-${info.project.name.replace(/[^a-z]/g, '')}-${Math.random().toString(36).slice(2, 7)}@sso.example`;

  await signIn(page);
  await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'SSO', exact: true }).click();
  await arrive(page, /\/settings\/sso$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Single sign-on' })).toBeVisible();

  // A provider that is not there: the error says what is wrong, next to the field.
  const testIssuer = page.getByLabel('Issuer URL to test', { exact: true });
  await testIssuer.fill('http://127.0.0.1:3299');
  await page.getByRole('button', { name: 'Test connection', exact: true }).click();
  await expect(page.locator('#sso-test-issuer-error')).toContainText('Could not reach http://127.0.0.1:3299/.well-known/openid-configuration');

  await page.getByLabel('Issuer URL to test', { exact: true }).fill(IDP_ISSUER);
  await page.getByRole('button', { name: 'Test connection', exact: true }).click();
  await arrive(page, /\/settings\/sso$/);
  await expect(notice(page)).toContainText(`Connection works: ${IDP_ISSUER} answered with its discovery document`);

  await page.getByLabel('Issuer URL', { exact: true }).fill(IDP_ISSUER);
  await page.getByLabel('Client ID', { exact: true }).fill(IDP_CLIENT_ID);
  // A saved secret is never shown again; saving with the field empty keeps it.
  const saved = (await page.getByText('Saved and encrypted').count()) > 0;
  if (!saved) await page.getByLabel('Client secret', { exact: true }).fill(IDP_CLIENT_SECRET);
  await page.getByLabel('Email domains', { exact: true }).fill('sso.example');
  await page.getByLabel('Role for new users', { exact: true }).selectOption('member');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await arrive(page, /\/settings\/sso$/);
  await expect(notice(page)).toHaveText('Single sign-on settings saved.');
  await expect(page.getByLabel('Client secret', { exact: true })).toHaveValue('');
  await expect(page.getByText('for sso.example')).toBeVisible();

  await page.getByRole('banner').getByRole('button', { name: 'Sign out', exact: true }).click();
  await arrive(page, /\/login$/);

  // Signed out, the person asks for a page; signing in with just their email goes through
  // the provider and back to that page.
  await visit(page, settings('regions'));
  await arrive(page, /\/login\?next=/);
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await idpSignIn(page, email);
  await arrive(page, /\/settings\/regions$/);
  await expect(page.getByRole('banner')).toContainText(email);

  // Signing out ends the provider's session too, then comes back to the sign-in page.
  await page.getByRole('banner').getByRole('button', { name: 'Sign out', exact: true }).click();
  await idpConfirmSignOut(page);
  await arrive(page, /\/login$/);
  await visit(page, settings('regions'));
  await arrive(page, /\/login\?next=/);

  // The admin sees the new member, created on first sign-in with the configured role.
  await signIn(page);
  await visit(page, settings('members'));
  const row = page.getByRole('row').filter({ hasText: new RegExp(escapeRe(email)) });
  await expect(row).toContainText('member');
  await expect(row).not.toContainText('Never');
});

test('a failed SSO sign-in shows why on the sign-in page', async ({ page }) => {
  // Coming back with a state this browser never started is refused, with a clear reason.
  await visit(page, '/auth/sso/callback?code=forged&state=forged');
  await arrive(page, /\/login\?sso_error=expired$/);
  await expect(page.getByRole('alert')).toContainText('Single sign-on failed. That sign-in link has already been used or has expired.');
});
