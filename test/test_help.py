"""What a new user finds without the README: cbh_help() lists every function, parameter and column with what it is
for (DuckDB's C API cannot put descriptions or parameter names into duckdb_functions()), and the rules exist as
soon as cbh is loaded, so they can be tuned before the first ingest."""
import subprocess
import sys
import time

import duckdb


def test_help_lists_every_cbh_function_its_parameters_and_its_real_columns(connect):
    con = connect()
    registered = {r[0] for r in con.execute(
        "SELECT DISTINCT function_name FROM duckdb_functions() WHERE function_name LIKE 'cbh\\_%' ESCAPE '\\'").fetchall()}
    helped = {r[0] for r in con.execute("SELECT name FROM cbh_help() WHERE kind = 'function'").fetchall()}
    assert registered == helped and len(helped) >= 8, (registered, helped)
    # Every parameter a function takes is listed, with a description.
    for function, name, description in con.execute(
            "SELECT function, name, description FROM cbh_help() WHERE kind IN ('parameter', 'function')").fetchall():
        assert description, (function, name)
    named = {r[0] for r in con.execute(
        "SELECT name FROM cbh_help() WHERE function = 'cbh_zombies()' AND kind = 'parameter'").fetchall()}
    assert named == {"billing_period :=", "min_cost :=", "rule :=", "excluded :=", "no_metrics :=", "warehouse :="}
    # The columns are the ones the functions return, in order.
    for function in ("cbh_silver", "cbh_zombies", "cbh_waste", "cbh_status", "cbh_help"):
        described = [(r[0], r[1]) for r in con.execute(f"DESCRIBE SELECT * FROM {function}()").fetchall()]
        listed = con.execute("SELECT name, type FROM cbh_help() WHERE function = $1 AND kind = 'column'",
                             [f"{function}()"]).fetchall()
        assert listed == described, function


def test_the_rules_exist_as_soon_as_cbh_is_loaded(connect, tmp_path):
    con = connect(str(tmp_path / "w.duckdb"))
    assert con.execute("SELECT count(*) FROM cbh.rules WHERE origin = 'cbh'").fetchone()[0] >= 9
    con.execute("UPDATE cbh.rules SET enabled = false WHERE rule = 'zero_usage'")
    con.close()
    # Another process sees the tuned rule (once cbh has let the file go, within a poll of the close: retried).
    deadline = time.time() + 10
    while True:
        out = subprocess.run([sys.executable, "-c", "import duckdb, sys; print(duckdb.connect(sys.argv[1], "
                              "read_only=True).execute(\"SELECT enabled FROM cbh.rules WHERE rule = 'zero_usage'\")"
                              ".fetchone())", str(tmp_path / "w.duckdb")], capture_output=True, text=True, timeout=60)
        if "Could not set lock" not in out.stderr or time.time() > deadline:
            break
        time.sleep(0.2)
    assert out.stdout.strip() == "(False,)", out.stderr


def test_loading_into_a_read_only_database_creates_nothing_and_reads_empty(connect, tmp_path):
    path = str(tmp_path / "plain.duckdb")
    duckdb.connect(path).close()
    ro = connect(path, access_mode="READ_ONLY")
    assert ro.execute("SELECT count(*) FROM cbh_zombies()").fetchone()[0] == 0
    assert ro.execute("SELECT count(*) FROM duckdb_schemas() WHERE schema_name = 'cbh'").fetchone()[0] == 0
