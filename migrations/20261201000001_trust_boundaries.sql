-- Trust boundaries between organizations: invitations instead of silent membership, email
-- domains proven in DNS before an identity provider may speak for them, sessions and tokens
-- that end with the account's credentials, applications scoped to one organization, a
-- membership history that bounds what an organization's trail shows of a person, and abuse
-- counters every replica shares.

-- Bumped whenever everything a user is signed in with must stop at once (a new password,
-- removal from an organization, "sign out everywhere"): sessions and API tokens carry the
-- value they were issued under and stop working when it no longer matches.
alter table users add column credentials_epoch integer not null default 0;

-- An invitation to join an organization, addressed to an email address. Until the person
-- accepts it (signed in by a method they already control) they are not a member, hold no role
-- and are counted nowhere.
create table invitations (
    id               uuid primary key,
    organization_id  uuid not null references organizations (id) on delete cascade,
    email            text not null check (email = lower(email)),
    role             text not null check (role in ('admin', 'member')),
    invited_by       uuid references users (id) on delete set null,
    created_at       timestamptz not null default now(),
    expires_at       timestamptz not null,
    -- A one-time sign-up link an operator issued for a person without an account: only a
    -- keyed hash of its token.
    link_hash        bytea,
    accepted_at      timestamptz,
    accepted_by      uuid references users (id) on delete set null,
    revoked_at       timestamptz
);
-- One open invitation per address and organization; also "who is invited here".
create unique index invitations_open_key on invitations (organization_id, email)
    where accepted_at is null and revoked_at is null;
-- "What waits for me" after sign-in.
create index invitations_email_idx on invitations (email)
    where accepted_at is null and revoked_at is null;
create unique index invitations_link_key on invitations (link_hash) where link_hash is not null;

-- The token an organization publishes in DNS to prove it controls a domain.
alter table organizations add column domain_token text not null
    default replace(gen_random_uuid()::text, '-', '');

-- Email domains an organization's single sign-on claims. A claim counts once proven by a TXT
-- record at _meridian-challenge.<domain> holding the organization's token, and a proven
-- domain belongs to one organization. Claims made before proofs existed must be proven again.
create table organization_domains (
    organization_id  uuid not null references organizations (id) on delete cascade,
    domain           text not null check (domain = lower(domain)),
    created_at       timestamptz not null default now(),
    verified_at      timestamptz,
    checked_at       timestamptz,
    primary key (organization_id, domain)
);
create unique index organization_domains_verified_key on organization_domains (domain)
    where verified_at is not null;
insert into organization_domains (organization_id, domain)
    select organization_id, domain from sso_domains;
drop table sso_domains;

-- Accounts a provider created itself (just in time) are accounts it may always speak for.
alter table user_identities add column created_user boolean not null default false;

-- When each person belonged to each organization, kept after they leave: an organization's
-- trail shows a person's sign-ins only from while they were its member.
create table membership_periods (
    organization_id  uuid not null references organizations (id) on delete cascade,
    user_id          uuid not null references users (id) on delete cascade,
    joined_at        timestamptz not null default now(),
    left_at          timestamptz
);
create index membership_periods_member_idx on membership_periods (user_id, organization_id);
insert into membership_periods (organization_id, user_id, joined_at)
    select organization_id, user_id, created_at from organization_members;

-- An application acts in the one organization it was created for: its tokens reach no other.
alter table api_applications add column organization_id uuid references organizations (id) on delete cascade;
update api_applications a set organization_id = coalesce(
    (select e.organization_id from audit_events e
      where e.object_id = a.id and e.action = 'application.create' and e.organization_id is not null
      limit 1),
    (select m.organization_id from organization_members m
      where m.user_id = a.user_id order by m.created_at limit 1),
    (select id from organizations order by created_at limit 1));
delete from api_applications where organization_id is null;
alter table api_applications alter column organization_id set not null;
drop index api_applications_user_name_key;
create unique index api_applications_user_name_key
    on api_applications (organization_id, user_id, lower(name));

-- Abuse counters (sign-in attempts, SSO starts and callbacks, token exchanges) per key and
-- fixed window, shared by every replica. Unlogged: losing them in a crash only resets limits.
create unlogged table rate_limits (
    key           text primary key,
    window_start  timestamptz not null,
    hits          integer not null
);
create index rate_limits_window_idx on rate_limits (window_start);

-- Failed sign-ins for addresses without an account, counted per address and hour instead of
-- one audit event each (a flood would otherwise fill the trail); the first of each hour is
-- recorded at once and a summary when the hour is over.
create table sign_in_failures (
    email           text not null,
    window_start    timestamptz not null,
    failures        integer not null,
    last_source_ip  text,
    primary key (email, window_start)
);
