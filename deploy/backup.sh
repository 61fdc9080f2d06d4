#!/bin/sh
# One backup of the Dialogue Hub database, the newest BACKUP_KEEP kept (README: Backups).
#
#   BACKUP_DIR=/backups deploy/backup.sh            one dump now
#   BACKUP_DIR=/backups deploy/backup.sh --nightly  a dump every day at BACKUP_AT (UTC), forever
#
# The database: DATABASE_URL (postgres://user:password@host:port/name) if set, otherwise libpq's
# own variables (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE), as docker-compose.yml's
# `backup` service sets them.
#
# Each dump is pg_dump's custom format (-Fc: compressed; `pg_restore` reads it), named
# dialogue-YYYYMMDDTHHMMSSZ.dump (UTC). It is written under a temporary name, read back with
# `pg_restore --list`, and only then renamed: a file with the final name is always a whole dump.
# Then BACKUP_DIR/latest.json records it, {"time": "…Z", "file": "dialogue-….dump", "size": bytes}
# (the operators' status page reads it: DIALOGUE_HUB_BACKUP_DIR), and the oldest dumps beyond
# BACKUP_KEEP (default 14) are deleted. Any failure exits non-zero with a message on stderr and
# leaves the dumps and latest.json as they were.
set -eu

BACKUP_DIR="${BACKUP_DIR:?set BACKUP_DIR to the folder the dumps go to}"
BACKUP_KEEP="${BACKUP_KEEP:-14}"
BACKUP_AT="${BACKUP_AT:-03:00}"

fail() {
    echo "backup: $*" >&2
    exit 1
}

case "$BACKUP_KEEP" in
    '' | *[!0-9]*) fail "BACKUP_KEEP must be a whole number of dumps to keep, not '$BACKUP_KEEP'" ;;
esac
[ "$BACKUP_KEEP" -ge 1 ] || fail "BACKUP_KEEP must be at least 1"

backup_once() {
    umask 077 # the dumps hold personal data: readable by their owner only
    mkdir -p "$BACKUP_DIR" || fail "cannot create $BACKUP_DIR"
    # What a killed run left (a day old: never a dump another run is writing now).
    find "$BACKUP_DIR" -maxdepth 1 -name '.dialogue-*.dump.partial' -mmin +1440 -delete
    name="dialogue-$(date -u +%Y%m%dT%H%M%SZ).dump"
    final="$BACKUP_DIR/$name"
    partial="$BACKUP_DIR/.$name.partial"
    marker="$BACKUP_DIR/.latest.json.partial"
    trap 'rm -f "$partial" "$marker"' EXIT
    [ ! -e "$final" ] || fail "$final exists already (two backups within one second?)"

    if [ -n "${DATABASE_URL:-}" ]; then
        pg_dump --format=custom --no-password --file="$partial" --dbname="$DATABASE_URL" ||
            fail "pg_dump failed; no dump was written"
    else
        pg_dump --format=custom --no-password --file="$partial" ||
            fail "pg_dump failed; no dump was written"
    fi
    pg_restore --list "$partial" >/dev/null || fail "the dump does not read back; discarded"
    mv "$partial" "$final" || fail "cannot rename the dump to $final"

    size=$(wc -c <"$final" | tr -d ' ')
    finished=$(date -u +%Y-%m-%dT%H:%M:%SZ)
    printf '{"time": "%s", "file": "%s", "size": %s}\n' "$finished" "$name" "$size" >"$marker" &&
        chmod 644 "$marker" && # the status page (another user) reads it; the dumps stay private
        mv "$marker" "$BACKUP_DIR/latest.json" ||
        fail "wrote $final but could not record it in $BACKUP_DIR/latest.json"
    echo "backup: wrote $final ($size bytes)"

    # Keep the newest BACKUP_KEEP: the names sort by time.
    set -- "$BACKUP_DIR"/dialogue-*.dump
    excess=$(($# - BACKUP_KEEP))
    while [ "$excess" -gt 0 ]; do
        rm -f -- "$1" || fail "cannot delete $1"
        echo "backup: deleted $1 (keeping the newest $BACKUP_KEEP)"
        shift
        excess=$((excess - 1))
    done
}

seconds_until_next_run() {
    now=$(date -u +%s)
    next=$(date -u -d "today $BACKUP_AT" +%s) || fail "BACKUP_AT must be a time of day, HH:MM (UTC)"
    [ "$next" -gt "$now" ] || next=$(date -u -d "tomorrow $BACKUP_AT" +%s)
    echo $((next - now))
}

case "${1:-}" in
    "")
        backup_once
        ;;
    --nightly)
        seconds_until_next_run >/dev/null # a wrong BACKUP_AT stops here, not at night
        # `docker compose stop` sends SIGTERM to this shell (PID 1 in the container): end at once.
        sleeper=""
        trap '[ -z "$sleeper" ] || kill "$sleeper" 2>/dev/null; exit 0' TERM INT
        # Each backup is a run of this script of its own, so that its first failure stops it.
        # The first start makes one at once, so that there is a backup from day one.
        [ -e "$BACKUP_DIR/latest.json" ] || sh "$0" || echo "backup: failed; next try at $BACKUP_AT UTC" >&2
        while :; do
            delay=$(seconds_until_next_run)
            echo "backup: next at $BACKUP_AT UTC, in $delay seconds (keeping the newest $BACKUP_KEEP)"
            sleep "$delay" >/dev/null 2>&1 &
            sleeper=$!
            wait "$sleeper" # a signal interrupts `wait`, not a plain `sleep`
            sleeper=""
            # A failed night is reported here and in latest.json's age; the loop goes on.
            sh "$0" || echo "backup: failed; latest.json still names the last good one" >&2
        done
        ;;
    *)
        fail "usage: $0 [--nightly]"
        ;;
esac
