-- A data plane may hold two live secrets while rotating: the last four characters of each
-- (shown with the client id) tell them apart. Null for secrets issued before this.
alter table data_plane_credentials add column secret_hint text;
