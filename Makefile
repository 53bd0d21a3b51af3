# cbh: build, test and demo. `make` builds build/release/cbh.duckdb_extension.
# The DuckDB version is pinned once, in Cargo.toml (crate duckdb); the minimum C API version once, in src/lib.rs.
.PHONY: release debug test check reliability bench data demo watch clean venv spark

VERSION   := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
MIN_CAPI  := $(shell sed -n 's/.*MIN_DUCKDB_VERSION: &str = "\([^"]*\)".*/\1/p' src/lib.rs | head -1)
SOURCES   := Cargo.toml Cargo.lock $(wildcard src/*.rs src/*/*.rs sql/*.sql sql/rules/*.sql)
VENV      := .venv
PY        := $(VENV)/bin/python
SIZE_MB   ?= 20
DATA      ?= data/generated
WAREHOUSE ?= data/demo.duckdb
LIB       := $(if $(filter Darwin,$(shell uname -s)),libcbh.dylib,libcbh.so)

release: build/release/cbh.duckdb_extension

debug: build/debug/cbh.duckdb_extension

# Both builds share target/release: each is copied out right after cargo builds it (only cbh itself recompiles).
build/release/cbh.duckdb_extension: $(SOURCES)
	cargo build --release --lib --bin cbh-footer
	@mkdir -p build/release
	target/release/cbh-footer target/release/$(LIB) $@ $(VERSION) $(MIN_CAPI)

# The test build: the release build plus panic injection (CBH_FAULT), for test_panic.py only; users load the above.
build/test/cbh.duckdb_extension: $(SOURCES)
	cargo build --release --lib --bin cbh-footer --features fault-injection
	@mkdir -p build/test
	target/release/cbh-footer target/release/$(LIB) $@ $(VERSION) $(MIN_CAPI)

build/debug/cbh.duckdb_extension: $(SOURCES)
	cargo build --lib --bin cbh-footer
	@mkdir -p build/debug
	target/debug/cbh-footer target/debug/$(LIB) $@ $(VERSION) $(MIN_CAPI)

# The Python host, the duckdb CLI (pip package duckdb-cli) and pytest, in a local virtualenv.
venv: $(VENV)/.installed
$(VENV)/.installed: test/requirements.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r test/requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --target build/hosts/duckdb-1.4.4 duckdb==1.4.4
	@# pip's duckdb entry point is a Python wrapper that kills the CLI on Ctrl-C; run the real binary instead.
	printf '#!/bin/sh\nexec "%s" "$$@"\n' "$$($(PY) -c 'import duckdb_cli, os; print(os.path.join(os.path.dirname(duckdb_cli.__file__), "duckdb"))')" > $(VENV)/bin/duckdb
	@touch $@

# Apache Spark (pip pyspark, on the machine's Java 17) for test/test_export_spark.py: large, so apart from `venv`;
# .ci/run installs it before `make test`, and elsewhere that test skips saying how to get it.
spark: $(VENV)/.spark
$(VENV)/.spark: $(VENV)/.installed test/requirements-spark.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r test/requirements-spark.txt
	@touch $@

# Everything: Rust unit and property tests, then every Python test against the built extension in real hosts; the
# reliability figures the tests record are printed at the end (docs/reliability.md, "Reliability and security").
test: release build/test/cbh.duckdb_extension venv
	@mkdir -p build && rm -rf build/reliability
	$(LINT)
	cargo test --quiet --lib
	$(PROPERTIES)
	CBH_EXTENSION=$(CURDIR)/build/release/cbh.duckdb_extension \
	  CBH_FAULT_EXTENSION=$(CURDIR)/build/test/cbh.duckdb_extension $(PY) -m pytest -q -rs test
	$(PY) scripts/reliability_report.py

# Only the reliability and security tests; writes their table into docs/reliability.md.
RELIABILITY := $(addprefix test/,test_crash.py test_soak.py test_bad_files.py test_fuzz_files.py test_injection.py \
	test_panic.py test_lockdown.py test_read_only.py test_concurrency.py test_watch.py test_lifecycle.py \
	test_export_writers.py)
reliability: release build/test/cbh.duckdb_extension venv
	@mkdir -p build && rm -rf build/reliability
	$(PROPERTIES)
	CBH_EXTENSION=$(CURDIR)/build/release/cbh.duckdb_extension \
	  CBH_FAULT_EXTENSION=$(CURDIR)/build/test/cbh.duckdb_extension $(PY) -m pytest -q $(RELIABILITY)
	$(PY) scripts/reliability_report.py --readme

# Formatting (rustfmt.toml) and lints, warnings as errors.
LINT = cargo fmt --check && cargo clippy --quiet --release --lib --bins --tests -- -D warnings

# The fast set, for a developer between edits (about two minutes): lints, Rust unit tests and every Python test
# not marked slow (soak, crash, fuzz, watch loops; `make test` runs them all, and so does CI).
check: release build/test/cbh.duckdb_extension venv
	$(LINT)
	cargo test --quiet --lib
	$(PROPERTIES)
	CBH_EXTENSION=$(CURDIR)/build/release/cbh.duckdb_extension \
	  CBH_FAULT_EXTENSION=$(CURDIR)/build/test/cbh.duckdb_extension $(PY) -m pytest -q -rs -m "not slow" test

PROPERTIES = cargo test --quiet --test properties > build/properties.log 2>&1 || { cat build/properties.log; exit 1; }; \
	grep "test result" build/properties.log

# Generated inputs: a CUR of SIZE_MB per month (gen_cur.py), and the zombie scenario with its ground truth per rule
# (gen_zombies.py, docs/rules.md).
data: venv
	$(PY) scripts/gen_cur.py --out $(DATA) --size-mb $(SIZE_MB) --periods 2024-09,2024-10
	$(PY) scripts/gen_zombies.py $(DATA)/zombies
	$(PY) scripts/gen_anomalies.py $(DATA)/anomalies

# Benchmarks against DuckDB alone (docs/performance.md); writes bench/results.md. BENCH_MB: the main file's size,
# BIG_MB: the memory-limited ingest (0 skips it). Inputs are generated (gen_cur.py) into data/bench once.
BENCH_MB ?= 1000
BIG_MB   ?= 10000
bench: release venv
	$(PY) scripts/bench.py --ext build/release/cbh.duckdb_extension --data data/bench --size-mb $(BENCH_MB) \
	  --big-mb $(BIG_MB) $(BENCH_ARGS)

demo: release data
	@rm -f $(WAREHOUSE) $(WAREHOUSE).wal
	$(VENV)/bin/duckdb -unsigned $(WAREHOUSE) -c "LOAD 'build/release/cbh.duckdb_extension'; \
	  SELECT file, billing_period, rows, status FROM cbh_ingest(['$(DATA)/*.csv', '$(DATA)/zombies/cur-*.csv']); \
	  SELECT file, rows, status FROM cbh_ingest('$(DATA)/zombies/metrics-*', kind := 'metrics'); \
	  SELECT billing_period, billing_account, line_items, resources, billed_cost FROM cbh_silver(); \
	  SELECT billing_period, rule, resource_id, evidence, cost, monthly_waste FROM cbh_zombies() LIMIT 15; \
	  SELECT billing_period, dimension, value, findings, waste, waste_share FROM cbh_waste() \
	    WHERE dimension IN ('total', 'rule'); \
	  SELECT billing_period, rule, resource_id, evidence, saving, monthly_saving FROM cbh_savings() LIMIT 10;"

watch: release venv
	DUCKDB=$(VENV)/bin/duckdb scripts/watch.sh data/landing_zone $(WAREHOUSE)

clean:
	cargo clean
	rm -rf build
