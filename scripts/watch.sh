#!/usr/bin/env bash
# watch.sh: the event-driven pipeline. Watches a landing folder (and the folders below it) and runs cbh_ingest
# (through the duckdb CLI) on the billing files that land there (CSV, gzip, zstd, Parquet, manifests; ZIP to be
# told why not), logging one [WATCHER] line per file with its status, and one per spend anomaly a delivery brings.
#
#   scripts/watch.sh [LANDING_DIR] [WAREHOUSE]   (defaults: data/landing_zone, data/demo.duckdb)
#   scripts/watch.sh --help                      (this text; a folder whose name starts with '-': ./-name)
#
# Environment:
#   DUCKDB            the duckdb CLI (default: duckdb on PATH, else this repository's .venv/bin/duckdb)
#   CBH_EXTENSION     the extension (default: this repository's build/release/cbh.duckdb_extension)
#   CBH_POLL          seconds between scans (default 1; with inotifywait, the longest wait for an event)
#   CBH_SETTLE        seconds the folder must stay unchanged before its new files are ingested (default 3)
#   CBH_RETRY         seconds before a failed file is tried again, doubling with each failure in a row up to
#                     300 (default 5)
#   CBH_LOCK_RETRIES  attempts, one a second, while another process holds the warehouse (default 120)
#   CBH_ONCE=1        ingest what is there now, in one call, and exit (status 1 if a file is left to retry)
#
# Settling: nothing is ingested until no new or changed file (size or modification time) has appeared for
# CBH_SETTLE seconds; then every new or changed file goes to one cbh_ingest call, so the parts of a split delivery
# that arrive close together, and a manifest with its parts, form one delivery. A file still being written keeps
# the folder unsettled. cbh resolves a manifest's parts, named or not; a manifest whose parts have not all
# arrived is rejected as incomplete and retried, and a part whose manifest comes later lands on its own, then
# again as the manifest lists it.
#
# Done or retried: a file is done once cbh reports it ingested, replaced, skipped, or rejected for its content; it
# is passed again only when its size or modification time changes (cbh finds an unchanged re-drop in its ledger
# and skips it without reading it). A file is retried after CBH_RETRY seconds when the call failed (the warehouse
# stayed locked, the CLI failed: only the files the error names, if it names any) or when cbh rejected it for a
# transient reason (it could not be opened or read, permission, no such file, a manifest still incomplete).
#
# Never passed: OS litter (.DS_Store, ._*, Thumbs.db, desktop.ini) and the files AWS writes beside a CUR
# (*-RedshiftManifest.json, *-RedshiftCommands.sql, crawler-cfn.yml, anything under cost_and_usage_data_status/).
set -u

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }
bad_usage() { printf 'watch.sh: %s\n\n' "$1" >&2; usage >&2; exit 2; }
args=()
for a in "$@"; do
    case "$a" in
        -h | --help) usage; exit 0 ;;
        -*) bad_usage "unknown option '$a'" ;;
        *) args+=("$a") ;;
    esac
