"""A layout a lake catalog can hold: DuckLake takes only NOT NULL constraints (no primary key, unique, check,
sequence or default that is not a literal). No DuckLake build loads next to cbh here (PyPI's extension wheels stop at
DuckDB 1.5.5; cbh needs 1.5.6), so the stand-in is an attached DuckDB database whose catalog is checked for anything
DuckLake refuses, after cbh's schema and a full ingest ran in it; cbh keeps its own keys. The move from layout 6
keeps every value."""
import os
import re
import subprocess
import sys

import pytest

from conftest import LAYOUT, REPO

CUR = os.path.join(REPO, "test", "data", "cur")
# What DuckLake's specification leaves out (ducklake.select, "Unsupported Features"), as DuckDB spells the types.
UNSUPPORTED_TYPE = re.compile(r"ENUM|UNION|VARINT|BIGNUM|BIT\b|\[\d+\]")
LITERAL = re.compile(r"^(NULL|true|false|-?\d+(\.\d+)?|'[^']*')$")


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    out = tmp_path_factory.mktemp("zombies")
    subprocess.run([sys.executable, os.path.join(REPO, "scripts", "gen_zombies.py"), str(out)], check=True,
                   capture_output=True)
    return out


def full_ingest(con, scenario, warehouse):
    """Every path that writes: bills, a revised bill, metrics (replacing points), a forget and a re-ingest."""
    w = f"warehouse := '{warehouse}'"
    con.execute(f"SELECT * FROM cbh_ingest('{scenario}/cur-*.csv', {w})").fetchall()
    con.execute(f"SELECT * FROM cbh_ingest('{scenario}/metrics-*', kind := 'metrics', {w})").fetchall()
    con.execute(f"SELECT * FROM cbh_ingest('{scenario}/metrics-*', kind := 'metrics', force := true, {w})").fetchall()
    con.execute(f"SELECT * FROM cbh_ingest(['{CUR}/sept.csv', '{CUR}/oct-part1.csv', '{CUR}/oct-part2.csv'], {w})"
                ).fetchall()
    con.execute(f"SELECT * FROM cbh_ingest('{CUR}/sept_revised.csv', {w})").fetchall()
    con.execute(f"SELECT * FROM cbh_forget(billing_period := '2024-10', {w})").fetchall()
    con.execute(f"SELECT * FROM cbh_ingest(['{CUR}/oct-part1.csv', '{CUR}/oct-part2.csv'], {w})").fetchall()
    con.execute(f"SELECT * FROM cbh_silver({w})").fetchall()


def reports(con, warehouse):
    w = f"warehouse := '{warehouse}'"
    return (con.execute(f"SELECT * EXCLUDE (rebuilt, updated_at) FROM cbh_silver({w}) ORDER BY ALL").fetchall(),
            con.execute(f"SELECT * FROM cbh_zombies(min_cost := 0, excluded := true, no_metrics := true, {w}) "
                        "ORDER BY ALL").fetchall(),
            con.execute(f"SELECT * FROM cbh_waste({w}) ORDER BY ALL").fetchall())


def what_ducklake_refuses(con, database):
    """Everything in the warehouse's catalog that DuckLake cannot hold."""
    found = [f"{r[0]} constraint on {r[1]}" for r in con.execute(
        "SELECT constraint_type, table_name FROM duckdb_constraints() WHERE database_name = $1 "
        "AND schema_name = 'cbh' AND constraint_type <> 'NOT NULL'", [database]).fetchall()]
    found += [f"sequence {r[0]}" for r in con.execute(
        "SELECT sequence_name FROM duckdb_sequences() WHERE database_name = $1", [database]).fetchall()]
    found += [f"index {r[0]}" for r in con.execute(
        "SELECT index_name FROM duckdb_indexes() WHERE database_name = $1", [database]).fetchall()]
    for table, column, default, data_type in con.execute(
            "SELECT table_name, column_name, column_default, data_type FROM duckdb_columns() "
            "WHERE database_name = $1 AND schema_name = 'cbh'", [database]).fetchall():
        if default is not None and not LITERAL.match(default):
            found.append(f"default {default} of {table}.{column}")
        if UNSUPPORTED_TYPE.search(data_type):
            found.append(f"type {data_type} of {table}.{column}")
    return found


