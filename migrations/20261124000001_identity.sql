-- Identity: per-workspace roles, single sign-on over OpenID Connect, and the identities users
-- sign in with.

-- Memberships get an id of their own so the public API can address them as permissions
-- (Airbyte's `permissionId`), like workspace permissions below.
alter table organization_members add column id uuid not null default gen_random_uuid();
create unique index organization_members_id_key on organization_members (id);

-- A member's role on one workspace. Organization admins are admins of every workspace and
-- need no row here; organization members without a row may only read.
create table workspace_permissions (
    id            uuid primary key,
    workspace_id  uuid not null references workspaces (id) on delete cascade,
    user_id       uuid not null references users (id) on delete cascade,
    role          text not null check (role in ('admin', 'editor', 'reader')),
    created_at    timestamptz not null default now(),
    unique (workspace_id, user_id)
);
-- "Which workspaces may this user change" (authorization, removing a member).
create index workspace_permissions_user_idx on workspace_permissions (user_id);

-- An organization's identity provider. The client secret is encrypted (AES-256-GCM, key from
-- configuration): the control plane needs it back to redeem codes, so a hash would not do.
create table sso_configurations (
    organization_id          uuid primary key references organizations (id) on delete cascade,
    issuer                   text not null,
    client_id                text not null,
    -- 12-byte nonce followed by the ciphertext and its tag.
    client_secret_encrypted  bytea not null,
    default_role             text not null check (default_role in ('admin', 'member')),
    require_sso              boolean not null default false,
    created_at               timestamptz not null default now(),
    updated_at               timestamptz not null default now(),
    revision                 integer not null default 1
);

-- The email domains an organization's SSO covers. A domain belongs to one organization, so an
-- email address always leads to one identity provider.
create table sso_domains (
    domain           text primary key check (domain = lower(domain)),
    organization_id  uuid not null references sso_configurations (organization_id) on delete cascade
);
create index sso_domains_organization_idx on sso_domains (organization_id);

-- Who a user is at an identity provider: the ID token's (iss, sub) pair, which unlike the
-- email address never changes.
create table user_identities (
    issuer      text not null,
    subject     text not null,
    user_id     uuid not null references users (id) on delete cascade,
    created_at  timestamptz not null default now(),
    primary key (issuer, subject)
);
create index user_identities_user_idx on user_identities (user_id);
