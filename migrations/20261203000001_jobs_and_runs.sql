-- Work in region: the control plane keeps orchestration metadata only. What a deployment holds
-- (code, configuration), the secrets a run gets, its output and its logs stay in the region's
-- data planes; here are names, versions, digests, schedules, states, times and sizes.

-- Deployments as the control plane knows them: reported by the region's data planes when code
-- is uploaded to them. Never the code itself.
create table deployments (
    workspace_id  uuid not null references workspaces (id) on delete cascade,
    name          text not null,
    version       integer not null check (version > 0),
    -- sha256:<hex> of what was uploaded.
    digest        text not null,
    size_bytes    bigint not null check (size_bytes >= 0),
    created_at    timestamptz not null,
    reported_at   timestamptz not null default now(),
    primary key (workspace_id, name, version)
);

create table jobs (
    id               uuid primary key,
    organization_id  uuid not null references organizations (id) on delete cascade,
    workspace_id     uuid not null references workspaces (id) on delete cascade,
    name             text not null,
    -- The deployment (by name) whose latest version a run executes.
    deployment       text not null,
    -- A five-field cron expression in UTC; null for jobs run by hand only.
    schedule         text,
    -- When the schedule next queues a run (null without a schedule).
    next_run_at      timestamptz,
    timeout_seconds  integer not null check (timeout_seconds between 1 and 86400),
    -- How many times a failed or lost run is tried again.
    retries          integer not null check (retries between 0 and 10),
    created_at       timestamptz not null default now(),
    updated_at       timestamptz not null default now(),
    revision         integer not null default 1
);
create unique index jobs_workspace_name_key on jobs (workspace_id, lower(name));
create index jobs_due on jobs (next_run_at) where next_run_at is not null;

create table runs (
    id                   uuid primary key,
    job_id               uuid not null references jobs (id) on delete cascade,
    workspace_id         uuid not null references workspaces (id) on delete cascade,
    organization_id      uuid not null references organizations (id) on delete cascade,
    -- The region whose data planes may take it: the workspace's, kept in step when the
    -- workspace moves while the run waits.
    region_id            uuid not null,
    status               text not null default 'queued'
                         check (status in ('queued', 'running', 'succeeded', 'failed', 'cancelled', 'lost')),
    trigger              text not null check (trigger in ('manual', 'schedule', 'retry')),
    attempt              integer not null default 1,
    retry_of             uuid references runs (id) on delete set null,
    data_plane_id        uuid references data_planes (id) on delete set null,
    deployment           text not null,
    deployment_version   integer,
    timeout_seconds      integer not null,
    exit_code            integer,
    output_bytes         bigint,
    reason               text,
    -- Who ran it by hand ("schedule" otherwise), for the runs list.
    requested_by         text not null default '',
    cancel_requested_at  timestamptz,
    -- Until when the data plane running it holds it; renewed while it runs.
    lease_until          timestamptz,
    -- When the data plane said it started the process (a claim whose answer was lost is put
    -- back in the queue rather than marked lost).
    acknowledged_at      timestamptz,
    queued_at            timestamptz not null default now(),
    started_at           timestamptz,
    ended_at             timestamptz
);
-- The queue of each region, oldest first.
create index runs_queue on runs (region_id, queued_at) where status = 'queued';
-- Leases to check for expiry.
create index runs_leases on runs (lease_until) where status = 'running';
-- What each data plane runs (draining, drained).
create index runs_running_on on runs (data_plane_id) where status = 'running';
create index runs_job on runs (job_id, queued_at desc);
create index runs_workspace on runs (workspace_id, queued_at desc);
create index runs_retry_of on runs (retry_of) where retry_of is not null;

-- A draining data plane finishes what it runs and takes nothing new.
alter table data_planes add column draining boolean not null default false;
