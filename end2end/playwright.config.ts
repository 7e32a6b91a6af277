// Browser tests for Meridian: every spec runs twice, once with the page hydrated by
// WebAssembly and once with JavaScript off (plain HTML forms), against a freshly built
// server and a freshly created database. Beside the server runs a test OpenID Connect identity
// provider (idp/provider.mjs, on 127.0.0.1:3200; tests/idp.ts) for the SSO tests.
//
//   cd end2end && npx playwright test
//
// Environment (all optional):
//   MERIDIAN_E2E_URL     where the server listens and the tests browse (default http://127.0.0.1:3100)
//   MERIDIAN_BIN         the server binary, relative to the repository root or absolute
//                        (default target/debug/meridian; CI can point it at a release build)
//   E2E_DATABASE_URL     the throwaway database; it is DROPPED and recreated on every run
//                        (default: meridian_e2e on DATABASE_URL's server, else
//                        postgres://postgres@127.0.0.1:5432/meridian_e2e)
//   CI                   line reporter, no test.only
import { defineConfig } from '@playwright/test';
import path from 'node:path';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from './tests/admin';
import { IDP_DISCOVERY_URL, IDP_PORT, IDP_CONFORMANT_PORT, idpDiscoveryUrl } from './tests/idp';
import { DNS_PORT, DNS_HTTP_PORT } from './tests/dns';

const baseURL = (process.env.MERIDIAN_E2E_URL ?? 'http://127.0.0.1:3100').replace(/\/+$/, '');
const listen = new URL(baseURL);
if (listen.hostname === 'localhost') {
  // localhost may resolve to ::1 while the server listens on 127.0.0.1.
  throw new Error('MERIDIAN_E2E_URL: use 127.0.0.1, not localhost');
}

