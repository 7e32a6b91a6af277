-- Health alerts: organizations' webhook endpoints, the health each data plane and region was
-- last seen in (so each change is announced once, whichever replica notices it), and an
-- outbox of deliveries that survives restarts and is worked by every replica without doubles.

create table webhooks (
    id               uuid primary key,
    organization_id  uuid not null references organizations (id) on delete cascade,
    url              text not null,
    -- Which events it receives: `dataplane.health_changed`, `region.unhealthy`,
    -- `region.recovered`.
    events           text[] not null,
    -- The signing secret, encrypted with the instance's key (it must be used again to sign),
    -- and its last four characters to tell secrets apart.
    secret_sealed    bytea not null,
    secret_hint      text not null,
    created_at       timestamptz not null default now(),
    created_by       uuid
);
-- Listing an organization's endpoints; finding those an event goes to.
create index webhooks_organization_idx on webhooks (organization_id, created_at);

-- The health last announced for each data plane, and whether each region had a healthy data
-- plane. Rows are changed only by the watcher, under its advisory lock.
create table data_plane_health_states (
    data_plane_id  uuid primary key references data_planes (id) on delete cascade,
    state          text not null,
    changed_at     timestamptz not null default now()
);
create table region_health_states (
    region_id    uuid primary key references regions (id) on delete cascade,
    healthy      boolean not null,
    changed_at   timestamptz not null default now()
);

-- One event to one endpoint. `pending` until delivered, retried with backoff, `failed` when
-- it gave up. A replica working a delivery holds it until `leased_until`.
create table webhook_deliveries (
    id               uuid primary key,
    webhook_id       uuid not null references webhooks (id) on delete cascade,
    organization_id  uuid not null,
    event_id         uuid not null,
    event_type       text not null,
    payload          jsonb not null,
    status           text not null default 'pending' check (status in ('pending', 'delivered', 'failed')),
    attempts         integer not null default 0,
    next_attempt_at  timestamptz not null default now(),
    leased_until     timestamptz,
    last_status      integer,
    last_error       text,
    created_at       timestamptz not null default now(),
    delivered_at     timestamptz,
    -- An event reaches an endpoint once, whoever enqueues it.
    unique (webhook_id, event_id)
);
-- The workers' queue: what is due.
create index webhook_deliveries_due_idx on webhook_deliveries (next_attempt_at) where status = 'pending';
-- A webhook's recent deliveries, newest first.
create index webhook_deliveries_webhook_idx on webhook_deliveries (webhook_id, created_at desc);
