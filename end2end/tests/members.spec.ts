// Settings > Members: people join by invitation. An admin invites a new person, issues them a
// one-time sign-up link (the admin here is an operator), and the person signs up through it and
// lands in the organization; the admin promotes them, then removes them, which ends their
// session; invited again, the person, who now has an account, signs in and accepts.
import { test, expect, UUID, arrive, jsEnabled, joinThroughInvitation, notice, settings, signIn, submitSignIn, visit } from './helpers';

test('a person joins by invitation, is promoted, removed, and accepts a new invitation', async ({ page, browser }, info) => {
  const email = `member-${info.project.name.replace(/[^a-z]/g, '')}-${Math.random().toString(36).slice(2, 7)}@example.com`;
  const password = 'a long enough password';
  await signIn(page);
  await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Members', exact: true }).click();
  await arrive(page, /\/settings\/members$/);

  const field = page.getByLabel('Email', { exact: true });
  if (jsEnabled()) {
    // Without JavaScript the browser's own check of type="email" stops the form first.
    await field.fill('not-an-email');
    await page.getByRole('button', { name: 'Invite', exact: true }).click();
    await expect(field).toHaveAttribute('aria-invalid', 'true');
  }

  const member = await joinThroughInvitation(page, browser, email, password);
  await expect(member.getByRole('banner')).toContainText(email);
  // Joined: no longer invited, listed as a member.
  await visit(page, settings('members'));
  await expect(page.getByRole('region', { name: 'Invitations' }).getByRole('row').filter({ hasText: email })).toHaveCount(0);
  const row = page.getByRole('region', { name: 'Members' }).getByRole('row').filter({ hasText: email });
  await expect(row).not.toContainText('Never');

  await row.getByRole('button', { name: 'Make admin', exact: true }).click();
  await arrive(page, /\/settings\/members$/);
  await expect(notice(page)).toHaveText(`${email} is now admin.`);

  await page.getByRole('row').filter({ hasText: email }).getByRole('link', { name: 'Remove' }).click();
  await arrive(page, new RegExp(`/settings/members/${UUID}/remove$`));
  await page.getByRole('button', { name: 'Remove member', exact: true }).click();
  await arrive(page, /\/settings\/members$/);
  await expect(notice(page)).toHaveText(`${email} removed from the organization.`);
  await expect(page.getByRole('region', { name: 'Members' }).getByRole('row').filter({ hasText: email })).toHaveCount(0);

  // Removal signed them out everywhere.
  await member.goto(settings('general'));
  await arrive(member, /\/login\?next=/);

  // Invited again: with an account, they sign in, see the invitation and accept it.
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByRole('button', { name: 'Invite', exact: true }).click();
  await arrive(page, /\/settings\/members$/);
  await expect(page.getByRole('region', { name: 'Invitations' }).getByRole('row').filter({ hasText: email })).toContainText('Pending');

  await submitSignIn(member, email, password);
  await arrive(member, /\/invitations$/);
  const invitation = member.getByRole('row').filter({ hasText: 'Default Organization' });
  await invitation.getByRole('button', { name: 'Accept', exact: true }).click();
  await arrive(member, /\/settings\/general$/);
  await expect(notice(member)).toHaveText('Welcome to Default Organization: you are a member here.');
  await member.context().close();
});
