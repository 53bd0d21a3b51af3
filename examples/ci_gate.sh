#!/bin/sh
# A CI job's waste gate: ingest the latest bills, then fail the job when the latest billing period's waste is over
# the budget. Usage: ci_gate.sh WAREHOUSE LANDING_DIR MAX_WASTE [MAX_WASTE_SHARE]
# DUCKDB (default: duckdb) is the duckdb CLI; CBH_EXTENSION (default: build/release/cbh.duckdb_extension) the
# extension. The CLI exits non-zero when cbh_check raises, naming the top offenders.
set -eu
warehouse=$1 landing=$2 max_waste=$3 max_share=${4:-1}
duckdb=${DUCKDB:-duckdb}
ext=${CBH_EXTENSION:-build/release/cbh.duckdb_extension}
"$duckdb" -unsigned "$warehouse" -c "LOAD '$ext';
  SELECT file, status, error FROM cbh_ingest('$landing/*.csv') WHERE status = 'rejected';
  SELECT * FROM cbh_check(max_waste := $max_waste, max_waste_share := $max_share);"
