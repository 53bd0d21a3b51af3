"""The CI gate: `cbh_check` makes the duckdb CLI exit non-zero, naming the top offenders, when a period's waste (the
one named by billing_period, else the latest) is over the budget, and exits zero printing the figures otherwise
(docs/workflows.md, "The CI gate"); examples/ci_gate.sh on real landing folders: rejections fail it, it judges the
newest period of its own run, takes metrics files as metrics, quotes its paths and checks its budgets before
ingesting."""
import datetime
import decimal
import os
import shutil
import subprocess

import duckdb
import pytest

from conftest import REPO, cli_binary, run_cli


def gate(ext, warehouse, budget):
    return run_cli(["-unsigned", str(warehouse), "-c", f"LOAD '{ext}'; SELECT * FROM cbh_check({budget})"])


def test_ci_gate_exit_status(ext, tmp_path):
    warehouse = tmp_path / "w.duckdb"
    files = [os.path.join(REPO, "test", "data", "cur", f) for f in ("sept.csv", "oct-part1.csv", "oct-part2.csv")]
    r = run_cli(["-unsigned", str(warehouse), "-c",
                 f"LOAD '{ext}'; SELECT count(*) FROM cbh_ingest([{', '.join(repr(f) for f in files)}])"])
    assert r.returncode == 0, r.stderr
    # October (the latest period) wastes 0.095 of 0.195: nat-0aaa 0.09, eipalloc-0idle 0.005 (two rules, once).
    over = gate(ext, warehouse, "max_waste := 0.05")
    assert over.returncode != 0
    assert "waste in billing period 2024-10 is 0.095" in over.stderr, over.stderr
    # eipalloc-0idle's two findings tie: the first rule by name, every time (a CI log must not change by itself).
    for _ in range(3):
        again = gate(ext, warehouse, "max_waste := 0.05")
        assert "Top offenders: nat-0aaa (zero_usage, 0.09); eipalloc-0idle (idle_public_ip, 0.005)" in again.stderr, \
            again.stderr
    share = gate(ext, warehouse, "max_waste_share := 0.4")
    assert share.returncode != 0 and "48.718 %" in share.stderr, share.stderr
    ok = gate(ext, warehouse, "max_waste := 1, max_waste_share := 0.5")
    assert ok.returncode == 0, ok.stderr
    assert "within budget" in ok.stdout and "0.095" in ok.stdout
    # No budget is a usage error, not a pass.
    none = gate(ext, warehouse, "")
    assert none.returncode != 0 and "cbh_check needs a budget" in none.stderr


def test_example_ci_script(ext, tmp_path):
    warehouse = tmp_path / "w.duckdb"
    env = dict(os.environ, CBH_EXTENSION=ext, DUCKDB=os.path.join(os.path.dirname(os.sys.executable), "duckdb"))
    script = os.path.join(REPO, "examples", "ci_gate.sh")
    landing = os.path.join(REPO, "examples", "landing")  # docs/workflows.md's example: one report a month, in folders
    ok = subprocess.run([script, str(warehouse), landing, "1"], capture_output=True, text=True, env=env, timeout=120)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    over = subprocess.run([script, str(warehouse), landing, "0.01"], capture_output=True, text=True, env=env,
                          timeout=120)
    assert over.returncode != 0 and "over the budget" in over.stdout + over.stderr


def test_gate_without_a_bill_fails(ext, tmp_path):
    """A CI job whose ingest found nothing (a wrong path) must not pass the gate: no bill is an error, named."""
    warehouse = tmp_path / "w.duckdb"
    fresh = gate(ext, warehouse, "max_waste := 500")
    assert fresh.returncode != 0 and "the warehouse holds no bill yet" in fresh.stderr, fresh.stderr
    r = run_cli(["-unsigned", str(warehouse), "-c",
                 f"LOAD '{ext}'; SELECT * FROM cbh_ingest('{tmp_path}/nothing-here/*.csv')"])
    assert r.returncode != 0 and "no file matches" in r.stderr, r.stderr
    again = gate(ext, warehouse, "max_waste := 500")
    assert again.returncode != 0 and "the warehouse holds no bill yet" in again.stderr, again.stderr


