-- Data planes report in: what each one last said (version, hostname), its recent heartbeats,
-- and secrets that can be rotated without downtime.

-- What the agent reported at its last initialize or heartbeat.
alter table data_planes add column version text;
alter table data_planes add column hostname text;

-- Heartbeat history for the dashboard's sparklines: kept 24 hours by a periodic pruning
-- task (the latest beat of each data plane is also in data_planes.last_heartbeat_at).
create table data_plane_heartbeats (
    data_plane_id  uuid not null references data_planes (id) on delete cascade,
    at             timestamptz not null default now(),
    version        text not null default '',
    hostname       text not null default ''
);
-- "Beats of these data planes since" (sparklines) and pruning by age.
create index data_plane_heartbeats_plane_at_idx on data_plane_heartbeats (data_plane_id, at);
create index data_plane_heartbeats_at_idx on data_plane_heartbeats (at);

-- A data plane keeps one client id; rotation adds a second secret under it, so several
-- credential rows may share a client id. The token exchange tries the live ones.
drop index data_plane_credentials_client_id_key;
create index data_plane_credentials_client_id_idx on data_plane_credentials (client_id)
    where revoked_at is null;
