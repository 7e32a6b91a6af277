-- Production operations: the audit trail read at scale, and how long each organization keeps it.

-- Pages of an organization's trail are read newest first with the id as tie-break: one index
-- gives that order outright, so a page reads its rows and stops, at any size of the trail.
-- Building it holds up audit writes for as long as it takes; on a large trail, build it first
-- by hand with `create index concurrently` under the same name (see the README's upgrade notes)
-- and this finds it there. Not concurrently here: replicas starting together would deadlock,
-- one migrating while the other waits for the migration lock.
create index if not exists audit_events_organization_order_idx
    on audit_events (organization_id, occurred_at desc, id desc);
drop index if exists audit_events_organization_time_idx;
-- Events of no organization (sign-ins) shown to an organization are merged in the same order.
create index if not exists audit_events_unowned_order_idx
    on audit_events (occurred_at desc, id desc) where organization_id is null;

-- How many days an organization keeps its audit events; null keeps them forever.
alter table organizations add column audit_retention_days integer
    constraint organizations_audit_retention_days_check
        check (audit_retention_days is null or audit_retention_days between 30 and 36500);

-- Retention is the one way events leave the trail: a transaction that set
-- `meridian.audit_retention` to on may delete; every other update or delete is refused.
create or replace function audit_events_append_only() returns trigger language plpgsql as $$
begin
    if tg_op = 'DELETE' and current_setting('meridian.audit_retention', true) = 'on' then
        return old;
    end if;
    raise exception 'audit events are append-only';
end;
$$;

-- An organization's own bucket for its audit trail (S3 or S3-compatible), and where delivery
-- stands. The secret access key is sealed with the instance's encryption key.
create table audit_buckets (
    organization_id    uuid primary key references organizations (id) on delete cascade,
    endpoint           text not null,
    region             text not null,
    bucket             text not null,
    prefix             text not null default '',
    access_key_id      text not null,
    secret_sealed      bytea not null,
    secret_hint        text not null,
    -- The number the next batch gets: objects are named by it, so a retried upload of the same
    -- batch writes the same object.
    next_sequence      bigint not null default 1,
    delivered_batches  bigint not null default 0,
    last_delivered_at  timestamptz,
    last_object        text,
    attempts           integer not null default 0,
    last_error         text,
    next_attempt_at    timestamptz not null default now(),
    created_at         timestamptz not null default now(),
    updated_at         timestamptz not null default now()
);

-- The outbox: events recorded while an organization has a bucket, until they are in it. Filled
-- by a trigger in the transaction that records the event, so none is missed and none is sent
-- for a change that rolled back. `batch` is set when an event is put in a batch (whose number
-- it is) and stays while that batch is retried.
create table audit_outbox (
    event_id         uuid primary key,
    organization_id  uuid not null references audit_buckets (organization_id) on delete cascade,
    occurred_at      timestamptz not null,
    batch            bigint
);
create index audit_outbox_order_idx on audit_outbox (organization_id, batch, occurred_at, event_id);

create function audit_events_to_outbox() returns trigger language plpgsql as $$
begin
    insert into audit_outbox (event_id, organization_id, occurred_at)
    select new.id, b.organization_id, new.occurred_at
    from audit_buckets b where b.organization_id = new.organization_id;
    return null;
end;
$$;
create trigger audit_events_to_outbox
    after insert on audit_events
    for each row when (new.organization_id is not null)
    execute function audit_events_to_outbox();

-- When each periodic job last ran, instance-wide: a replica runs a job only when its period has
-- passed since any replica last did, so the work happens once per period, not once per replica.
create table periodic_runs (
    job     text primary key,
    ran_at  timestamptz not null
);

-- "Which events name this object" and "what did this person do": both filters match part of
-- a text. Matching the part against millions of events would read them all (or, by trigrams,
-- every event sharing the text's common letters), so the distinct object names and actors each
-- organization's trail holds are kept apart: a few thousand, matched in a millisecond or two,
-- then the events of those exact values are read in order down the indexes below. Sign-ins (no
-- organization) keep theirs under a null organization, looked up by the members' addresses.
create table audit_object_names (
    organization_id  uuid,
    object_name      text not null check (object_name <> '')
);
create unique index audit_object_names_key
    on audit_object_names (organization_id, object_name) nulls not distinct;
create index audit_object_names_unowned_idx
    on audit_object_names (lower(object_name)) where organization_id is null;
insert into audit_object_names (organization_id, object_name)
select distinct organization_id, object_name from audit_events where object_name <> ''
on conflict do nothing;

create table audit_actors (
    organization_id  uuid,
    actor            text not null check (actor <> '')
);
create unique index audit_actors_key
    on audit_actors (organization_id, actor) nulls not distinct;
create index audit_actors_unowned_idx
    on audit_actors (lower(actor)) where organization_id is null;
insert into audit_actors (organization_id, actor)
select distinct organization_id, actor from audit_events where actor <> ''
on conflict do nothing;

create function audit_events_to_lookups() returns trigger language plpgsql as $$
begin
    if new.object_name <> '' then
        insert into audit_object_names (organization_id, object_name)
        values (new.organization_id, new.object_name)
        on conflict do nothing;
    end if;
    if new.actor <> '' then
        insert into audit_actors (organization_id, actor)
        values (new.organization_id, new.actor)
        on conflict do nothing;
    end if;
    return null;
end;
$$;
create trigger audit_events_to_lookups
    after insert on audit_events
    for each row execute function audit_events_to_lookups();

-- An object's, and an actor's, events newest first, for each of the values matched above (see
-- the note on building indexes on a large trail at the top).
create index if not exists audit_events_object_name_order_idx
    on audit_events (organization_id, object_name, occurred_at desc, id desc);
create index if not exists audit_events_actor_order_idx
    on audit_events (organization_id, actor, occurred_at desc, id desc);
