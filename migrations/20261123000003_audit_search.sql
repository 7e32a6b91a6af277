-- The audit log shows an organization's members' sign-ins, which belong to no organization:
-- find them by actor without scanning the whole trail.
create index audit_events_actor_idx on audit_events (actor_user_id, occurred_at desc)
    where organization_id is null;
