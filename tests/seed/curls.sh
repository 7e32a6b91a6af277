#!/usr/bin/env bash
# Runs the curl commands of the multi-region guide (the product document Meridian's public API
# follows) verbatim against a running Meridian. Only these are replaced, as a reader of the
# guide would: the host (https://example.com), the token ($TOKEN, YOUR_ACCESS_TOKEN) and the
# guide's {workspaceId}/{regionId} placeholders. The literal ids the guide uses must exist:
# the integration test `seed_curls` creates them first.
#
#   BASE=http://127.0.0.1:3000 TOKEN=... WORKSPACE_ID=... REGION_ID=... tests/seed/curls.sh
set -euo pipefail
: "${BASE:?}" "${TOKEN:?}" "${WORKSPACE_ID:?}" "${REGION_ID:?}"

failures=0
# run <expected status> <expected text in the body, or ''> <<'CURL' ... CURL
run() {
  local expected=$1 wanted=$2 command body status
  command=$(cat)
  command=${command//https:\/\/example.com/$BASE}
  command=${command//\$TOKEN/$TOKEN}
  command=${command//YOUR_ACCESS_TOKEN/$TOKEN}
  command=${command//\{workspaceId\}/$WORKSPACE_ID}
  command=${command//\{regionId\}/$REGION_ID}
  body=$(mktemp)
  status=$(eval "$command --silent --show-error --max-time 30 --output $body --write-out '%{http_code}'")
  local first_line=${command%%$'\n'*}
  if [ "$status" != "$expected" ] || { [ -n "$wanted" ] && ! grep -q -- "$wanted" "$body"; }; then
    echo "FAIL ($status, wanted $expected${wanted:+ with $wanted}): $first_line" >&2
    cat "$body" >&2; echo >&2
    failures=$((failures + 1))
  else
    echo "ok   $status  $first_line"
  fi
  rm -f "$body"
}

# 1. Create a region
run 200 '"name":"aws-us-east-1"' <<'CURL'
curl --request POST \
  --url https://example.com/api/public/v1/regions \
  --header 'authorization: Bearer $TOKEN' \
  --header 'content-type: application/json' \
  --data '{
  "name": "aws-us-east-1",
  "organizationId": "00000000-0000-0000-0000-000000000000",
  "enabled": true
}'
CURL

# 2. Create a data plane
run 200 '"clientSecret"' <<'CURL'
curl --request POST \
  --url https://example.com/api/public/v1/regions/116a49ab-b04a-49d6-8f9e-4d9d6a4189cc/dataplanes \
  --header 'authorization: Bearer $TOKEN' \
  --header 'content-type: application/json' \
  --data '{
  "name": "aws-us-west-3-dp-8",
  "enabled": true
}'
CURL

# Check which region your workspaces use
run 200 '"dataResidency":"auto"' <<'CURL'
curl -X GET "https://example.com/api/public/v1/workspaces/{workspaceId}" \
  -H "Authorization: Bearer YOUR_ACCESS_TOKEN" \
  -H "Content-Type: application/json"
CURL

# List all regions
run 200 '"data":\[' <<'CURL'
curl --request GET \
  --url 'https://example.com/api/public/v1/regions?organizationId=00000000-0000-0000-0000-000000000000' \
  --header 'authorization: Bearer $TOKEN' \
  --header 'content-type: application/json'
CURL

# Get a region
run 200 '"regionId":"96129828-e006-4fd6-820f-132dc00a10f2"' <<'CURL'
curl --request GET \
  --url https://example.com/api/public/v1/regions/96129828-e006-4fd6-820f-132dc00a10f2 \
  --header 'authorization: Bearer $TOKEN' \
  --header 'content-type: application/json'
CURL

# Update a region
run 200 '"name":"updated-region-name"' <<'CURL'
curl -X PATCH "https://example.com/api/public/v1/regions/{regionId}" \
  -H "Authorization: Bearer YOUR_ACCESS_TOKEN" \
  -H "Content-Type: application/json" \
  -d '{
    "name": "updated-region-name",
    "enabled": true
  }'
CURL

# Delete a region
run 204 '' <<'CURL'
curl --request DELETE \
  --url https://example.com/api/public/v1/regions/8fee0404-6d56-442a-bb54-e28edada1405 \
  --header 'authorization: Bearer $TOKEN' \
  --header 'content-type: application/json'
CURL

# List data planes
run 200 '"dataplaneId":"312b4641-2edc-4dc9-9933-41b759d3b2d8"' <<'CURL'
curl --request GET \
  --url https://example.com/api/public/v1/regions/116a49ab-b04a-49d6-8f9e-4d9d6a4189cc/dataplanes \
  --header 'authorization: Bearer $TOKEN'
CURL

# Get a data plane
run 200 '"health"' <<'CURL'
curl --request GET \
  --url https://example.com/api/public/v1/regions/116a49ab-b04a-49d6-8f9e-4d9d6a4189cc/dataplanes/312b4641-2edc-4dc9-9933-41b759d3b2d8 \
  --header 'authorization: Bearer $TOKEN'
CURL

# Delete a data plane
run 204 '' <<'CURL'
curl --request DELETE \
  --url https://example.com/api/public/v1/regions/116a49ab-b04a-49d6-8f9e-4d9d6a4189cc/dataplanes/f1482a93-4786-4662-800e-ff07363418b1 \
  --header 'authorization: Bearer $TOKEN'
CURL

if [ "$failures" -gt 0 ]; then
  echo "$failures of the guide's commands failed" >&2
  exit 1
fi
echo "all of the guide's commands work"
