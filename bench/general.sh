#!/usr/bin/env bash
# Budgets of the foundation, measured on a release build:
#   1. the General page of an organization with 1,000 workspaces, rendered server-side:
#      median under 20 ms (sequential requests over loopback, signed in);
#   2. the hydrate bundle (wasm + js), gzipped: under 400 KB.
#
# Usage: bench/general.sh   (needs Postgres at DATABASE_URL's server; default 127.0.0.1:5432)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup
export PATH="$PWD/end2end/node_modules/.bin:$PATH"

SERVER="${BENCH_PG:-postgres://postgres@127.0.0.1:5432}"
DB=meridian_bench
ADDR=127.0.0.1:3200
PASSWORD="bench password 12345"
REQUESTS="${REQUESTS:-300}"

cargo leptos build --release >/dev/null

psql -q "$SERVER/postgres" -c "drop database if exists $DB" -c "create database $DB"
DATABASE_URL="$SERVER/$DB" MERIDIAN_LISTEN=$ADDR MERIDIAN_ADMIN_EMAIL=bench@example.com \
  MERIDIAN_ADMIN_PASSWORD="$PASSWORD" LEPTOS_SITE_ROOT=target/site MERIDIAN_LOG=warn \
  target/release/meridian &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf "http://$ADDR/healthz" >/dev/null && break; sleep 0.2; done

# 1,000 workspaces spread over 10 regions of the default organization.
psql -q "$SERVER/$DB" <<'SQL'
insert into regions (id, organization_id, name)
select gen_random_uuid(), '00000000-0000-0000-0000-000000000000', 'region-' || n from generate_series(1, 9) n;
insert into workspaces (id, organization_id, region_id, name)
select gen_random_uuid(), '00000000-0000-0000-0000-000000000000',
       (select id from regions order by name offset (n % 10) limit 1), 'workspace-' || lpad(n::text, 4, '0')
from generate_series(1, 999) n;
SQL

python3 bench/measure_page.py "http://$ADDR" bench@example.com "$PASSWORD" \
  "/orgs/00000000-0000-0000-0000-000000000000/settings/general" "$REQUESTS"

wasm=$(gzip -9 -c target/site/pkg/meridian.wasm | wc -c)
js=$(gzip -9 -c target/site/pkg/meridian.js | wc -c)
raw=$(( $(stat -c %s target/site/pkg/meridian.wasm) + $(stat -c %s target/site/pkg/meridian.js) ))
echo "hydrate bundle: wasm+js $((raw / 1024)) KB raw, $(((wasm + js) / 1024)) KB gzipped (wasm $((wasm / 1024)) KB, js $((js / 1024)) KB); budget 400 KB gzipped"
