#!/usr/bin/env bash
# Restore a backup made by deploy/backup.sh into an EMPTY catalog database and data folder.
# Usage: deploy/restore.sh BACKUP_FOLDER   (with the service's environment, as for backup.sh)
# Stop every app server and ingest worker first; start them again afterwards.
set -euo pipefail
from=${1:?"name the folder the backup is in"}
: "${SHARED_OUTCOMES_CATALOG:?set SHARED_OUTCOMES_CATALOG (the catalog address)}"
: "${SHARED_OUTCOMES_DATA:?set SHARED_OUTCOMES_DATA (the data folder)}"
if [ -d "$SHARED_OUTCOMES_DATA" ] && [ -n "$(ls -A "$SHARED_OUTCOMES_DATA")" ]; then
  echo "restore: $SHARED_OUTCOMES_DATA is not empty; restore only into an empty folder" >&2
  exit 2
fi
mkdir -p "$SHARED_OUTCOMES_DATA"
pg_restore --exit-on-error --no-owner --dbname="$SHARED_OUTCOMES_CATALOG" "$from/catalog.dump"
tar --extract --file="$from/data.tar" --directory="$SHARED_OUTCOMES_DATA"
echo "restored $from into $SHARED_OUTCOMES_CATALOG and $SHARED_OUTCOMES_DATA"
