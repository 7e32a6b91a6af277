-- A data plane's own store: what stays in the region. Every data plane of a region points at
-- the same database (DATAPLANE_DATABASE_URL) or, alone, at a private embedded one. The control
-- plane never sees this database.

-- Workspace secrets, write-only for people: values are handed only to work that runs in the
-- region. Encrypted with AES-256-GCM under the data plane key (DATAPLANE_ENCRYPTION_KEY, the
-- same on every data plane of the region); the workspace and the name are its associated data,
-- so a value copied to another row does not open there.
create table workspace_secrets (
    workspace_id     uuid not null,
    name             text not null,
    -- 12-byte nonce, then the ciphertext and its tag.
    value_encrypted  bytea not null,
    created_at       timestamptz not null default now(),
    updated_at       timestamptz not null default now(),
    primary key (workspace_id, name)
);

-- Workspace configuration: plain values people may read back.
create table workspace_config (
    workspace_id  uuid not null,
    key           text not null,
    value         text not null,
    updated_at    timestamptz not null default now(),
    primary key (workspace_id, key)
);

-- The control plane's public signing keys, last fetched from its JWKS: kept so that a data
-- plane restarted while the control plane is down still verifies the tokens clients bring.
create table control_plane_keys (
    kid         text primary key,
    public_key  bytea not null,
    fetched_at  timestamptz not null default now()
);

-- Which region this store holds: recorded by the first data plane that registers, and checked
-- by every later one, so a data plane pointed at another region's database refuses to serve.
create table store_region (
    only_row   boolean primary key default true check (only_row),
    region_id  uuid not null
);