done
[ ${#args[@]} -le 2 ] || bad_usage "too many arguments (${#args[@]}): expected [LANDING_DIR] [WAREHOUSE]"

LANDING=${args[0]:-data/landing_zone}
WAREHOUSE=${args[1]:-data/demo.duckdb}
REPO=$(cd "$(dirname "$0")/.." && pwd)
DUCKDB=${DUCKDB:-$(command -v duckdb || echo "$REPO/.venv/bin/duckdb")}
EXT=${CBH_EXTENSION:-$REPO/build/release/cbh.duckdb_extension}
POLL=${CBH_POLL:-1}
SETTLE=${CBH_SETTLE:-3}
RETRY=${CBH_RETRY:-5}
RETRIES=${CBH_LOCK_RETRIES:-120}
ONCE=${CBH_ONCE:-}
LITTER=('.DS_Store' '._*' 'Thumbs.db' 'desktop.ini' '*-RedshiftManifest.json' '*-RedshiftCommands.sql' 'crawler-cfn.yml')

log() { printf '%s [WATCHER] %s\n' "$(date -u +%H:%M:%S)" "$*"; }
micros() { awk -v s="$1" 'BEGIN { if (s !~ /^([0-9]+\.?[0-9]*|\.[0-9]+)$/) exit 1; printf "%d", s * 1000000 }'; }
now() { echo "${EPOCHREALTIME//[^0-9]/}"; }  # microseconds

SETTLE_US=$(micros "$SETTLE") || bad_usage "CBH_SETTLE must be a number of seconds, not '$SETTLE'"
RETRY_US=$(micros "$RETRY") || bad_usage "CBH_RETRY must be a number of seconds, not '$RETRY'"
micros "$POLL" >/dev/null || bad_usage "CBH_POLL must be a number of seconds, not '$POLL'"
mkdir -p "$LANDING" "$(dirname "$WAREHOUSE")"
[ -f "$EXT" ] || { log "no extension at $EXT: run make first"; exit 1; }
command -v "$DUCKDB" >/dev/null || { log "no duckdb CLI ($DUCKDB): pip install duckdb-cli, or set DUCKDB"; exit 1; }

sql_string() { printf "'%s'" "${1//\'/\'\'}"; }

declare -A seen=()   # path -> "size mtime" when it was done
declare -A sig=()    # path -> "size mtime" as the last scan saw it (files not done)
declare -A hold=()   # path -> time (µs) before which a failed file is not tried again
declare -A fails=()  # path -> failures in a row
declare -A said=()   # "day value currency" of each spend anomaly logged
changed=0            # time (µs) a scan last saw a new or changed file

# A rejection worth retrying: the file could not be opened or read (yet), or a manifest's parts are missing.
transient() {
    case "$1" in
        *"cannot be opened"* | *"cannot be read:"* | *"cannot be read") return 0 ;;
        *"Permission denied"* | *"Permission Error"* | *"No such file"* | *"is incomplete"*) return 0 ;;
        *) return 1 ;;
    esac
}

# Leaves the files after the first argument (the reason) to be retried, each after its back-off.
later() {
    local why=$1 f n delay longest=0 t
    shift
    t=$(now)
    for f in "$@"; do
        n=$((${fails[$f]:-0} + 1))
        fails[$f]=$n
        delay=$((RETRY_US << (n > 7 ? 6 : n - 1)))
        ((delay > 300000000)) && delay=300000000
        ((delay > longest)) && longest=$delay
        hold[$f]=$((t + delay))
    done
    log "$why; will retry $# file(s) in $(awk -v d="$longest" 'BEGIN { printf "%g", d / 1000000 }')s"
}

# The spend anomalies (cbh_anomalies' defaults) on the days of the billing periods the call just landed, as
# "#anomaly", a key, "" and the line to log; in the same call as the ingest, so the warehouse is opened once.
# Monthly bills have no days to tell: no rows.
ANOMALIES="SELECT concat_ws(chr(31), '#anomaly', day || ' ' || coalesce(value, '') || ' ' || coalesce(currency, ''), '',
       'anomaly: ' || coalesce(value, '(none)') || ' on ' || day || ' spent ' || cbh.num(actual_cost)
       || coalesce(' ' || currency, '') || ' against an expected ' || cbh.num(expected_cost) || ' (' || kind || ', '
       || CASE WHEN impact >= 0 THEN '+' ELSE '' END || cbh.num(impact) || coalesce('; ' || top_drivers, '') || ')'
       || CASE WHEN provisional THEN ' [provisional: the last day of its delivery]' ELSE '' END)
FROM cbh_anomalies(if_monthly := 'empty')
WHERE date_trunc('month', day)::DATE IN (
    SELECT billing_period FROM cbh.ledger
    WHERE ingestion_id = (SELECT max(ingestion_id) FROM cbh.ledger) AND status IN ('ingested', 'replaced'))
ORDER BY day, value;"

