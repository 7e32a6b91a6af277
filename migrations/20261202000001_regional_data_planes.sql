-- Regional data planes: where clients reach each data plane's regional API, and signing keys
-- that can be rotated while the tokens they signed are still in use.

-- The URL clients reach the data plane's regional API at, as its agent reports it (null until
-- an agent that serves one reports in). Scoped tokens list the enabled ones of a region.
alter table data_planes add column url text;

-- A rotated key signs nothing new but stays published (JWKS) and accepted until every token
-- it signed has expired.
alter table token_signing_keys add column retired_at timestamptz;