def test_negative_budget_is_a_usage_error(ext, tmp_path):
    r = gate(ext, tmp_path / "w.duckdb", "max_waste := -1")
    assert r.returncode != 0 and "cbh_check(max_waste := -1" in r.stderr and "cannot be negative" in r.stderr, r.stderr


# --- The gate script (examples/ci_gate.sh) on real landing folders. ---

SCRIPT = os.path.join(REPO, "examples", "ci_gate.sh")
EXAMPLE = os.path.join(REPO, "examples", "landing")
CUR = os.path.join(REPO, "test", "data", "cur")


def run_gate(ext, warehouse, landing, *budget):
    env = dict(os.environ, CBH_EXTENSION=ext, DUCKDB=cli_binary())
    r = subprocess.run([SCRIPT, str(warehouse), str(landing), *budget], capture_output=True, text=True, env=env,
                       timeout=180, stdin=subprocess.DEVNULL)
    r.output = r.stdout + r.stderr
    return r


def landing_folder(root, files):
    """A landing folder: {relative path: source file}."""
    for rel, src in files.items():
        os.makedirs(os.path.dirname(os.path.join(root, rel)), exist_ok=True)
        shutil.copyfile(src, os.path.join(root, rel))
    return root


def ledger(warehouse, sql="SELECT file, format, status FROM cbh.ledger ORDER BY ledger_id"):
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_gate_fails_when_a_file_of_the_run_is_rejected(ext, tmp_path):
    """A good September and a rejected October: the gate fails, naming the rejected files and why, and does not
    judge September in October's place."""
    landing = landing_folder(str(tmp_path / "landing"), {
        "2024-09/cur-2024-09.csv": os.path.join(CUR, "sept.csv"),
        "2024-10/cur-2024-10-part1.csv": os.path.join(CUR, "oct-part1.csv"),
        "2024-10/cur-2024-10-part2.csv": os.path.join(REPO, "test", "data", "bad", "oct-part2-bad-cost.csv"),
    })
    r = run_gate(ext, tmp_path / "w.duckdb", landing, "1000")
    assert r.returncode == 1, r.output
    assert "ci_gate.sh: 2 files of this run rejected, so the gate fails" in r.stderr, r.output
    for part in ("cur-2024-10-part1.csv", "cur-2024-10-part2.csv"):
        assert f"{landing}/2024-10/{part}: cbh: file" in r.stderr, r.output
    assert "'ten cents' is not an amount cbh can hold exactly" in r.stderr, r.output
    assert "within budget" not in r.output


def test_gate_judges_the_newest_period_of_its_run(ext, tmp_path):
    """The warehouse already holds October; a run whose landing folder holds only September (its bytes already
    there, so skipped) judges September, not the warehouse's newest period."""
    warehouse = tmp_path / "w.duckdb"
    assert run_gate(ext, warehouse, EXAMPLE, "1000").returncode == 0
    september = landing_folder(str(tmp_path / "september"), {"cur-2024-09.csv": os.path.join(CUR, "sept.csv")})
    # September wastes 0.0900000001 (nat-0aaa, vol-0idle); October 0.095.
    r = run_gate(ext, warehouse, september, "0.05")
    assert r.returncode == 1, r.output
    assert "waste in billing period 2024-09 is 0.09" in r.stderr, r.output
    ok = run_gate(ext, warehouse, september, "0.0900000001")
    assert ok.returncode == 0 and "within budget" in ok.stdout and "2024-09-01" in ok.stdout, ok.output
    assert "skipped" in ok.stdout


