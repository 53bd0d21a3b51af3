#!/usr/bin/env bash
# watch.sh: the event-driven pipeline. Watches a landing folder and runs cbh_ingest (through the duckdb CLI) on
# every billing file that lands there (CSV, gzip, zstd, Parquet, manifests; ZIP to be told why not), logging one
# [WATCHER] line per file with its status.
#
#   scripts/watch.sh [LANDING_DIR] [WAREHOUSE]        (defaults: data/landing_zone, data/demo.duckdb)
#
# Environment: DUCKDB (the CLI, default: duckdb on PATH, else this repository's .venv/bin/duckdb), CBH_EXTENSION
# (default build/release/cbh.duckdb_extension), CBH_POLL (seconds between scans when inotifywait is absent,
# default 1), CBH_LOCK_RETRIES (default 120), CBH_ONCE=1 (ingest what is there and exit).
#
# Files that land together (in the same scan) go to one cbh_ingest call, so the parts of a split CUR delivery
# form one delivery. A file still being written is picked up once its size stops changing between two scans.
# Re-dropping an unchanged file is cheap: cbh finds its path, size and modification time in the ledger and
# skips it without reading it. When another process holds the warehouse, the call is retried.
set -u

LANDING=${1:-data/landing_zone}
WAREHOUSE=${2:-data/demo.duckdb}
REPO=$(cd "$(dirname "$0")/.." && pwd)
DUCKDB=${DUCKDB:-$(command -v duckdb || echo "$REPO/.venv/bin/duckdb")}
EXT=${CBH_EXTENSION:-$REPO/build/release/cbh.duckdb_extension}
POLL=${CBH_POLL:-1}
RETRIES=${CBH_LOCK_RETRIES:-120}

log() { printf '%s [WATCHER] %s\n' "$(date -u +%H:%M:%S)" "$*"; }

mkdir -p "$LANDING" "$(dirname "$WAREHOUSE")"
[ -f "$EXT" ] || { log "no extension at $EXT: run make first"; exit 1; }
command -v "$DUCKDB" >/dev/null || { log "no duckdb CLI ($DUCKDB): pip install duckdb-cli, or set DUCKDB"; exit 1; }

sql_string() { printf "'%s'" "${1//\'/\'\'}"; }

# Ingests the files given as arguments in one call; retries while the warehouse is locked.
ingest() {
    local list="" f out rc attempt start
    for f in "$@"; do list+="${list:+, }$(sql_string "$f")"; done
    local sql="LOAD $(sql_string "$EXT");
SELECT file || ': ' || status
       || coalesce(' format=' || format, '')
       || coalesce(' period=' || strftime(billing_period, '%Y-%m'), '')
       || coalesce(' rows=' || rows::VARCHAR, '')
       || coalesce(' error=' || error, '')
       || ' ({secs})'
FROM cbh_ingest([$list]);"
    for ((attempt = 1; attempt <= RETRIES; attempt++)); do
        start=$(date +%s.%N)
        out=$("$DUCKDB" -unsigned -list -noheader "$WAREHOUSE" -c "$sql" 2>&1)
        rc=$?
        if [ $rc -eq 0 ]; then
            local secs
            secs=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.2fs", e - s }')
            while IFS= read -r line; do [ -n "$line" ] && log "${line//\{secs\}/$secs}"; done <<<"$out"
            return 0
        fi
        case "$out" in
            *"Could not set lock"*|*"Conflicting lock"*)
                [ "$attempt" -eq 1 ] && log "warehouse $WAREHOUSE is locked by another process; retrying"
                sleep 1 ;;
            *) log "cbh_ingest failed: ${out//$'\n'/ }"; return 1 ;;
        esac
    done
    log "gave up after $RETRIES attempts: the warehouse stayed locked"
    return 1
}

declare -A seen=()     # path -> "size mtime" last ingested
declare -A pending=()  # path -> "size mtime" seen in the previous scan, not yet stable

scan() {
    local f sig ready=()
    while IFS= read -r -d '' f; do
        sig=$(stat -c '%s %Y' "$f" 2>/dev/null) || continue
        [ "${seen[$f]:-}" = "$sig" ] && continue
        if [ "${pending[$f]:-}" = "$sig" ] || [ -n "${CBH_ONCE:-}" ]; then
            ready+=("$f"); seen[$f]=$sig; unset 'pending[$f]'
        else
            pending[$f]=$sig
        fi
    done < <(find "$LANDING" -type f \( -iname '*.csv' -o -iname '*.gz' -o -iname '*.zst' -o -iname '*.parquet' \
                -o -iname '*manifest.json' -o -iname '*.zip' \) -print0 | sort -z)
    [ ${#ready[@]} -gt 0 ] && ingest "${ready[@]}"
    return 0
}

log "watching $LANDING -> $WAREHOUSE"
if [ -n "${CBH_ONCE:-}" ]; then
    scan
    exit 0
fi
if command -v inotifywait >/dev/null 2>&1; then
    log "using inotify"
    scan
    while true; do
        # wake on a finished write or a move into the folder, or after POLL seconds to settle pending files
        inotifywait -q -r -t "$POLL" -e close_write,moved_to "$LANDING" >/dev/null 2>&1
        scan; scan
    done
else
    log "inotifywait not found: polling every ${POLL}s"
    while true; do
        scan
        sleep "$POLL"
    done
fi
