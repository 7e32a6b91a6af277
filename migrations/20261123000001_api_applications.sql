-- The public REST API: applications (client credentials owned by a user), the keys that sign
-- its bearer tokens, and the key that hashes client secrets.

-- API client credentials owned by a user. A token exchanged with them acts with that user's
-- permissions. Only a keyed hash (HMAC-SHA-256) of the 256-bit random secret is kept.
create table api_applications (
    id            uuid primary key,
    user_id       uuid not null references users (id) on delete cascade,
    name          text not null,
    client_id     text not null,
    secret_hash   bytea not null,
    created_at    timestamptz not null default now(),
    -- The last token exchange, updated at most once a minute so exchanges stay read-only.
    last_used_at  timestamptz
);
-- The token exchange looks applications up by client id.
create unique index api_applications_client_id_key on api_applications (client_id);
-- Settings > Applications lists a user's applications; names are unique per user.
create unique index api_applications_user_name_key on api_applications (user_id, lower(name));

-- Ed25519 keys that sign API tokens. Kept here so every replica signs with the same key and
-- verifies every replica's tokens; tokens name their key (`kid`), so keys can be rotated.
create table token_signing_keys (
    kid          text primary key,
    private_key  bytea not null,
    public_key   bytea not null,
    created_at   timestamptz not null default now()
);

-- Instance-wide secret keys by purpose, created on first start and shared by replicas.
-- 'client-secret-hash' keys the HMAC that stores client secrets.
create table instance_keys (
    purpose     text primary key,
    key         bytea not null,
    created_at  timestamptz not null default now()
);

-- Data plane secrets are now stored the same way as application secrets (keyed hash, see
-- above) instead of plain SHA-256. Rows written before could never be exchanged (there was no
-- token endpoint yet), so they are left as they are.
comment on column data_plane_credentials.secret_hash is
    'HMAC-SHA-256 keyed by instance_keys(client-secret-hash) over client_id, 0x00, secret';
