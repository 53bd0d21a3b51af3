"""A warehouse per tenant: every cbh function takes `warehouse := 'name'` (an attached database), and `SET
cbh_warehouse` names it for a session. One tenant's call never reads or writes another's; a database that is not
attached fails clearly; read-only attached databases serve the readers; DuckDB's lockdown still binds cbh."""
import os
import subprocess
import sys
import textwrap

import duckdb
import pytest

from conftest import REPO, run_cli

CUR = os.path.join(REPO, "test", "data", "cur")
A, B = "999988887777", "123456789012"  # the payer accounts of tenant A (test/data/cur) and tenant B (rewritten)
USAGE_A, USAGE_B = "111122223333", "444455556666"  # their usage accounts
READERS = {
    "cbh_silver": "SELECT billing_account FROM cbh_silver({w})",
    "cbh_zombies": "SELECT billing_account FROM cbh_zombies(min_cost := 0{c}{w})",
    "cbh_waste": "SELECT value FROM cbh_waste({w}) WHERE dimension = 'account'",
    "cbh_anomalies": "SELECT value FROM cbh_anomalies(dimension := 'account', all_days := true, "
                     "if_monthly := 'empty'{c}{w})",
}
OWN = {"cbh_waste": {A: {USAGE_A}, B: {USAGE_B}}}  # what a reader shows of a tenant, where not its payer account


@pytest.fixture
def tenant_b(tmp_path):
    """Tenant B's bills: test/data/cur with another payer account."""
    folder = tmp_path / "tenant_b"
    folder.mkdir()
    for name in ("sept.csv", "oct-part1.csv", "oct-part2.csv"):
        with open(os.path.join(CUR, name)) as f:
            (folder / name).write_text(f.read().replace(A, B).replace(USAGE_A, USAGE_B))
    return folder


def accounts(con, function, warehouse=None):
    """The billing accounts a reader shows, through `warehouse :=` (or the session's setting when None)."""
    w = f"warehouse := '{warehouse}'" if warehouse else ""
    sql = READERS[function].format(w=w, c=", " if w else "")
    return {row[0] for row in con.execute(sql).fetchall()}


def table_accounts(con, database):
    """Every payer account anywhere in a database's warehouse tables, read directly."""
    rows = con.execute(f"""
        SELECT DISTINCT billing_account FROM {database}.cbh.periods
        UNION SELECT DISTINCT BillingAccountId FROM {database}.cbh.silver_line_items
        UNION SELECT DISTINCT billing_account FROM {database}.cbh.gold_usage
        UNION SELECT DISTINCT billing_account FROM {database}.cbh.bronze_cur
        UNION SELECT DISTINCT billing_account FROM {database}.cbh.ledger WHERE billing_account IS NOT NULL""")
    return {r[0] for r in rows.fetchall()}


def test_two_tenants_in_one_session_never_see_each_other(connect, tmp_path, tenant_b):
    con = connect(str(tmp_path / "home.duckdb"))
    con.execute(f"ATTACH '{tmp_path / 'acme.duckdb'}' AS acme")
    con.execute(f"ATTACH '{tmp_path / 'beta.duckdb'}' AS beta")
    files = [f"{CUR}/{name}" for name in ("sept.csv", "oct-part1.csv", "oct-part2.csv")]
    landed = con.execute(f"SELECT billing_account, status FROM cbh_ingest({files}, warehouse := 'acme')")
    assert sorted(landed.fetchall()) == [(A, "ingested")] * 3
    con.execute("SET cbh_warehouse = 'beta'")
    landed = con.execute(f"SELECT billing_account, status FROM cbh_ingest('{tenant_b}/*.csv')").fetchall()
    assert sorted(landed) == [(B, "ingested")] * 3
    for function in READERS:
        own = OWN.get(function, {A: {A}, B: {B}})
        assert accounts(con, function) == own[B], function  # the session's setting
        assert accounts(con, function, "beta") == own[B], function
        assert accounts(con, function, "acme") == own[A], function
    assert con.execute("SELECT periods FROM cbh_status()").fetchone()[0] == 2
    # the databases themselves: each holds its tenant only; the home database holds neither
    assert table_accounts(con, "acme") == {A}
    assert table_accounts(con, "beta") == {B}
    assert table_accounts(con, "home") == set()
    con.execute("RESET cbh_warehouse")
    assert accounts(con, "cbh_silver") == set()
    # a forget in one tenant leaves the other as it was
    before = con.execute("SELECT * FROM cbh_silver(warehouse := 'acme') ORDER BY ALL").fetchall()
    forgot = con.execute("SELECT count(*) FROM cbh_forget(billing_period := '2024-09', warehouse := 'beta')")
    assert forgot.fetchone()[0] >= 1
    assert con.execute("SELECT * FROM cbh_silver(warehouse := 'acme') ORDER BY ALL").fetchall() == before
    assert [r[0] for r in con.execute("SELECT billing_period::VARCHAR FROM cbh_silver(warehouse := 'beta')")
            .fetchall()] == ["2024-10-01"]