def test_gate_takes_metrics_files_as_metrics(ext, tmp_path):
    """A metrics file in the landing folder (a folder or file name holding 'metrics') is ingested as metrics."""
    example = os.path.join(REPO, "examples", "metrics-example.csv")
    landing = landing_folder(str(tmp_path / "landing"), {
        "2024-09/cur-2024-09.csv": os.path.join(CUR, "sept.csv"),
        "metrics/cloudwatch-2024-09.csv": example,
    })
    with open(example) as f:  # a second day of the same metrics, in a file whose own name says so
        (tmp_path / "landing" / "2024-09" / "EC2-Metrics.csv").write_text(f.read().replace("2024-09-01", "2024-09-02"))
    warehouse = tmp_path / "w.duckdb"
    r = run_gate(ext, warehouse, landing, "1000")
    assert r.returncode == 0, r.output
    rows = ledger(warehouse)
    assert (f"{landing}/metrics/cloudwatch-2024-09.csv", "metrics", "ingested") in rows, rows
    assert (f"{landing}/2024-09/EC2-Metrics.csv", "metrics", "ingested") in rows, rows
    assert (f"{landing}/2024-09/cur-2024-09.csv", "cur", "ingested") in rows, rows
    assert ledger(warehouse, "SELECT count(*) FROM cbh.metrics")[0][0] == 12


def test_gate_fails_on_a_bill_filed_as_metrics(ext, tmp_path):
    """The metrics rule goes by name, so a bill under metrics/ is read as metrics: cbh rejects it, and so does the
    gate, naming it (a misfiled file never passes unseen)."""
    landing = landing_folder(str(tmp_path / "landing"), {
        "2024-09/cur-2024-09.csv": os.path.join(CUR, "sept.csv"),
        "metrics/cur-2024-10.csv": os.path.join(CUR, "oct-part1.csv"),
    })
    r = run_gate(ext, tmp_path / "w.duckdb", landing, "1000")
    assert r.returncode == 1, r.output
    assert f"1 file of this run rejected, so the gate fails (fix or remove them, then run it again): " \
           f"{landing}/metrics/cur-2024-10.csv: cbh: file" in r.stderr, r.output


def test_gate_leaves_out_what_is_not_an_export(ext, tmp_path):
    """An `aws s3 sync` copy holds AWS's companion files and may hold OS litter: cbh would reject them, so the gate
    leaves them out (as scripts/watch.sh does), says so, and judges the bills."""
    landing = landing_folder(str(tmp_path / "landing"),
                             {"cur/20240901-20241001/cur-1.csv": os.path.join(CUR, "sept.csv")})
    companions = {
        "cur/20240901-20241001/cur-RedshiftCommands.sql": "copy x from 's3://b/x' GZIP;\n",
        "cur/20240901-20241001/cur-RedshiftManifest.json": '{"entries": []}\n',
        "cur/crawler-cfn.yml": "AWSTemplateFormatVersion: 2010-09-09\n",
        "cur/cost_and_usage_data_status/cost_and_usage_data_status.csv": "status\nREADY\n",
        ".DS_Store": "\0\0",
        "cur/._cur-1.csv": "\0\0",
        "NOTES.txt": "fetched by the CI job\n",
    }
    for rel, text in companions.items():
        os.makedirs(os.path.dirname(os.path.join(landing, rel)), exist_ok=True)
        with open(os.path.join(landing, rel), "w") as f:
            f.write(text)
    warehouse = tmp_path / "w.duckdb"
    r = run_gate(ext, warehouse, landing, "1000")
    assert r.returncode == 0, r.output
    assert f"left out 7 files under '{landing}' that are not exports" in r.stdout, r.output
    assert ledger(warehouse) == [(f"{landing}/cur/20240901-20241001/cur-1.csv", "cur", "ingested")]


