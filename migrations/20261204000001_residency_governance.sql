-- Residency governance: where a region is, how a workspace's data is classified, whether it is
-- locked to its region, and each organization's residency policy. Only added columns with
-- defaults and a new table, so replicas still running the previous version keep working.

-- A region's place: cloud provider (free text), ISO 3166 location (`DE`, `US-CA`) and the
-- jurisdiction its data is under (`EU`, `US`): what residency policies are checked against.
alter table regions
    add column provider text,
    add column location text,
    add column jurisdiction text;

-- How a workspace's data is classified (`pii`, `phi`, ...) and whether it is locked to its
-- region (moving it needs an explicit unlock first).
alter table workspaces
    add column classifications text[] not null default '{}',
    add column locked boolean not null default false;

-- Where an organization's workspaces may live. No row means no restriction.
create table residency_policies (
    organization_id        uuid primary key references organizations (id) on delete cascade,
    -- Jurisdiction or country codes every workspace must be in; empty means anywhere.
    allowed_jurisdictions  text[] not null default '{}',
    -- Further limits per classification: [{"classification", "allowedJurisdictions": [...]}].
    rules                  jsonb not null default '[]',
    updated_at             timestamptz not null default now(),
    revision               integer not null default 1
);