def test_the_setting_belongs_to_its_session(connect, tmp_path, tenant_b):
    con = connect(str(tmp_path / "home.duckdb"))
    con.execute(f"ATTACH '{tmp_path / 'beta.duckdb'}' AS beta")
    con.execute(f"SELECT * FROM cbh_ingest('{tenant_b}/sept.csv', warehouse := 'beta')").fetchall()
    other = con.cursor()  # another connection to the same database
    con.execute("SET cbh_warehouse = 'beta'")
    assert accounts(con, "cbh_silver") == {B}
    assert accounts(other, "cbh_silver") == set()
    other.execute("SET GLOBAL cbh_warehouse = 'beta'")
    assert accounts(con.cursor(), "cbh_silver") == {B}  # a new session takes the global value
    # the parameter wins over the setting, and an empty one means the home database
    assert accounts(con, "cbh_silver", "home") == set()


def test_a_database_that_is_not_attached_fails_clearly(connect, tmp_path, tenant_b):
    con = connect(str(tmp_path / "home.duckdb"))
    with pytest.raises(duckdb.InvalidInputException,
                       match=r"cbh: cbh_silver\(warehouse := 'acme'\): no database 'acme' is attached \(attached: "
                             r"home\); ATTACH it first, e\.g\. ATTACH 'acme\.duckdb' AS acme"):
        con.execute("SELECT * FROM cbh_silver(warehouse := 'acme')").fetchall()
    con.execute("SET cbh_warehouse = 'gone'")
    with pytest.raises(duckdb.InvalidInputException, match=r"cbh_ingest\(\) with SET cbh_warehouse = 'gone': no "
                                                          r"database 'gone' is attached"):
        con.execute(f"SELECT * FROM cbh_ingest('{tenant_b}/sept.csv')").fetchall()
    con.execute("RESET cbh_warehouse")
    for own in ("temp", "system"):
        with pytest.raises(duckdb.InvalidInputException, match=f"'{own}' is DuckDB's own catalog"):
            con.execute(f"SELECT * FROM cbh_zombies(warehouse := '{own}')").fetchall()
    # a warehouse detached between calls is an error too, never the database the connection used before
    con.execute(f"ATTACH '{tmp_path / 'beta.duckdb'}' AS beta")
    con.execute(f"SELECT * FROM cbh_ingest('{tenant_b}/sept.csv', warehouse := 'beta')").fetchall()
    assert accounts(con, "cbh_silver", "beta") == {B}
    con.execute("DETACH beta")
    with pytest.raises(duckdb.InvalidInputException, match="no database 'beta' is attached"):
        con.execute("SELECT * FROM cbh_silver(warehouse := 'beta')").fetchall()
    assert accounts(con, "cbh_silver") == set()
    assert con.execute("SELECT count(*) FROM home.cbh.ledger").fetchone()[0] == 0


def test_read_only_attached_database_serves_the_readers(connect, tmp_path, tenant_b):
    db = tmp_path / "beta.duckdb"
    writer = duckdb.connect(str(db))  # a tenant's warehouse written elsewhere, then closed
    writer.close()
    con = connect(str(tmp_path / "home.duckdb"))
    con.execute(f"ATTACH '{db}' AS beta")
    con.execute(f"SELECT * FROM cbh_ingest('{tenant_b}/*.csv', warehouse := 'beta')").fetchall()
    con.execute("DETACH beta")
    con.execute(f"ATTACH '{db}' AS ro (READ_ONLY)")
    expected = con.execute("SELECT line_items, billed_cost FROM ro.cbh.periods ORDER BY billing_period").fetchall()
    assert con.execute("SELECT line_items, billed_cost FROM cbh_silver(warehouse := 'ro') ORDER BY billing_period") \
        .fetchall() == expected
    assert accounts(con, "cbh_zombies", "ro") == {B}
    with pytest.raises(duckdb.InvalidInputException,
                       match=r"cbh_ingest\(\) writes to the warehouse, but database 'ro' is open read-only"):
        con.execute(f"SELECT * FROM cbh_ingest('{CUR}/sept.csv', warehouse := 'ro')").fetchall()
    assert con.execute("SELECT count(*) FROM ro.cbh.ledger").fetchone()[0] == 3