def test_example_landing_folder_passes_with_its_metrics(ext, tmp_path):
    """The documented example folder (docs/workflows.md) holds a metrics file too; the gate ingests it as metrics."""
    warehouse = tmp_path / "w.duckdb"
    r = run_gate(ext, warehouse, EXAMPLE, "1000")
    assert r.returncode == 0 and "rejected" not in r.output, r.output
    assert ("metrics", "ingested") in [(f, s) for _, f, s in ledger(warehouse)]


def test_gate_quotes_its_paths(ext, tmp_path):
    """A ' in the landing folder's or the extension's path does not break the SQL the gate runs."""
    landing = landing_folder(str(tmp_path / "it's a landing"), {
        "2024-09/cur-2024-09.csv": os.path.join(CUR, "sept.csv"),
        "2024-10/o'clock.csv": os.path.join(CUR, "oct-part1.csv"),
    })
    ext_dir = tmp_path / "o'brien"
    ext_dir.mkdir()
    os.symlink(ext, ext_dir / "cbh.duckdb_extension")
    warehouse = tmp_path / "w.duckdb"
    r = run_gate(str(ext_dir / "cbh.duckdb_extension"), warehouse, landing + "/", "1000")
    assert r.returncode == 0, r.output
    files = sorted(f for f, _, s in ledger(warehouse) if s == "ingested")
    assert files == [f"{landing}/2024-09/cur-2024-09.csv", f"{landing}/2024-10/o'clock.csv"], files
    assert "2024-10-01" in r.stdout  # the newest period of the run


def test_gate_tries_each_file_itself(ext, tmp_path):
    """A file name with glob characters is tried as itself, never as a glob matching another file: cbh rejects
    it (such a name cannot be read unambiguously), so the gate fails naming it; the file it would match lands."""
    landing = landing_folder(str(tmp_path / "landing"), {
        "a[1].csv": os.path.join(CUR, "sept.csv"),
        "a1.csv": os.path.join(CUR, "oct-part1.csv"),
    })
    warehouse = tmp_path / "w.duckdb"
    r = run_gate(ext, warehouse, landing, "1000")
    assert r.returncode == 1, r.output
    assert f"1 file of this run rejected, so the gate fails (fix or remove them, then run it again): " \
           f"{landing}/a[1].csv: cbh: file" in r.stderr and "glob character" in r.stderr, r.output
    assert sorted(ledger(warehouse)) == [(f"{landing}/a1.csv", "cur", "ingested"), (f"{landing}/a[1].csv", None,
                                                                                     "rejected")]


@pytest.mark.parametrize("budget", [["abc"], ["5%"], ["-1"], ["1e3"], [""], ["1.2.3"], ["1", "x"], ["1", "5"],
                                    ["1", "1.01"], ["1", "-0.1"]])
def test_gate_refuses_bad_budgets_before_ingesting(ext, tmp_path, budget):
    warehouse = tmp_path / "w.duckdb"
    r = run_gate(ext, warehouse, EXAMPLE, *budget)
    assert r.returncode == 2, r.output
    assert "MAX_WASTE" in r.stderr and "usage:" in r.stderr, r.output
    assert not warehouse.exists()  # nothing ingested


# --- cbh_check(billing_period := ...) and its budgets, in both hosts. ---

def loaded(ext, warehouse):
    files = [os.path.join(CUR, f) for f in ("sept.csv", "oct-part1.csv", "oct-part2.csv")]
    r = run_cli(["-unsigned", str(warehouse), "-c",
                 f"LOAD '{ext}'; SELECT count(*) FROM cbh_ingest([{', '.join(repr(f) for f in files)}])"])
    assert r.returncode == 0, r.stderr
    return warehouse


@pytest.mark.parametrize("period", ["DATE '2024-09-01'", "'2024-09'", "'2024-09-01'", "'2024-09-17'",
                                    "' 2024-9 '"])
