#!/usr/bin/env bash
# Back up a Shared Outcomes catalog: the PostgreSQL catalog first, then the data folder.
# Usage: deploy/backup.sh BACKUP_FOLDER   (with the service's environment: the catalog's address,
# its password in PGPASSWORD, and SHARED_OUTCOMES_DATA)
#
# Order matters: the files of every snapshot the dump names are already in the data folder
# when it is copied (DuckLake and the warehouse never change a file once written, and a load
# writes its files before it commits). Files newer than the dump are harmless extras.
set -euo pipefail
out=${1:?"name the folder to back up into"}
: "${SHARED_OUTCOMES_CATALOG:?set SHARED_OUTCOMES_CATALOG (the catalog address)}"
: "${SHARED_OUTCOMES_DATA:?set SHARED_OUTCOMES_DATA (the data folder)}"
mkdir -p "$out"
pg_dump --format=custom --file="$out/catalog.dump" "$SHARED_OUTCOMES_CATALOG"
tar --create --file="$out/data.tar" --directory="$SHARED_OUTCOMES_DATA" .
echo "backed up $(du -sh "$out" | cut -f1) into $out"