def test_lockdown_binds_a_tenant_warehouse_too(connect, tmp_path, tenant_b):
    con = connect(str(tmp_path / "home.duckdb"))
    con.execute(f"ATTACH '{tmp_path / 'beta.duckdb'}' AS beta")
    con.execute(f"SET allowed_directories = ['{tenant_b}/']")
    con.execute("SET enable_external_access = false")
    landed = con.execute(f"SELECT status FROM cbh_ingest('{tenant_b}/sept.csv', warehouse := 'beta')").fetchall()
    assert landed == [("ingested",)]
    with pytest.raises(duckdb.InvalidInputException, match=r"Permission Error: Cannot access file"):
        con.execute(f"SELECT * FROM cbh_ingest('{CUR}/oct-part1.csv', warehouse := 'beta')").fetchall()
    with pytest.raises(duckdb.Error, match="disabled by configuration"):  # nor can a new tenant be attached
        con.execute(f"ATTACH '{tmp_path / 'gamma.duckdb'}' AS gamma")
    assert table_accounts(con, "beta") == {B}


def test_every_function_takes_warehouse(connect):
    con = connect()
    functions = {r[0] for r in con.execute("SELECT function FROM cbh_help() WHERE kind = 'function'").fetchall()}
    taking = {r[0] for r in con.execute(
        "SELECT function FROM cbh_help() WHERE kind = 'parameter' AND name = 'warehouse :='").fetchall()}
    assert functions == taking and len(functions) >= 9


TENANT = textwrap.dedent("""
    import sys, duckdb
    ext, db, files, account = sys.argv[1:]
    con = duckdb.connect(config={"allow_unsigned_extensions": "true"})
    con.execute(f"LOAD '{ext}'")
    con.execute(f"ATTACH '{db}' AS tenant")
    con.execute("SET cbh_warehouse = 'tenant'")
    for _ in range(3):  # ingest, forget, ingest: the tenant's warehouse is written while the other process writes
        statuses = {r[0] for r in con.execute(f"SELECT status FROM cbh_ingest('{files}')").fetchall()}
        assert statuses == {"ingested"}, statuses
        con.execute("SELECT * FROM cbh_forget(billing_period := '2024-09')").fetchall()
        con.execute("SELECT * FROM cbh_forget(billing_period := '2024-10')").fetchall()
    con.execute(f"SELECT * FROM cbh_ingest('{files}')").fetchall()
    seen = {r[0] for r in con.execute("SELECT billing_account FROM cbh_silver()").fetchall()}
    assert seen == {account}, seen
    con.execute("CHECKPOINT tenant")
""")


def test_two_tenants_in_two_processes(ext, tmp_path, tenant_b):
    a_files = tmp_path / "tenant_a"
    a_files.mkdir()
    for name in ("sept.csv", "oct-part1.csv", "oct-part2.csv"):
        (a_files / name).write_text(open(os.path.join(CUR, name)).read())
    procs = [subprocess.Popen([sys.executable, "-c", TENANT, ext, str(tmp_path / f"{t}.duckdb"), f"{files}/*.csv",
                               account], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for t, files, account in (("acme", a_files, A), ("beta", tenant_b, B))]
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    con = duckdb.connect()
    for t, account in (("acme", A), ("beta", B)):
        con.execute(f"ATTACH '{tmp_path / t}.duckdb' AS {t} (READ_ONLY)")
        assert table_accounts(con, t) == {account}
        assert con.execute(f"SELECT sum(line_items) FROM {t}.cbh.periods").fetchone()[0] == 12


def test_the_cli_takes_the_setting(ext, tmp_path, tenant_b):
    home, beta = tmp_path / "home.duckdb", tmp_path / "beta.duckdb"
    sql = (f"LOAD '{ext}'; ATTACH '{beta}' AS beta; SET cbh_warehouse = 'beta'; "
           f"SELECT status FROM cbh_ingest('{tenant_b}/sept.csv'); "
           "SELECT billing_account FROM cbh_silver(); SELECT count(*) AS home_rows FROM home.cbh.ledger; CHECKPOINT beta;")
    result = run_cli(["-unsigned", "-csv", str(home)], sql)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["status", "ingested", "billing_account", B, "home_rows", "0", "Success"]
