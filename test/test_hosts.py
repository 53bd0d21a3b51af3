"""The built file is a real DuckDB extension: both hosts load it unsigned, older hosts refuse it cleanly."""
import os
import subprocess
import sys

import duckdb
import pytest

from conftest import REPO, run_cli

sys.path.insert(0, os.path.join(REPO, "src"))


def read_footer(path):
    with open(path, "rb") as f:
        data = f.read()
    fields = data[-512:-256]
    text = [fields[i * 32:(i + 1) * 32].rstrip(b"\0").decode() for i in range(8)]
    return data, text


def test_footer_carries_abi_versions_and_platform(ext):
    data, fields = read_footer(ext)
    assert fields[:3] == ["", "", ""]
    assert fields[3] == "C_STRUCT"
    with open(os.path.join(REPO, "Cargo.toml")) as f:
        version = next(l.split('"')[1] for l in f if l.startswith("version"))
    assert fields[4] == version
    assert fields[5] == "v1.5.6"
    assert fields[6] == "linux_amd64"
    assert fields[7] == "4"
    assert data[-512 - 22:-512] == b"\x00\x93\x04\x10duckdb_signature\x80\x04"
    assert data[-256:] == bytes(256), "unsigned: the signature is zeros"
    assert os.path.basename(ext) == "cbh.duckdb_extension"


def test_python_host_loads_it_unsigned(connect):
    con = connect()
    cbh_version, duckdb_version = con.execute("SELECT cbh_version, duckdb_version FROM cbh_status()").fetchone()
    loaded = con.execute("SELECT extension_version FROM duckdb_extensions() WHERE extension_name = 'cbh'").fetchone()
    assert loaded == (cbh_version,)
    assert duckdb_version == "v" + duckdb.__version__


def test_python_host_refuses_it_without_allow_unsigned(ext):
    con = duckdb.connect()
    with pytest.raises(duckdb.Error, match="(?i)signature"):
        con.execute(f"LOAD '{ext}'")


def test_cli_host_loads_it_unsigned(ext, tmp_path):
    db = tmp_path / "w.duckdb"
    r = run_cli(["-unsigned", "-csv", str(db)],
                f"LOAD '{ext}'; SELECT status, rows FROM cbh_ingest('test/data/cur/sept.csv');")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["status,rows", "ingested,8"]
    assert "v1.5.6" in run_cli(["-csv", "-noheader"], "SELECT version()").stdout


def test_cli_reports_errors_with_a_non_zero_exit(ext):
    r = run_cli(["-unsigned"], f"LOAD '{ext}'; SELECT * FROM cbh_ingest('nothing/here/*.csv');")
    assert r.returncode != 0
    assert "no file matches 'nothing/here/*.csv'" in r.stderr


OLD_HOST = "duckdb==1.4.4"


def old_python_host():
    """The Python duckdb 1.4.4 package, installed apart from the test hosts (in build/hosts)."""
    target = os.path.join(REPO, "build", "hosts", "duckdb-1.4.4")
    if not os.path.exists(os.path.join(target, "duckdb")):
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                        "--target", target, OLD_HOST], check=True)
    return target


def test_older_host_refuses_it_cleanly(ext):
    code = (
        "import duckdb\n"
        "print(duckdb.__version__)\n"
        "con = duckdb.connect(config={'allow_unsigned_extensions': 'true'})\n"
        f"con.execute(\"LOAD '{ext}'\")\n"
        "print(con.execute('SELECT 42').fetchone())\n"
    )
    env = dict(os.environ, PYTHONPATH=old_python_host())
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert r.stdout.startswith("1.4.4"), r.stdout + r.stderr
    assert r.returncode == 1, f"the old host must refuse with an error, not crash (exit {r.returncode}): {r.stderr}"
    assert "built for DuckDB C API version 'v1.5.6'" in r.stderr, r.stderr
    assert "(42,)" not in r.stdout


def test_versions_are_pinned_consistently():
    """The DuckDB pins agree: the crate (DuckDB 2.0.0 C API), the Python host, the CLI and the minimum C API."""
    with open(os.path.join(REPO, "Cargo.toml")) as f:
        cargo = f.read()
    with open(os.path.join(REPO, "test", "requirements.txt")) as f:
        reqs = f.read()
    with open(os.path.join(REPO, "src", "lib.rs")) as f:
        lib = f.read()
    assert 'duckdb = { version = "=1.20000.1"' in cargo
    assert "duckdb==2.0." in reqs and "duckdb-cli==1.5.6" in reqs
    assert 'MIN_DUCKDB_VERSION: &str = "v1.5.6"' in lib
    assert duckdb.__version__.startswith("2.0.")


def test_changelog_names_the_built_version(ext):
    """CHANGELOG.md (keep a changelog) has a section for the version the footer carries, its newest release."""
    import re
    _, fields = read_footer(ext)
    with open(os.path.join(REPO, "CHANGELOG.md")) as f:
        text = f.read()
    releases = re.findall(r"^## \[(\d+\.\d+\.\d+)\] - \d{4}-\d{2}-\d{2}$", text, re.M)
    assert releases and releases[0] == fields[4], (releases, fields[4])
    assert f"[{fields[4]}]: " in text, "the release has its link at the foot"

