-- What a region's work needs and leaves behind, kept in the region only: deployed code, and
-- the logs and output files of runs. (Named apart from the control plane's tables: a test
-- database may hold both schemas.) The control plane learns a deployment's name, version and
-- digest, and a run's outcome and output size; never their content.

create table deployment_packages (
    workspace_id  uuid not null,
    name          text not null,
    version       integer not null check (version > 0),
    -- 'script': one executable file whose #! line picks the interpreter; 'archive': a gzipped
    -- tar holding meridian.json, which names the command.
    kind          text not null check (kind in ('script', 'archive')),
    -- The command a run executes, relative to the unpacked deployment.
    command       text[] not null,
    digest        text not null,
    size_bytes    bigint not null,
    content       bytea not null,
    created_by    text not null default '',
    created_at    timestamptz not null default now(),
    -- When the control plane was told (null until one data plane of the region has told it).
    reported_at   timestamptz,
    primary key (workspace_id, name, version)
);
create index deployment_packages_unreported on deployment_packages (created_at) where reported_at is null;

-- Runs executed in this region, as far as their logs and output are concerned.
create table run_records (
    id            uuid primary key,
    workspace_id  uuid not null,
    job_id        uuid not null,
    job_name      text not null default '',
    status        text not null default 'running',
    exit_code     integer,
    log_bytes     bigint not null default 0,
    output_bytes  bigint not null default 0,
    started_at    timestamptz not null default now(),
    ended_at      timestamptz
);

-- stdout and stderr, in the order they were read, a chunk per row.
create table run_logs (
    run_id  uuid not null references run_records (id) on delete cascade,
    seq     bigint generated always as identity,
    stream  text not null check (stream in ('stdout', 'stderr', 'meridian')),
    at      timestamptz not null default now(),
    data    bytea not null,
    primary key (run_id, seq)
);

-- Files a run left in its output directory ($MERIDIAN_OUTPUT_DIR).
create table run_outputs (
    run_id      uuid not null references run_records (id) on delete cascade,
    path        text not null,
    size_bytes  bigint not null,
    content     bytea not null,
    primary key (run_id, path)
);
