"""No panic crosses the FFI boundary: a panic anywhere in cbh (injected with CBH_FAULT=<phase>, see src/diag.rs)
surfaces as an ordinary DuckDB error, the host process lives on, the warehouse is as it was, and cbh keeps working.
The injection is compiled only into the test build (cargo feature fault-injection): these tests load that build,
and the last one checks that the release build ignores CBH_FAULT.
"""
import os
import subprocess

import duckdb
import pytest

from conftest import REPO, cli_binary, extension_path, fault_extension_path, record_figure

SEPT = os.path.join(REPO, "test", "data", "cur", "sept.csv")
OCT = os.path.join(REPO, "test", "data", "cur", "oct-part1.csv")
INGEST_PHASES = ["bind", "run", "list", "hash", "stage", "bronze", "silver", "gold", "daily", "ledger", "commit"]
SURVIVED = []


@pytest.fixture(scope="session")
def ext():
    """This module's tests (and the `connect` fixture they use) load the test build."""
    return fault_extension_path()


def test_the_release_build_has_no_fault_injection(tmp_path, monkeypatch):
    """What users load ignores CBH_FAULT: the ingest lands."""
    monkeypatch.setenv("CBH_FAULT", "silver")
    con = duckdb.connect(str(tmp_path / "r.duckdb"), config={"allow_unsigned_extensions": "true"})
    con.execute(f"LOAD '{extension_path()}'")
    assert con.execute(f"SELECT status FROM cbh_ingest('{SEPT}')").fetchall() == [("ingested",)]
    con.close()


@pytest.fixture
def fault(monkeypatch):
    def _set(phase):
        monkeypatch.setenv("CBH_FAULT", phase)
    return _set


def internal(phase, function="cbh_ingest()"):
    place = f"{function} bind" if phase == "bind" else function
    return (f"cbh: internal error (a bug in cbh, please report it): {place} panicked: "
            f"CBH_FAULT: fault injected at phase '{phase}'")


@pytest.mark.parametrize("phase", INGEST_PHASES)
def test_a_panic_in_ingest_is_an_error_and_changes_nothing(connect, tmp_path, fault, monkeypatch, phase):
    con = connect(str(tmp_path / "w.duckdb"))
    con.execute(f"SELECT * FROM cbh_ingest('{SEPT}')").fetchall()
    before = con.execute("SELECT count(*), sum(BilledCost) FROM cbh.silver_line_items").fetchone()
    ledger = con.execute("SELECT count(*) FROM cbh.ledger").fetchone()
    fault(phase)
    with pytest.raises(duckdb.Error) as e:
        con.execute(f"SELECT * FROM cbh_ingest('{OCT}')").fetchall()
    assert internal(phase) in str(e.value)
    monkeypatch.delenv("CBH_FAULT")
    assert con.execute("SELECT count(*), sum(BilledCost) FROM cbh.silver_line_items").fetchone() == before
    assert con.execute("SELECT count(*) FROM cbh.ledger").fetchone() == ledger
    # cbh's writer is not left inside a transaction: the next ingest lands
    assert con.execute(f"SELECT status FROM cbh_ingest('{OCT}')").fetchall() == [("ingested",)]
    SURVIVED.append(phase)


@pytest.mark.parametrize("function", ["cbh_zombies", "cbh_silver", "cbh_status"])
def test_a_panic_in_a_reading_function_is_an_error(connect, tmp_path, fault, monkeypatch, function):
    con = connect(str(tmp_path / "w.duckdb"))
    con.execute(f"SELECT * FROM cbh_ingest('{SEPT}')").fetchall()
    for phase in ("bind", "run"):
        fault(phase)
        with pytest.raises(duckdb.Error) as e:
            con.execute(f"SELECT * FROM {function}()").fetchall()
        assert internal(phase, f"{function}()") in str(e.value)
        SURVIVED.append(f"{function}:{phase}")
    monkeypatch.delenv("CBH_FAULT")
    assert con.execute(f"SELECT count(*) FROM {function}()").fetchone()[0] >= 1


def test_a_panic_while_loading_is_an_error(ext, fault):
    fault("load")
    con = duckdb.connect(config={"allow_unsigned_extensions": "true"})
    with pytest.raises(duckdb.Error, match=r"LOAD cbh panicked: CBH_FAULT: fault injected at phase 'load'"):
        con.execute(f"LOAD '{ext}'")
    assert con.execute("SELECT 42").fetchone() == (42,)
    con.close()
    SURVIVED.append("load")


def test_the_cli_survives_a_panic_and_exits_with_an_error(ext, tmp_path):
    env = dict(os.environ, CBH_FAULT="silver")
    r = subprocess.run([cli_binary(), "-unsigned", str(tmp_path / "w.duckdb"), "-c",
                        f"LOAD '{ext}'; SELECT * FROM cbh_ingest('{SEPT}'); SELECT 'still here';"],
                       capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 1, (r.returncode, r.stderr)  # an error, not an abort (which would be -6)
    assert internal("silver") in r.stderr
    SURVIVED.append("cli:silver")
    record_figure("panics", injected=len(SURVIVED), survived=sorted(SURVIVED))