def test_the_layout_constant_is_the_extensions(connect):
    with open(os.path.join(REPO, "src", "pipeline", "mod.rs")) as f:
        assert f"pub const LAYOUT: i32 = {LAYOUT};" in f.read()
    assert connect().execute("SELECT schema_version FROM cbh.meta").fetchall() == [(LAYOUT,)]


def test_a_full_ingest_into_an_attached_database_needs_nothing_ducklake_refuses(connect, scenario, tmp_path):
    con = connect(str(tmp_path / "home.duckdb"))
    con.execute(f"ATTACH '{tmp_path / 'lake.duckdb'}' AS lake")
    full_ingest(con, scenario, "lake")
    assert what_ducklake_refuses(con, "lake") == []
    # the same calls on the database cbh was loaded into give the same reports
    full_ingest(con, scenario, "home")
    assert reports(con, "lake") == reports(con, "home")
    # cbh keeps its keys: one row per period, per rule, per ledger id, per metrics point
    for sql in ("SELECT count(*) - count(DISTINCT (provider, billing_account, billing_period)) FROM lake.cbh.periods",
                "SELECT count(*) - count(DISTINCT rule) FROM lake.cbh.rules",
                "SELECT count(*) - count(DISTINCT ledger_id) FROM lake.cbh.ledger",
                "SELECT count(*) - count(DISTINCT (resource_id, metric_name, statistic, timestamp)) "
                "FROM lake.cbh.metrics"):
        assert con.execute(sql).fetchone()[0] == 0, sql
    ids = con.execute("SELECT ingestion_id FROM lake.cbh.ledger GROUP BY ALL ORDER BY ALL").fetchall()
    assert [i for (i,) in ids] == list(range(1, len(ids) + 1))


def test_the_old_layout_had_what_ducklake_refuses(connect, tmp_path):
    """The check above can fail: on layout 6's tables it finds their keys, check, sequences and default."""
    con = connect(str(tmp_path / "w.duckdb"))
    back_to_layout_6(con)
    found = what_ducklake_refuses(con, "w")
    assert {f.split(" on ")[0] for f in found if " constraint on " in f} == {"PRIMARY KEY constraint",
                                                                               "CHECK constraint"}
    assert "sequence ingestion_seq" in found and "sequence ledger_seq" in found
    assert any(f.startswith("default ") and "rules.params" in f for f in found), found


LAYOUT_6 = """
    CREATE SEQUENCE cbh.ingestion_seq START {ingestion};
    CREATE SEQUENCE cbh.ledger_seq START {ledger};
    CREATE TABLE cbh.ledger_6 (ledger_id BIGINT PRIMARY KEY, ingestion_id BIGINT NOT NULL, file VARCHAR NOT NULL,
        size BIGINT, last_modified TIMESTAMP, sha256 VARCHAR, format VARCHAR, provider VARCHAR,
        billing_account VARCHAR, billing_period DATE, rows BIGINT, status VARCHAR NOT NULL, error VARCHAR,
        manifest VARCHAR, note VARCHAR,
        deliveries STRUCT(provider VARCHAR, billing_account VARCHAR, billing_period DATE)[],
        started_at TIMESTAMP NOT NULL, finished_at TIMESTAMP NOT NULL);
    CREATE TABLE cbh.periods_6 (provider VARCHAR NOT NULL, billing_account VARCHAR NOT NULL,
        billing_period DATE NOT NULL, format VARCHAR NOT NULL, ingestion_id BIGINT NOT NULL, files BIGINT NOT NULL,
        bronze_rows BIGINT NOT NULL, line_items BIGINT NOT NULL, resources BIGINT NOT NULL,
        billed_cost DECIMAL(38, 18), effective_cost DECIMAL(38, 18), currency VARCHAR, silver_version INTEGER NOT NULL,
        updated_at TIMESTAMP NOT NULL, by_currency STRUCT(currency VARCHAR, line_items BIGINT,
        billed_cost DECIMAL(38, 18), effective_cost DECIMAL(38, 18))[],
        PRIMARY KEY (provider, billing_account, billing_period));
    CREATE TABLE cbh.rules_6 (rule VARCHAR PRIMARY KEY, enabled BOOLEAN NOT NULL DEFAULT true,
        kind VARCHAR NOT NULL DEFAULT 'waste', description VARCHAR NOT NULL, predicate VARCHAR NOT NULL,
        evidence VARCHAR NOT NULL,
        waste VARCHAR NOT NULL DEFAULT 'cost', effective_waste VARCHAR NOT NULL DEFAULT 'effective_cost',
        params MAP(VARCHAR, DECIMAL(38, 12)) NOT NULL DEFAULT MAP {{}}, origin VARCHAR NOT NULL DEFAULT 'user',
        no_metrics VARCHAR);
    CREATE TABLE cbh.exclusions_6 (resource_id VARCHAR, tag_key VARCHAR, tag_value VARCHAR, rule VARCHAR,
        reason VARCHAR NOT NULL, CHECK (resource_id IS NOT NULL OR tag_key IS NOT NULL));
"""
REBUILT = ("ledger", "periods", "rules", "exclusions")


