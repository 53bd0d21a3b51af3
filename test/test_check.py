"""The CI gate: `cbh_check` makes the duckdb CLI exit non-zero, naming the top offenders, when the latest period's
waste is over the budget, and exits zero printing the figures otherwise (README, "The CI gate")."""
import os
import subprocess

from conftest import REPO, run_cli


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
    landing = os.path.join(REPO, "examples", "landing")  # the README's example: one report per month, in folders
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
