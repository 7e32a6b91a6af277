-- Managed regions: regions the instance's operators run for every organization (owned by the
-- default organization, where the instance admins are), beside each organization's own
-- self-managed regions. One managed region may be where new workspaces go by default.

alter table regions
    add column managed boolean not null default false,
    add column default_for_new_workspaces boolean not null default false,
    add constraint regions_default_is_managed check (not default_for_new_workspaces or managed);
-- At most one default.
create unique index regions_one_default_key on regions ((true)) where default_for_new_workspaces;
-- Every organization's region list reads the managed ones too.
create index regions_managed_idx on regions (lower(name), id) where managed;

-- A workspace now lives in a region of its organization or in a managed one: the foreign key
-- names the region alone, and a trigger keeps the rest of the old guarantee (no workspace in
-- another organization's own region), whatever writes the row.
alter table workspaces drop constraint workspaces_region_fkey;
alter table workspaces add constraint workspaces_region_fkey
    foreign key (region_id) references regions (id) on delete restrict;

create function workspaces_region_reachable() returns trigger language plpgsql as $$
begin
    if not exists (
        select 1 from regions r
        where r.id = new.region_id and (r.organization_id = new.organization_id or r.managed)
    ) then
        raise exception 'region % is not one of organization %''s regions', new.region_id, new.organization_id
            using errcode = '23514', constraint = 'workspaces_region_reachable';
    end if;
    return new;
end
$$;
create trigger workspaces_region_reachable before insert or update of region_id, organization_id
    on workspaces for each row execute function workspaces_region_reachable();
