#!/bin/sh
# A CI job's waste gate: ingest the latest bills, then fail the job when the latest billing period's waste is over
# the budget. Usage: ci_gate.sh WAREHOUSE LANDING_DIR MAX_WASTE [MAX_WASTE_SHARE]
# LANDING_DIR is read with its subfolders (an `aws s3 sync` copy of the exports works as it is).
# DUCKDB is the duckdb CLI (default: duckdb on PATH, else this repository's .venv/bin/duckdb); CBH_EXTENSION the
# extension (default: this repository's build/release/cbh.duckdb_extension). The CLI exits non-zero when cbh_check
# raises, naming the top offenders.
set -eu
[ $# -ge 3 ] || { echo "usage: $0 WAREHOUSE LANDING_DIR MAX_WASTE [MAX_WASTE_SHARE]" >&2; exit 2; }
warehouse=$1 landing=$2 max_waste=$3 max_share=${4:-1}
repo=$(cd "$(dirname "$0")/.." && pwd)
duckdb=${DUCKDB:-$(command -v duckdb || echo "$repo/.venv/bin/duckdb")}
ext=${CBH_EXTENSION:-$repo/build/release/cbh.duckdb_extension}
command -v "$duckdb" >/dev/null 2>&1 || [ -x "$duckdb" ] || {
    echo "$0: no duckdb CLI ('$duckdb'): pip install duckdb-cli, or set DUCKDB=path/to/duckdb" >&2; exit 2; }
[ -f "$ext" ] || { echo "$0: no extension at '$ext': run make, or set CBH_EXTENSION" >&2; exit 2; }
"$duckdb" -unsigned "$warehouse" -c "LOAD '$ext';
  SELECT status, count(*) AS files, string_agg(error, '; ') AS errors FROM cbh_ingest('$landing/**') GROUP BY ALL;
  SELECT * FROM cbh_check(max_waste := $max_waste, max_waste_share := $max_share);"