def back_to_layout_6(con):
    """The warehouse as layout 6 had it (cbh 0.6's layout 5 and the rules' kinds): the same rows, in its tables with
    keys, check, sequences. (test_migration.py moves a warehouse cbh 0.6 wrote, layout 5, to this layout.)"""
    ingestion, ledger = con.execute("SELECT coalesce(max(ingestion_id), 0) + 1, coalesce(max(ledger_id), 0) + 1 "
                                    "FROM cbh.ledger").fetchone()
    con.execute(LAYOUT_6.format(ingestion=ingestion, ledger=ledger))
    for table in REBUILT:
        con.execute(f"INSERT INTO cbh.{table}_6 BY NAME SELECT * FROM cbh.{table}; DROP TABLE cbh.{table}; "
                    f"ALTER TABLE cbh.{table}_6 RENAME TO {table}")
    con.execute("ALTER TABLE cbh.meta DROP COLUMN warehouse_id; UPDATE cbh.meta SET schema_version = 6")


def every_table(con):
    tables = [t for (t,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'cbh' "
                                        "AND table_name <> 'meta' ORDER BY 1").fetchall()]
    return {t: con.execute(f"SELECT * FROM cbh.{t} ORDER BY ALL").fetchall() for t in tables}


def test_the_move_from_layout_6_keeps_every_value(connect, scenario, tmp_path):
    con = connect(str(tmp_path / "w.duckdb"))
    full_ingest(con, scenario, "w")
    con.execute("INSERT INTO cbh.exclusions (resource_id, reason) VALUES ('i-0keep', 'kept by the team')")
    con.execute("UPDATE cbh.rules SET enabled = false, params = MAP {'max_gb': 2.5} WHERE rule = 'idle_nat_gateway'")
    want = reports(con, "w")
    back_to_layout_6(con)
    before = every_table(con)
    assert con.execute("SELECT * FROM cbh_zombies(min_cost := 0, excluded := true, no_metrics := true) "
                       "ORDER BY ALL").fetchall() == want[1]  # the first call moves it
    assert con.execute("SELECT schema_version FROM cbh.meta").fetchall() == [(LAYOUT,)]
    assert con.execute("SELECT count(*) FROM cbh.meta WHERE length(warehouse_id) = 36").fetchone()[0] == 1
    assert every_table(con) == before
    assert what_ducklake_refuses(con, "w") == []
    assert reports(con, "w") == want
    # ids go on from the largest: a new ingest's ledger rows and ingestion come after every old one
    old_ledger, old_ingestion = con.execute("SELECT max(ledger_id), max(ingestion_id) FROM cbh.ledger").fetchone()
    con.execute(f"SELECT * FROM cbh_ingest('{CUR}/sept.csv')").fetchall()
    assert con.execute("SELECT min(ledger_id), min(ingestion_id) FROM cbh.ledger WHERE ledger_id > $1",
                       [old_ledger]).fetchone() == (old_ledger + 1, old_ingestion + 1)
    # the user's defaults still fill a rule they add by its required columns only
    con.execute("INSERT INTO cbh.rules (rule, description, predicate, evidence) VALUES ('mine', 'd', 'false', "
                "'''e''')")
    assert con.execute("SELECT enabled, waste, params, origin FROM cbh.rules WHERE rule = 'mine'").fetchone() == (
        True, "cost", {}, "user")
