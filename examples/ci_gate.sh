#!/bin/sh
# A CI job's waste gate: ingest the bills (and usage metrics) of a landing folder, then fail the job when the newest
# billing period among them wastes more than the budget.
#
#   ci_gate.sh WAREHOUSE LANDING_DIR MAX_WASTE [MAX_WASTE_SHARE]
#
# MAX_WASTE is money, in the bill's currency; MAX_WASTE_SHARE a share of the period's spend, from 0 to 1 (0.05 is
# 5 %). Both are non-negative decimal numbers (500, 12.5, 0.05), checked before anything is ingested.
#
# What it ingests: the files under LANDING_DIR, subfolders included (an `aws s3 sync` copy of the exports works as it
# is), but those left out below. A file whose path below LANDING_DIR contains "metrics", in any case, in its own name or
# a folder's (metrics/cloudwatch-2024-09.csv, 2024-09/EC2-Metrics.parquet), is ingested as usage metrics
# (cbh_ingest(..., kind := 'metrics'), docs/rules.md, "Metrics"); every other file as a bill. A file on the wrong side of that
# rule does not slip through: cbh rejects it (a bill lacks the metrics columns; a metrics file read as a bill is
# rejected with a note that it looks like metrics), and a rejection fails the gate. Left out, as scripts/watch.sh leaves
# them out: OS litter (.DS_Store, ._*, Thumbs.db, desktop.ini), the files AWS writes beside a CUR
# (*-RedshiftManifest.json, *-RedshiftCommands.sql, crawler-cfn.yml, anything under cost_and_usage_data_status/) and
# names that end in none of .csv, .gz, .zst, .parquet, manifest.json or .zip (any case); the gate says how many it left
# out.
#
# What it judges: the newest billing period among the bills of this run, whether they landed now or were there
# already (skipped), not the newest period in the warehouse (cbh_check(billing_period := ...)).
#
# Exit status: 0 within budget (cbh_check's figures are printed); 1 when a file of this run is rejected (each named,
# with cbh's reason; nothing is judged then), when LANDING_DIR holds no bill, or when the waste is over the budget
# (cbh_check names the top offenders); 2 for a usage error (arguments, no CLI, no extension).
#
# DUCKDB is the duckdb CLI (default: duckdb on PATH, else this repository's .venv/bin/duckdb); CBH_EXTENSION the
# extension (default: this repository's build/release/cbh.duckdb_extension). Paths reach SQL only as quoted
# literals (' doubled), and file names as globs with their glob characters escaped.
set -eu
usage() { echo "usage: $0 WAREHOUSE LANDING_DIR MAX_WASTE [MAX_WASTE_SHARE]" >&2; }
bad_usage() { echo "$0: $1" >&2; usage; exit 2; }
[ $# -ge 3 ] && [ $# -le 4 ] || { usage; exit 2; }
warehouse=$1 landing=$2

# A non-negative decimal number that DECIMAL(38,12) holds (at most 26 digits before the point and 12 after),
# printed as a SQL numeric literal (.5 -> 0.5, 5. -> 5.0); fails for anything else.
amount() {
    case $1 in '' | . | *[!0-9.]* | *.*.*) return 1 ;; esac
    whole=${1%%.*}
    case $1 in *.*) fraction=${1#*.} ;; *) fraction= ;; esac
    [ ${#whole} -le 26 ] && [ ${#fraction} -le 12 ] || return 1
    echo "${whole:-0}${fraction:+.$fraction}"
}
max_waste=$(amount "$3") ||
    bad_usage "MAX_WASTE must be a non-negative decimal number (money, such as 500 or 12.5), not '$3'"
budget="max_waste := $max_waste"
if [ $# -eq 4 ]; then
    share=$(amount "$4") ||
        bad_usage "MAX_WASTE_SHARE must be a non-negative decimal number from 0 to 1 (0.05 is 5 %), not '$4'"
    over="MAX_WASTE_SHARE is a share of spend, from 0 to 1 (0.05 is 5 %), not '$4'"
    case $(echo "${share%%.*}" | sed 's/^0*//') in
        '') ;;
        1) case $share in *.*[1-9]*) bad_usage "$over" ;; esac ;;
        *) bad_usage "$over" ;;
    esac
    budget="$budget, max_waste_share := $share"
fi

repo=$(cd "$(dirname "$0")/.." && pwd)
duckdb=${DUCKDB:-$(command -v duckdb || echo "$repo/.venv/bin/duckdb")}
ext=${CBH_EXTENSION:-$repo/build/release/cbh.duckdb_extension}
command -v "$duckdb" >/dev/null 2>&1 || [ -x "$duckdb" ] || {
    echo "$0: no duckdb CLI ('$duckdb'): pip install duckdb-cli, or set DUCKDB=path/to/duckdb" >&2; exit 2; }
[ -f "$ext" ] || { echo "$0: no extension at '$ext': run make, or set CBH_EXTENSION" >&2; exit 2; }

# A SQL string literal: ' doubled (DuckDB's strings have no backslash escapes). The x keeps trailing newlines.
sql_text() { s=$(printf '%sx' "$1" | sed "s/'/''/g"); printf "'%s'" "${s%x}"; }
while [ "${landing%/}" != "$landing" ] && [ -n "${landing%/}" ]; do landing=${landing%/}; done

