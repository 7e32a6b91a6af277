// The test OpenID Connect identity provider (idp/provider.mjs) that playwright.config.ts starts
// beside the server, for the SSO tests: where it is, Meridian's client there, and the steps a
// person takes on its pages. Any email address is an account on it and any password is accepted;
// its sign-in page is plain HTML, so it works in both projects (JavaScript on and off).
//
// Keep the values in step with idp/provider.mjs.
import type { Page } from '@playwright/test';

/** The provider's port on 127.0.0.1. */
export const IDP_PORT = 3200;

/** The same provider the conformant way (IDP_CONFORMANT): claims from userinfo only, ES256
 * and EdDSA keys, client_secret_post. */
export const IDP_CONFORMANT_PORT = 3201;

/** The issuer on `port`, exactly as in the discovery document and the ID tokens. */
export const idpIssuer = (port: number) => `http://127.0.0.1:${port}`;

/** The discovery document on `port`. */
export const idpDiscoveryUrl = (port: number) => `${idpIssuer(port)}/.well-known/openid-configuration`;

/** The issuer, exactly as in the discovery document and the ID tokens (no trailing slash). */
export const IDP_ISSUER = idpIssuer(IDP_PORT);

/** The discovery document. */
export const IDP_DISCOVERY_URL = idpDiscoveryUrl(IDP_PORT);

/**
 * Meridian's client at the provider: confidential, client_secret_basic at the token endpoint,
 * authorization code with PKCE (S256) required, scopes `openid email profile`. Its redirect URI
 * is `${MERIDIAN_E2E_URL}/auth/sso/callback` and its post-logout redirect URI
 * `${MERIDIAN_E2E_URL}/login`.
 */
export const IDP_CLIENT_ID = 'meridian-e2e';
export const IDP_CLIENT_SECRET = 'meridian-e2e-secret';

/** Whether a URL is on one of the providers. */
const onIdp = (url: URL | string) =>
  [IDP_PORT, IDP_CONFORMANT_PORT].some((port) => new URL(url).origin === idpIssuer(port));

/**
 * Signs in on the provider's sign-in page as `email` (any password), once Meridian has sent the
 * browser there, and returns as the browser leaves the provider (for Meridian's callback, which
 * redirects on: follow with `arrive`). Meridian's access is granted without a consent page, but
 * if one shows, it is confirmed.
 */
export async function idpSignIn(page: Page, email: string): Promise<void> {
  // Meridian's own sign-in page has an "Email" field too: make sure this is the provider's.
  await page.waitForURL((url) => onIdp(url) && url.pathname.startsWith('/interaction/'));
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill('any password will do');
  const signIn = page.getByRole('button', { name: 'Sign-in', exact: true });
  await signIn.click();
  // Gone once the next page (Meridian's, or the consent page) has replaced this one.
  await signIn.waitFor({ state: 'detached' });
  if (!onIdp(page.url())) return;

  const consent = page.getByRole('button', { name: 'Continue', exact: true });
  if (!(await consent.isVisible())) {
    const text = (await page.locator('main').innerText().catch(() => '')).trim();
    throw new Error(`still on the identity provider after signing in (${page.url()}): ${text}`);
  }
  await consent.click();
  await consent.waitFor({ state: 'detached' });
}

/**
 * Confirms signing out on the provider's logout page, once Meridian has sent the browser to its
 * end-session endpoint (RP-initiated logout) while the provider still has a session; the
 * provider then redirects to Meridian's /login.
 */
export async function idpConfirmSignOut(page: Page): Promise<void> {
  await page.waitForURL((url) => onIdp(url) && url.pathname === '/session/end');
  const yes = page.getByRole('button', { name: 'Yes, sign me out', exact: true });
  await yes.click();
  await yes.waitFor({ state: 'detached' });
}
