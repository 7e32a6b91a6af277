// Work in region: code uploaded straight to the region's data plane (the real
// meridian-dataplane binary with its own embedded store), a job created and run from the
// dashboard, and the run's log read in the page from the data plane, never through the control
// plane. The same works with JavaScript off (the log frame streams without it).
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, expect, UUID, arrive, chooseRegion, jsEnabled, notice, openSettings, signIn, unique, visit, startAgent } from './helpers';

test('a job is created, run in its region, and its log read from the data plane', async ({ page, baseURL }, info) => {
  test.setTimeout(150_000);
  const region = unique(info, 'eu-work');
  const workspace = unique(info, 'Reporting');
  const job = unique(info, 'nightly');
  // One port per project, so a data plane of the other project never answers here.
  const port = jsEnabled() ? 4112 : 4113;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'meridian-e2e-work-'));
  let agent: ChildProcess | undefined;
  try {
    await signIn(page);
    await openSettings(page, 'Regions');
    await page.getByLabel('Region name', { exact: true }).fill(region);
    await page.getByRole('button', { name: 'Create region', exact: true }).click();
    await arrive(page, new RegExp(`/settings/regions/${UUID}$`));
    const regionPath = new URL(page.url()).pathname;
    await page.getByLabel('Data plane name', { exact: true }).fill('dp-1');
    await page.getByRole('button', { name: 'Create data plane', exact: true }).click();
    await arrive(page, /\/credentials$/);
    const clientId = (await page.locator('#client-id').textContent()) ?? '';
    const clientSecret = (await page.locator('#client-secret').textContent()) ?? '';
    agent = startAgent(baseURL, clientId, clientSecret, { DATAPLANE_LISTEN: `127.0.0.1:${port}`, DATAPLANE_DATA_DIR: dataDir });
    await visit(page, regionPath);

    await openSettings(page, 'Workspaces');
    await page.getByLabel('Workspace name', { exact: true }).fill(workspace);
    await chooseRegion(page, region);
    await page.getByRole('button', { name: 'Create workspace', exact: true }).click();
    await expect(page).toHaveURL(/\/settings\/workspaces$/);
    await page.getByRole('link', { name: workspace, exact: true }).click();
    await arrive(page, new RegExp(`/settings/workspaces/${UUID}$`));
    const workspaceId = new URL(page.url()).pathname.split('/').pop() ?? '';
    const org = new URL(page.url()).pathname.split('/')[2];

    // Code goes straight to the region: a scoped token from the control plane, then the data
    // plane's own API (as `meridian deploy` does).
    let token = '';
    await expect(async () => {
      const grant = await page.request.post(`${baseURL}/api/workspaces/scoped-token`, {
        form: { organization_id: org, workspace_id: workspaceId },
      });
      expect(grant.ok()).toBeTruthy();
      const body = await grant.json();
      expect(body.dataplane_urls).toContain(`http://127.0.0.1:${port}`);
      token = body.token;
    }).toPass({ timeout: 60_000 });
    const uploaded = await page.request.put(`http://127.0.0.1:${port}/v1/workspaces/${workspaceId}/deployments/report`, {
      headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' },
      data: '#!/bin/sh\necho "hello from the region, run $MERIDIAN_JOB_NAME"\nsleep 1\necho "done"\n',
    });
    expect(uploaded.status()).toBe(201);

    // A job, from the workspace's Jobs page.
    await page.getByRole('link', { name: 'Jobs and runs', exact: true }).click();
    await arrive(page, /\/jobs$/);
    await expect(page.getByText('No jobs yet')).toBeVisible();
    // A bad schedule is refused beside its field and nothing is created.
    await page.getByLabel('Name', { exact: true }).fill(job);
    await page.getByLabel('Deployment', { exact: true }).fill('report');
    await page.getByLabel('Schedule (optional)', { exact: true }).fill('every day');
    await page.getByRole('button', { name: 'Create job', exact: true }).click();
    await expect(page.locator('#new-job-schedule-error')).toContainText('five fields');
    await expect(page.getByLabel('Name', { exact: true })).toHaveValue(job);
    await page.getByLabel('Schedule (optional)', { exact: true }).fill('');
    await page.getByRole('button', { name: 'Create job', exact: true }).click();
    await arrive(page, new RegExp(`/jobs/${UUID}$`));
    await expect(notice(page)).toHaveText(`Job ${job} created.`);
    await expect(page.getByText('report version 1')).toBeVisible();

    // Run it now: the run's page, live with JavaScript, a reload without.
    await page.getByRole('button', { name: 'Run now', exact: true }).click();
    await arrive(page, new RegExp(`/runs/${UUID}$`));
    const runPath = new URL(page.url()).pathname;
    await expect(notice(page)).toContainText(`Run of ${job} queued.`);
    const facts = page.locator('#run-facts');
    if (jsEnabled()) {
      await expect(facts).toContainText('Succeeded', { timeout: 30_000 });
    } else {
      await expect(async () => {
        await visit(page, runPath);
        await expect(facts).toContainText('Succeeded', { timeout: 1_000 });
      }).toPass({ timeout: 30_000 });
    }
    await expect(facts).toContainText('dp-1');
    await expect(facts).toContainText('report version 1');
    // The log, framed from the data plane: the page around it never holds a line.
    await visit(page, runPath);
    const log = page.frameLocator('iframe.run-log');
    await expect(log.locator('pre')).toContainText(`hello from the region, run ${job}`);
    await expect(log.locator('pre')).toContainText('done');
    await expect(log.getByText('Run succeeded: exit code 0.')).toBeVisible();
    await expect(page.locator('main')).not.toContainText('hello from the region');

    // The job's page lists the run.
    await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: job, exact: true }).click();
    await expect(page.locator('#runs')).toContainText('Succeeded');
    await expect(page.locator('#runs')).toContainText('dp-1');
  } finally {
    agent?.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