# Ingests the files given as arguments in one call (retried while the warehouse is locked) and marks each done or
# to be retried. Returns 1 if any is left to retry.
ingest() {
    local list="" f out attempt start secs status error line named=() retry=()
    for f in "$@"; do list+="${list:+, }$(sql_string "$f")"; done
    local sql="LOAD $(sql_string "$EXT");
SELECT concat_ws(chr(31), file, status, replace(coalesce(error, ''), chr(10), ' '), file || ': ' || status
       || coalesce(' format=' || format, '')
       || coalesce(' period=' || strftime(billing_period, '%Y-%m'), '')
       || coalesce(' rows=' || rows::VARCHAR, '')
       || coalesce(' error=' || replace(error, chr(10), ' '), '')
       || ' ({secs})')
FROM cbh_ingest([$list]);
$ANOMALIES
CHECKPOINT;"
    for ((attempt = 1; ; attempt++)); do
        start=$(date +%s.%N)
        out=$("$DUCKDB" -unsigned -list -noheader "$WAREHOUSE" -c "$sql" 2>&1) && break
        case "$out" in
            *"Could not set lock"* | *"Conflicting lock"*)
                if [ "$attempt" -ge "$RETRIES" ]; then
                    later "gave up after $RETRIES attempts: the warehouse stayed locked" "$@"
                    return 1
                fi
                [ "$attempt" -eq 1 ] && log "warehouse $WAREHOUSE is locked by another process; retrying"
                sleep 1 ;;
            *)
                for f in "$@"; do [[ $out == *"'$f'"* ]] && named+=("$f"); done
                [ ${#named[@]} -gt 0 ] || named=("$@")
                later "cbh_ingest failed: ${out//$'\n'/ }" "${named[@]}"
                return 1 ;;
        esac
    done
    secs=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.2fs", e - s }')
    local -A asked=()
    for f in "$@"; do asked[$f]=1; done
    while IFS=$'\x1f' read -r f status error line; do
        [ -n "$f" ] || continue
        if [ "$f" = "#anomaly" ]; then  # a spend anomaly on a day this call brought: logged once
            [ -n "${said[$status]:-}" ] || log "$line"
            said[$status]=1
            continue
        fi
        log "${line//\{secs\}/$secs}"
        [ -n "${sig[$f]:-}" ] || continue  # a file no scan listed, or already done: a part a manifest named
        unset 'asked[$f]'
        if [ "$status" = rejected ] && transient "$error"; then
            retry+=("$f")
        else
            seen[$f]=${sig[$f]}
            unset 'sig[$f]' 'hold[$f]' 'fails[$f]'
        fi
    done <<<"$out"
    retry+=("${!asked[@]}")  # files cbh did not report on
    [ ${#retry[@]} -eq 0 ] && return 0
    later "not done (rejected for a transient reason, see above)" "${retry[@]}"
    return 1
}

# The candidate billing files under the landing folder, without litter and AWS's companion files.
list_files() {
    local skip=() name
    for name in "${LITTER[@]}"; do skip+=(! -iname "$name"); done
    find "$LANDING" -type d -name cost_and_usage_data_status -prune -o -type f \( -iname '*.csv' -o -iname '*.gz' \
        -o -iname '*.zst' -o -iname '*.parquet' -o -iname '*manifest.json' -o -iname '*.zip' \) "${skip[@]}" -print0 |
        sort -z
}

# Lists the files, notes which are new or changed, and once the folder has settled ingests those not done.
scan() {
    local f s t fresh=0 ready=()
    t=$(now)
    while IFS= read -r -d '' f; do
        s=$(stat -c '%s %Y' "$f" 2>/dev/null) || continue
        [ "${seen[$f]:-}" = "$s" ] && continue
        if [ "${sig[$f]:-}" != "$s" ]; then
            sig[$f]=$s changed=$t fresh=1
            unset 'hold[$f]' 'fails[$f]'
        fi
        [ "${hold[$f]:-0}" -gt "$t" ] || ready+=("$f")
    done < <(list_files)
    [ ${#ready[@]} -gt 0 ] || return 0
    [ -n "$ONCE" ] || { [ $fresh -eq 0 ] && [ $((t - changed)) -ge "$SETTLE_US" ]; } || return 0
    ingest "${ready[@]}"
}

log "watching $LANDING -> $WAREHOUSE (settle ${SETTLE}s)"
[ -z "$ONCE" ] || { scan; exit; }
if command -v inotifywait >/dev/null 2>&1; then
    log "using inotify"
    wait_s=$(awk -v p="$POLL" 'BEGIN { w = int(p); if (w < p) w++; print (w < 1 ? 1 : w) }')
    while true; do
        scan
        # wake on a finished write or a move into the folder, or after the wait, to see whether it settled
        inotifywait -q -r -t "$wait_s" -e close_write,moved_to "$LANDING" >/dev/null 2>&1
    done
else
    log "inotifywait not found: polling every ${POLL}s"
    while true; do
        scan
        sleep "$POLL"
    done
fi
