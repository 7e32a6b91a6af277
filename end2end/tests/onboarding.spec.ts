// Agent onboarding: the credentials page says how to run the agent (environment, systemd,
// container) and waits for it to connect - live while hydrated; without JavaScript through
// the data plane's page. Secrets of one data plane are told apart there.
import type { ChildProcess } from 'node:child_process';
import { test, expect, UUID, arrive, jsEnabled, signIn, unique, visit, startAgent } from './helpers';

test('the credentials page shows how to run the agent and waits for it to connect', async ({ page, baseURL }, info) => {
  const name = unique(info, 'onboard');
  let agent: ChildProcess | undefined;
  try {
    await signIn(page);
    await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Regions', exact: true }).click();
    await arrive(page, /\/settings\/regions$/);
    await page.getByRole('heading', { name: 'auto', exact: true }).getByRole('link').click();
    await arrive(page, new RegExp(`/settings/regions/${UUID}$`));
    await page.getByLabel('Data plane name', { exact: true }).fill(name);
    await page.getByRole('button', { name: 'Create data plane', exact: true }).click();
    await arrive(page, /\/credentials$/);
    const credentialsPath = new URL(page.url()).pathname;
    const clientId = (await page.locator('#client-id').textContent()) ?? '';
    const clientSecret = (await page.locator('#client-secret').textContent()) ?? '';

    await expect(page.getByRole('heading', { name: 'Run the agent', exact: true })).toBeVisible();
    await expect(page.locator('#systemd-snippet')).toContainText('EnvironmentFile=/etc/meridian-dataplane.env');
    await expect(page.locator('#systemd-snippet')).toContainText('systemctl enable --now meridian-dataplane');
    await expect(page.locator('#container-snippet')).toContainText('--env-file meridian-dataplane.env');
    await expect(page.locator('#credentials-snippet')).toContainText('# DATAPLANE_LISTEN=');
    const connection = page.locator('#agent-connection');
    await expect(connection).toContainText('Waiting for the agent to connect');

    agent = startAgent(baseURL, clientId, clientSecret);

    if (jsEnabled()) {
      // The page notices by itself, with what the agent reported.
      await expect(connection).toContainText(/Connected: version \S+ on \S+\./, { timeout: 20_000 });
    }
    await page.getByRole('link', { name: "Open the data plane's page", exact: true }).click();
    await arrive(page, new RegExp(`/dataplanes/${UUID}$`));
    const health = page.getByRole('region', { name: 'Health' });
    await expect(async () => {
      await page.reload();
      await expect(health.getByText('Healthy', { exact: true })).toBeVisible({ timeout: 1_000 });
    }).toPass({ timeout: 20_000 });

    // The secret in use, told apart by its last characters (never more of it).
    const secrets = page.getByRole('table').filter({ hasText: 'Client ID' });
    const row = secrets.getByRole('row').filter({ hasText: `…${clientSecret.slice(-4)}` });
    await expect(row).toHaveCount(1);
    await expect(row.getByText('In use', { exact: true })).toBeVisible();
    await expect(page.locator('body')).not.toContainText(clientSecret);

    // Back on the credentials page: gone, and the way on is rotation, not deletion.
    await visit(page, credentialsPath);
    await expect(page.getByText('use Rotate secret on the data plane')).toBeVisible();
  } finally {
    agent?.kill('SIGTERM');
  }
});
