#!/bin/bash
# Stand-in for cht-couchdb's entrypoint (medic/cht-core couchdb/docker-entrypoint.sh, single
# node): on the first start it writes the admin (COUCHDB_USER = COUCHDB_PASSWORD), the
# cookie secret (COUCHDB_SECRET, else a random one) and the server uuid (COUCHDB_UUID, else a
# random one) into /opt/couchdb/etc/local.d/cluster-credentials.ini (the cht-credentials
# volume) and never replaces an admin that is there already; then runs CouchDB as couchdb.
set -e
CLUSTER_CREDENTIALS="/opt/couchdb/etc/local.d/cluster-credentials.ini"
mkdir -p /opt/couchdb/etc/local.d /opt/couchdb/data
touch "$CLUSTER_CREDENTIALS"
if ! grep -q '^\s*\[\s*couch_httpd_auth\s*\]' "$CLUSTER_CREDENTIALS"; then
  printf '\n[couch_httpd_auth]\nsecret = %s\n' "${COUCHDB_SECRET:-$(cat /proc/sys/kernel/random/uuid)}" >>"$CLUSTER_CREDENTIALS"
fi
if ! grep -q '^\s*\[\s*couchdb\s*\]' "$CLUSTER_CREDENTIALS"; then
  printf '\n[couchdb]\nuuid = %s\n' "${COUCHDB_UUID:-$(cat /proc/sys/kernel/random/uuid)}" >>"$CLUSTER_CREDENTIALS"
fi
if [ "$COUCHDB_USER" ] && [ "$COUCHDB_PASSWORD" ]; then
  if ! grep -q '^\s*\[\s*admins\s*\]\s*$' "$CLUSTER_CREDENTIALS"; then
    printf '\n[admins]\n' >>"$CLUSTER_CREDENTIALS"
  fi
  if ! sed -n '/^\s*\[\s*admins\s*\]\s*$/,/^\s*\[/p' "$CLUSTER_CREDENTIALS" | grep -q "^\s*${COUCHDB_USER}\s*="; then
    ADMIN_CREDS_LINE="$(printf '%s = %s' "$COUCHDB_USER" "$COUCHDB_PASSWORD")"
    export ADMIN_CREDS_LINE
    awk '/^\s*\[\s*admins\s*\]\s*$/{print; print ENVIRON["ADMIN_CREDS_LINE"]; next}1' \
      "$CLUSTER_CREDENTIALS" >"${CLUSTER_CREDENTIALS}.tmp" && cp "${CLUSTER_CREDENTIALS}.tmp" "$CLUSTER_CREDENTIALS" \
      && rm "${CLUSTER_CREDENTIALS}.tmp"
  fi
fi
exec "$@"
