// Settings > Applications: an admin creates an API application, sees its secret exactly
// once, uses it against the public API, and deletes it, which revokes it.
import {
  test,
  expect,
  UUID,
  arrive,
  jsEnabled,
  notice,
  openSettings,
  signIn,
  unique,
  visit,
} from './helpers';

test('an application is created, shown once, works against the API, and is revoked on delete', async ({ page, request }, info) => {
  const name = unique(info, 'ci-bot');
  await signIn(page);
  await openSettings(page, 'Applications');

  await test.step('a bad name is refused beside the field', async () => {
    const field = page.getByLabel('Application name', { exact: true });
    await field.fill('ci/bot');
    await page.getByRole('button', { name: 'Create application', exact: true }).click();
    await expect(field).toHaveAccessibleDescription(/'\/' is not allowed/);
    await expect(field).toHaveValue('ci/bot');
  });

  let clientId = '';
  let clientSecret = '';
  let secretPath = '';
  await test.step('creating one reveals its credentials once', async () => {
    await page.getByLabel('Application name', { exact: true }).fill(name);
    await page.getByRole('button', { name: 'Create application', exact: true }).click();
    await arrive(page, new RegExp(`/settings/applications/${UUID}/secret$`));
    secretPath = new URL(page.url()).pathname;
    await expect(page.getByRole('heading', { level: 1, name: `Application ${name} created` })).toBeVisible();
    clientId = (await page.locator('#client-id').textContent()) ?? '';
    clientSecret = (await page.locator('#client-secret').textContent()) ?? '';
    expect(clientId).toMatch(/^app_/);
    expect(clientSecret).toHaveLength(43);
    await expect(page.locator('#credentials-snippet')).toContainText('/api/public/v1/applications/token');
  });

  await test.step('the credentials get a token that the API accepts', async () => {
    const token = await request.post('/api/public/v1/applications/token', {
      form: { client_id: clientId, client_secret: clientSecret, grant_type: 'client_credentials' },
    });
    expect(token.status()).toBe(200);
    const { access_token } = await token.json();
    const orgs = await request.get('/api/public/v1/organizations', {
      headers: { authorization: `Bearer ${access_token}` },
    });
    expect(orgs.status()).toBe(200);
  });

  await test.step('reloading the secret page no longer shows the secret', async () => {
    await visit(page, secretPath);
    await expect(page.getByRole('heading', { level: 1, name: 'Secret no longer shown' })).toBeVisible();
    await expect(page.getByText(clientSecret)).toHaveCount(0);
  });

  await test.step('the list shows it with its last use', async () => {
    await openSettings(page, 'Applications');
    const row = page.getByRole('row').filter({ hasText: name });
    await expect(row).toContainText(clientId);
    await expect(row).not.toContainText('Never');
  });

  await test.step('deleting it asks first, then revokes the credentials', async () => {
    const row = page.getByRole('row').filter({ hasText: name });
    await row.getByRole('link', { name: 'Delete' }).click();
    await arrive(page, new RegExp(`/settings/applications/${UUID}/delete$`));
    await expect(page.getByRole('heading', { level: 1, name: `Delete application ${name}?` })).toBeVisible();
    await page.getByRole('button', { name: 'Delete application', exact: true }).click();
    await arrive(page, /\/settings\/applications$/);
    await expect(notice(page)).toHaveText(`Application ${name} deleted; its credentials no longer work.`);
    await expect(page.getByRole('row').filter({ hasText: name })).toHaveCount(0);
    const token = await request.post('/api/public/v1/applications/token', {
      data: { client_id: clientId, client_secret: clientSecret, grant_type: 'client_credentials' },
    });
    expect(token.status()).toBe(401);
  });
});

test('the API reference page loads without any download', async ({ page }) => {
  const outside: string[] = [];
  page.on('request', (r) => {
    const url = new URL(r.url());
    if (url.hostname !== '127.0.0.1') outside.push(r.url());
  });
  await page.goto('/api/public/docs/');
  // The reference is a JavaScript app: its content renders only with JavaScript on.
  if (jsEnabled()) {
    await expect(page.getByText('Meridian public API').first()).toBeVisible({ timeout: 20_000 });
    await expect(page.getByText('/regions/{regionId}/dataplanes').first()).toBeVisible();
  }
  expect(outside).toEqual([]);
});