def test_check_judges_the_billing_period_given(ext, tmp_path, period):
    warehouse = loaded(ext, tmp_path / "w.duckdb")
    over = gate(ext, warehouse, f"max_waste := 0.05, billing_period := {period}")
    assert over.returncode != 0 and "waste in billing period 2024-09 is 0.09" in over.stderr, over.stderr
    ok = gate(ext, warehouse, f"max_waste := 1, billing_period := {period}")
    assert ok.returncode == 0 and "2024-09-01" in ok.stdout and "within budget" in ok.stdout, ok.stderr
    # Without it, the latest period (October).
    latest = gate(ext, warehouse, "max_waste := 0.05")
    assert "waste in billing period 2024-10 is 0.095" in latest.stderr, latest.stderr


@pytest.mark.parametrize("period, says", [
    ("'September'", "cbh_check(billing_period := 'September')"),
    ("'2024-13'", "cbh_check(billing_period := '2024-13')"),
    ("'2024-02-30'", "cbh_check(billing_period := '2024-02-30')"),
    ("'2024-09-01 00:00:00'", "cbh_check(billing_period := '2024-09-01 00:00:00')"),
    ("202409", "cbh_check(billing_period := '202409')"),
    ("NULL", "cbh_check(billing_period := NULL)"),
])
def test_check_refuses_a_malformed_billing_period(ext, tmp_path, period, says):
    r = gate(ext, loaded(ext, tmp_path / "w.duckdb"), f"max_waste := 1, billing_period := {period}")
    assert r.returncode != 0 and says in r.stderr, r.stderr
    assert "cbh: " in r.stderr


def test_check_refuses_a_period_without_a_bill(ext, tmp_path):
    r = gate(ext, loaded(ext, tmp_path / "w.duckdb"), "max_waste := 1, billing_period := '2024-12'")
    assert r.returncode != 0, r.stdout
    assert "cbh: cbh_check(billing_period := '2024-12'): the warehouse has no bill for billing period 2024-12" \
        in r.stderr and "2024-10, 2024-09" in r.stderr, r.stderr


def test_check_billing_period_in_python(ext, connect, tmp_path):
    con = connect(str(tmp_path / "w.duckdb"))
    files = [os.path.join(CUR, f) for f in ("sept.csv", "oct-part1.csv", "oct-part2.csv")]
    con.execute("SELECT count(*) FROM cbh_ingest(?)", [files]).fetchall()
    row = con.execute("SELECT billing_period, waste, status FROM cbh_check(max_waste := 1, billing_period := ?)",
                      [datetime.date(2024, 9, 1)]).fetchone()
    assert row == (datetime.date(2024, 9, 1), decimal.Decimal("0.090000000100"), "within budget")
    assert con.execute("SELECT billing_period FROM cbh_check(max_waste := 1, billing_period := '2024-10')"
                       ).fetchone() == (datetime.date(2024, 10, 1),)
    with pytest.raises(duckdb.Error, match=r"cbh: cbh_check\(billing_period := 'last month'\)"):
        con.execute("SELECT * FROM cbh_check(max_waste := 1, billing_period := 'last month')").fetchall()
    with pytest.raises(duckdb.Error, match="no bill for billing period 2025-01"):
        con.execute("SELECT * FROM cbh_check(max_waste := 1, billing_period := DATE '2025-01-31')").fetchall()


@pytest.mark.parametrize("share", ["5", "1.000000000001", "100"])
def test_check_refuses_a_share_over_one(ext, tmp_path, share):
    r = gate(ext, loaded(ext, tmp_path / "w.duckdb"), f"max_waste_share := {share}")
    assert r.returncode != 0 and "cbh: cbh_check(max_waste_share := " in r.stderr, r.stderr
    assert "a share of spend is between 0 and 1" in r.stderr, r.stderr


def test_check_takes_a_share_of_one(ext, tmp_path):
    r = gate(ext, loaded(ext, tmp_path / "w.duckdb"), "max_waste_share := 1")
    assert r.returncode == 0 and "within budget" in r.stdout, r.stderr