# The files, sorted, each as a glob that matches only itself ([, * and ? escaped as [[], [*], [?]), split by the
# rules above into gate_metrics, gate_bills and the rest (left out).
listing="SET VARIABLE gate_landing = $(sql_text "$landing");"'
SET VARIABLE gate_files = (
    WITH found AS (
        SELECT file, CASE WHEN starts_with(file, getvariable($$gate_landing$$) || $$/$$)
                          THEN file[length(getvariable($$gate_landing$$)) + 2:] ELSE file END AS below
        FROM glob(regexp_replace(getvariable($$gate_landing$$), $$([\[*?])$$, $$[\1]$$, $$g$$) || $$/**$$)
    ), named AS (
        SELECT file, below, lower(string_split(below, $$/$$)[-1]) AS name FROM found
    )
    SELECT coalesce(list({
               pattern: regexp_replace(file, $$([\[*?])$$, $$[\1]$$, $$g$$),
               kind: CASE WHEN regexp_full_match(name, $$\.ds_store|\._.*|thumbs\.db|desktop\.ini|crawler-cfn\.yml|$$
                                                 || $$.*-redshiftmanifest\.json|.*-redshiftcommands\.sql$$)
                            OR regexp_matches(below, $$(^|/)cost_and_usage_data_status/$$)
                            OR NOT regexp_full_match(name, $$.*(\.csv|\.gz|\.zst|\.parquet|manifest\.json|\.zip)$$)
                          THEN $$left out$$
                          WHEN contains(lower(below), $$metrics$$) THEN $$metrics$$ ELSE $$billing$$ END
           } ORDER BY file), [])
    FROM named);
SET VARIABLE gate_metrics = [f.pattern FOR f IN getvariable($$gate_files$$) IF f.kind = $$metrics$$];
SET VARIABLE gate_bills = [f.pattern FOR f IN getvariable($$gate_files$$) IF f.kind = $$billing$$];'

# Step 1, in memory: how many of each there are (cbh_ingest refuses an empty list, so an absent kind is not called).
counts=$("$duckdb" -noheader -list -c "$listing
    SELECT concat_ws(' ', len(getvariable('gate_metrics')), len(getvariable('gate_bills')),
                     len(getvariable('gate_files')) - len(getvariable('gate_metrics'))
                                                    - len(getvariable('gate_bills')));" | tail -n 1)
metrics=${counts%% *} rest=${counts#* }
bills=${rest%% *} left_out=${rest#* }
case $metrics$bills$left_out in '' | *[!0-9]*) echo "$0: could not list '$landing': $counts" >&2; exit 1 ;; esac
noun=files; [ "$left_out" -ne 1 ] || noun=file
[ "$left_out" -eq 0 ] || echo "$0: left out $left_out $noun under '$landing' that are not exports (OS litter, AWS's" \
    "companion files, names not ending in .csv, .gz, .zst, .parquet, manifest.json or .zip)"
[ "$bills" -gt 0 ] || {
    echo "$0: no bill under '$landing' ($metrics metrics files), so there is nothing to judge" >&2; exit 1; }

# Step 2, on the warehouse: ingest, fail on any rejection, judge the newest period of this run's bills.
summary() { echo "SELECT '$1' AS kind, status, count(*) AS files, string_agg(error, '; ') AS errors FROM"; }
ingest_metrics=
[ "$metrics" -eq 0 ] || ingest_metrics="$(summary metrics) cbh_ingest(getvariable('gate_metrics'), kind := 'metrics')
    GROUP BY ALL ORDER BY status;
SET VARIABLE gate_metrics_run = (SELECT max(ingestion_id) FROM cbh.ledger);"
"$duckdb" -unsigned "$warehouse" -c "LOAD $(sql_text "$ext");
$listing
$ingest_metrics
$(summary billing) cbh_ingest(getvariable('gate_bills')) GROUP BY ALL ORDER BY status;
SET VARIABLE gate_bills_run = (SELECT max(ingestion_id) FROM cbh.ledger);
CHECKPOINT;
SET VARIABLE gate_rejected = (
    SELECT CASE WHEN count(*) > 0 THEN error(format(
               'ci_gate.sh: {} {} of this run rejected, so the gate fails (fix or remove them, then run it again): '
               || '{}{}',
               count(*), CASE WHEN count(*) = 1 THEN 'file' ELSE 'files' END,
               string_agg(file || ': ' || coalesce(error, 'rejected'), '; ' ORDER BY file),
               CASE WHEN coalesce(bool_or(ingestion_id = getvariable('gate_metrics_run')), false)
                    THEN ' (the gate reads a file as metrics when its path below LANDING_DIR contains ''metrics'')'
                    ELSE '' END)) END
    FROM cbh.ledger
    WHERE ingestion_id IN (getvariable('gate_metrics_run'), getvariable('gate_bills_run')) AND status = 'rejected');
SET VARIABLE gate_period = (
    SELECT max(list_max(list_transform(deliveries, lambda d: d.billing_period)))
    FROM cbh.ledger WHERE ingestion_id = getvariable('gate_bills_run') AND status <> 'rejected');
SET VARIABLE gate_judged = (
    SELECT CASE WHEN getvariable('gate_period') IS NULL
                THEN error('ci_gate.sh: no bill of this run names a billing period, so there is nothing to judge') END);
SELECT * FROM cbh_check($budget, billing_period := getvariable('gate_period'));"
