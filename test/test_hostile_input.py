"""Broken and hostile files are rejected with a message naming the file; the host survives; nothing lands."""
import gzip
import os

import pytest

from conftest import REPO

SEPT = os.path.join(REPO, "test", "data", "cur", "sept.csv")


def lines():
    with open(SEPT) as f:
        return f.read().splitlines()


def make(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return str(path)


CASES = {
    "junk.csv": (lambda: os.urandom(4096) + b"\0", "has a NUL byte"),
    "fake.csv.gz": (lambda: b"not gzip at all", "is named like a gzip file but is not gzip-compressed"),
    "wide.csv": (lambda: "\n".join([lines()[0] + "," + ",".join(f"c{i}" for i in range(10000))]
                                  + [l + "," * 10000 for l in lines()[1:]]) + "\n",
                 "has 10018 columns; cbh takes at most 2000"),
    "truncated.csv": (lambda: "\n".join(lines())[:-40], "cannot be read as CSV"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_file_is_rejected_cleanly(connect, tmp_path, name):
    content, message = CASES[name]
    path = make(tmp_path, name, content())
    con = connect(str(tmp_path / "w.duckdb"))
    con.execute(f"SELECT * FROM cbh_ingest('{SEPT}')").fetchall()
    (status, error), = con.execute(f"SELECT status, error FROM cbh_ingest('{path}')").fetchall()
    assert status == "rejected"
    assert error.startswith(f"cbh: file '{path}'"), error
    assert message in error, error
    assert "LINE " not in error, "cbh's own SQL must not leak into messages"
    assert con.execute("SELECT line_items FROM cbh_silver()").fetchall() == [(8,)]


def test_gzip_csv_is_read_through_duckdb(connect, tmp_path):
    with open(SEPT, "rb") as f:
        path = make(tmp_path, "sept.csv.gz", gzip.compress(f.read()))
    con = connect()
    assert con.execute(f"SELECT status, rows FROM cbh_ingest('{path}')").fetchall() == [("ingested", 8)]