// By default the `meridian_e2e` database on DATABASE_URL's server (scripts/test exports it),
// else on 127.0.0.1:5432.
const databaseUrl = process.env.E2E_DATABASE_URL ?? e2eDatabaseOn(process.env.DATABASE_URL);
function e2eDatabaseOn(serverUrl: string | undefined): string {
  const url = new URL(serverUrl || 'postgres://postgres@127.0.0.1:5432/postgres');
  url.pathname = '/meridian_e2e';
  return url.toString();
}
const db = new URL(databaseUrl);
const dbName = decodeURIComponent(db.pathname.replace(/^\//, ''));
// The database is dropped on every run: refuse anything that does not look like a test database.
if (!/^[A-Za-z0-9_]*(e2e|test)[A-Za-z0-9_]*$/.test(dbName)) {
  throw new Error(`E2E_DATABASE_URL must name a throwaway database (…e2e… or …test…), got "${dbName}"`);
}

// Relative to the repository root, the server's working directory (it serves target/site).
const repoRoot = path.resolve(__dirname, '..');
const serverBin = path.resolve(repoRoot, process.env.MERIDIAN_BIN ?? 'target/debug/meridian');

/** Quotes a value for the POSIX shell. */
const sh = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;

// Playwright starts the webServer *before* globalSetup runs (plugin setup comes first), so
// the database cannot be reset in a globalSetup file. The web server's command does it
// instead, then replaces the shell with the server so stopping it stops the server.
const pgArgs = [
  `-h ${sh(db.hostname || '127.0.0.1')}`,
  `-p ${sh(db.port || '5432')}`,
  `-U ${sh(decodeURIComponent(db.username || 'postgres'))}`,
].join(' ');
const serverCommand = [
  `dropdb --if-exists --force ${pgArgs} ${sh(dbName)}`,
  `createdb ${pgArgs} ${sh(dbName)}`,
  `exec ${sh(serverBin)}`,
].join(' && ');

export default defineConfig({
  testDir: 'tests',
  outputDir: 'test-results',
  fullyParallel: false,
  // One browser at a time: the machine has two cores and the server needs one.
  workers: 1,
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: process.env.CI ? 'line' : 'list',
  // A debug build hydrates a large WebAssembly module on every full page load.
  timeout: 60_000,
  expect: { timeout: 10_000 },
  use: {
    baseURL,
    screenshot: 'only-on-failure',
    trace: 'off',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  projects: [
    { name: 'hydrated', use: { javaScriptEnabled: true } },
    { name: 'no-js', use: { javaScriptEnabled: false } },
  ],
  // Started in this order, each once the one before answers; all stopped when the run ends.
  webServer: [
    // A DNS server the tests publish domain proofs in (dns/server.mjs); Meridian looks them up
    // there (MERIDIAN_DNS_SERVER).
    {
      name: 'dns',
      command: 'exec node dns/server.mjs',
      cwd: __dirname,
      url: `http://127.0.0.1:${DNS_HTTP_PORT}/healthz`,
      reuseExistingServer: false,
      timeout: 30_000,
      stdout: 'ignore',
      stderr: 'pipe',
      gracefulShutdown: { signal: 'SIGTERM', timeout: 5_000 },
      env: { DNS_PORT: String(DNS_PORT), DNS_HTTP_PORT: String(DNS_HTTP_PORT) },
    },
    // The same provider configured the conformant way: claims only from userinfo, ES256 and
    // EdDSA keys, client_secret_post.
    {
      name: 'idp-conformant',
      command: 'exec node idp/provider.mjs',
      cwd: __dirname,
      url: idpDiscoveryUrl(IDP_CONFORMANT_PORT),
      reuseExistingServer: false,
      timeout: 30_000,
      stdout: 'ignore',
      stderr: 'pipe',
      gracefulShutdown: { signal: 'SIGTERM', timeout: 5_000 },
      env: {
        IDP_PORT: String(IDP_CONFORMANT_PORT),
        IDP_CONFORMANT: 'true',
        MERIDIAN_E2E_URL: baseURL,
      },
    },
    // The OpenID Connect identity provider for the SSO tests: oidc-provider, all in memory, so
    // each run starts with no sessions. It knows Meridian as the client in tests/idp.ts, with
    // redirect URIs under MERIDIAN_E2E_URL. First, so it answers by the time the server starts
    // (it is up in about a second).
    {
      name: 'idp',
      command: 'exec node idp/provider.mjs',
      cwd: __dirname,
      url: IDP_DISCOVERY_URL,
      reuseExistingServer: false,
      timeout: 30_000,
      stdout: 'ignore',
      stderr: 'pipe',
      // It stops cleanly on SIGTERM (the default is SIGKILL).
      gracefulShutdown: { signal: 'SIGTERM', timeout: 5_000 },
      env: {
        IDP_PORT: String(IDP_PORT),
        MERIDIAN_E2E_URL: baseURL,
      },
    },
    {
      command: serverCommand,
      cwd: repoRoot,
      url: `${baseURL}/healthz`,
      reuseExistingServer: false,
      timeout: 120_000,
      stdout: 'ignore',
      stderr: 'pipe',
      env: {
        DATABASE_URL: databaseUrl,
        ...(db.password ? { PGPASSWORD: decodeURIComponent(db.password) } : {}),
        MERIDIAN_LISTEN: listen.host,
        MERIDIAN_ADMIN_EMAIL: ADMIN_EMAIL,
        MERIDIAN_ADMIN_PASSWORD: ADMIN_PASSWORD,
        LEPTOS_SITE_ROOT: 'target/site',
        // Short health thresholds, so a data plane's badge changes within a test.
        MERIDIAN_HEALTHY_WITHIN_SECS: '10',
        MERIDIAN_DEGRADED_WITHIN_SECS: '30',
      // A throwaway key for the stored SSO client secret (an external database needs one).
      MERIDIAN_ENCRYPTION_KEY: 'ZTJlLW9ubHkta2V5LWZvci1tZXJpZGlhbi10ZXN0cyE=',
      // The test identity provider listens on 127.0.0.1.
      MERIDIAN_SSO_ALLOW_LOCAL_ISSUERS: 'true',
      // Domain proofs are looked up at the test DNS server.
      MERIDIAN_DNS_SERVER: `127.0.0.1:${DNS_PORT}`,
      },
    },
  ],
});
