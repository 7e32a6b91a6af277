// Single sign-on through a real OpenID Connect provider (idp/provider.mjs, started beside the
// server twice: as most providers are set up, and the conformant way, with claims only at the
// userinfo endpoint, ES256/EdDSA keys and client_secret_post): an admin configures and tests it
// under Settings > SSO and proves the email domain in DNS; then a new person signs in with only
// their email, is created on the way in, lands on the page they asked for, and signs out at the
// provider too. Runs with JavaScript on and off.
import { test, expect, arrive, notice, settings, signIn, visit, escapeRe } from './helpers';
import { publishTxt } from './dns';
import {
  IDP_CLIENT_ID,
  IDP_CLIENT_SECRET,
  IDP_CONFORMANT_PORT,
  IDP_PORT,
  idpConfirmSignOut,
  idpIssuer,
  idpSignIn,
} from './idp';

for (const { kind, port, name } of [
  { kind: 'claims in the ID token, RS256', port: IDP_PORT, name: 'sso' },
  { kind: 'conformant: userinfo, ES256 and EdDSA, client_secret_post', port: IDP_CONFORMANT_PORT, name: 'sso-conformant' },
]) {
test(`an admin sets up SSO, proves the domain, and a new member signs in (${kind})`, async ({ page }, info) => {
  const IDP_ISSUER = idpIssuer(port);
  // Each project proves a domain of its own: the database and the DNS server outlive a project.
  const domain = `${name}-${info.project.name.replace(/[^a-z]/g, '')}.example`;
  const email = `alice-${info.project.name.replace(/[^a-z]/g, '')}-${Math.random().toString(36).slice(2, 7)}@${domain}`;

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
  // The secret goes only to the provider it was entered for: a changed issuer needs it again.
  await page.getByLabel('Client secret', { exact: true }).fill(IDP_CLIENT_SECRET);
  await page.getByLabel('Email domains', { exact: true }).fill(domain);
  await page.getByLabel('Role for new users', { exact: true }).selectOption('member');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await arrive(page, /\/settings\/sso$/);
  await expect(notice(page)).toHaveText('Single sign-on settings saved.');
  await expect(page.getByLabel('Client secret', { exact: true })).toHaveValue('');
  await expect(page.getByText(`for ${domain}`)).toBeVisible();

  // The domain counts once proven: the page says which TXT record to publish.
  const row = page.getByRole('row').filter({ hasText: domain });
  await expect(row).toContainText('Not verified');
  await row.getByRole('button', { name: 'Verify now', exact: true }).click();
  await expect(page.locator('.form-error, .field-error').first()).toContainText(`_meridian-challenge.${domain}`);
  const record = (await row.locator('code').allInnerTexts());
  await publishTxt(record[0], record[1]);
  await page.getByRole('row').filter({ hasText: domain }).getByRole('button', { name: 'Verify now', exact: true }).click();
  await arrive(page, /\/settings\/sso$/);
  await expect(notice(page)).toHaveText(`${domain} is verified: your identity provider may now sign in people with addresses there.`);
  await expect(page.getByRole('row').filter({ hasText: domain })).toContainText('Verified');

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
  const memberRow = page.getByRole('row').filter({ hasText: new RegExp(escapeRe(email)) });
  await expect(memberRow).toContainText('member');
  await expect(memberRow).not.toContainText('Never');
});
}

test('a failed SSO sign-in shows why on the sign-in page', async ({ page }) => {
  // Coming back with a state this browser never started is refused, with a clear reason.
  await visit(page, '/auth/sso/callback?code=forged&state=forged');
  await arrive(page, /\/login\?sso_error=expired$/);
  await expect(page.getByRole('alert')).toContainText('Single sign-on failed. That sign-in link has already been used or has expired.');
});
