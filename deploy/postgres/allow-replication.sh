#!/bin/sh
# Run once by the postgres image when it creates the primary's data directory
# (/docker-entrypoint-initdb.d): the streaming replica (docker-compose.yml, postgres-replica)
# takes its base backup and streams the WAL as the app's user, a superuser of this server.
# An existing data directory needs this line added to its pg_hba.conf by hand.
echo "host replication ${POSTGRES_USER} all scram-sha-256" >> "$PGDATA/pg_hba.conf"
