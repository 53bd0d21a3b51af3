"""Shared fixtures: the built extension, the two real hosts (Python duckdb and the duckdb CLI), generated data."""
import json
import os
import subprocess
import sys

import duckdb
import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REAL_DATA = os.path.abspath(os.path.join(REPO, "..", "shared", "data", "real"))
VENV_BIN = os.path.dirname(sys.executable)
# The warehouse layout this cbh writes (LAYOUT in src/pipeline/mod.rs; test_warehouse_layout.py checks they agree).
LAYOUT = 7


def extension_path():
    path = os.environ.get("CBH_EXTENSION") or os.path.join(REPO, "build", "release", "cbh.duckdb_extension")
    if not os.path.exists(path):
        pytest.fail(f"{path} does not exist: build the extension first (make)")
    return path


@pytest.fixture(scope="session")
def ext():
    return extension_path()


def fault_extension_path():
    """The test build: the extension with panic injection (`CBH_FAULT`, cargo feature fault-injection), which the
    release build users load leaves out. `make test` builds it."""
    path = os.environ.get("CBH_FAULT_EXTENSION") or os.path.join(REPO, "build", "test", "cbh.duckdb_extension")
    if not os.path.exists(path):
        pytest.fail(f"{path} does not exist: build the test extension first (make build/test/cbh.duckdb_extension)")
    return path


@pytest.fixture
def connect(ext):
    """Opens a database in Python with unsigned extensions allowed and cbh loaded; closes it afterwards."""
    opened = []

    def _connect(path=":memory:", load=True, **config):
        con = duckdb.connect(path, config={"allow_unsigned_extensions": "true", **config})
        if load:
            con.execute(f"LOAD '{ext}'")
        opened.append(con)
        return con

    yield _connect
    for con in opened:
        try:
            con.close()
        except Exception:
            pass


def cli_binary():
    return os.path.join(VENV_BIN, "duckdb")


def run_cli(args, sql=None, cwd=REPO, timeout=120, binary=None):
    """Runs the duckdb CLI (pip package duckdb-cli) and returns the CompletedProcess."""
    cmd = [binary or cli_binary(), *args]
    if sql is not None:
        cmd += ["-c", sql]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)


@pytest.fixture(scope="session")
def generated(tmp_path_factory):
    """Two periods of synthetic legacy CUR with ground truth, September split in two files."""
    out = tmp_path_factory.mktemp("generated")
    subprocess.run(
        [sys.executable, os.path.join(REPO, "scripts", "gen_cur.py"), "--out", str(out), "--size-mb", "3",
         "--periods", "2024-09,2024-10", "--split", "2", "--seed", "7"],
        check=True, capture_output=True,
    )
    truths = {}
    for name in sorted(os.listdir(out)):
        if name.endswith(".truth.json"):
            with open(out / name) as f:
                t = json.load(f)
            truths[t["billing_period"]] = t
    return out, truths


@pytest.fixture(scope="session")
def zombie_scenario(tmp_path_factory):
    """The zombie scenario (scripts/gen_zombies.py): CUR months 2024-09 to 2024-11 with every rule's planted findings
    and look-alikes, metrics, and truth.json."""
    out = tmp_path_factory.mktemp("zombies")
    subprocess.run([sys.executable, os.path.join(REPO, "scripts", "gen_zombies.py"), str(out)], check=True)
    with open(out / "truth.json") as f:
        return out, json.load(f)


def real_file(name):
    path = os.path.join(REAL_DATA, name)
    if not os.path.exists(path):
        pytest.skip(f"real data not available: {path} is absent (it lives in ../shared/data/real/)")
    return path


@pytest.fixture(scope="session")
def formats(tmp_path_factory):
    """The same two-month bill in every input format (scripts/gen_formats.py), with truth.json."""
    out = tmp_path_factory.mktemp("formats")
    subprocess.run([sys.executable, os.path.join(REPO, "scripts", "gen_formats.py"), str(out)], check=True,
                   capture_output=True)
    return str(out)


FIGURES = os.path.join(REPO, "build", "reliability")


def record_figure(name, **fields):
    """Writes what a reliability test tried and found to build/reliability/NAME.json, for the Reliability
    table of docs/reliability.md (scripts/reliability_report.py)."""
    os.makedirs(FIGURES, exist_ok=True)
    with open(os.path.join(FIGURES, f"{name}.json"), "w") as f:
        json.dump(fields, f, indent=1, sort_keys=True, default=str)


# The slow set: soak, crash, fuzz, the watch loop, Ctrl-C, notebooks and the other tests that start many processes
# or wait on purpose. `make test` (and CI) runs everything; `make check` leaves these out (`-m "not slow"`).
SLOW_MODULES = {"test_soak", "test_crash", "test_fuzz_files", "test_watch", "test_interrupt", "test_notebook",
                "test_examples", "test_checkpoint", "test_threads", "test_lifecycle", "test_concurrency",
                "test_hostile_input", "test_bad_files", "test_check", "test_panic", "test_formats", "test_export_spark",
                "test_export_writers"}


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: left out of `make check` (the fast set); `make test` runs it")


def pytest_collection_modifyitems(items):
    for item in items:
        if item.module.__name__.rsplit(".", 1)[-1] in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)
