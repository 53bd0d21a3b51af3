"""A compressed bill lands only when its stream is complete: DuckDB's readers take some cut-short streams as whole
files (a zstd file cut where a block ends, about one cut in ten), and the rows before the cut would land as the
whole bill. cbh refuses them, naming the file, and leaves the warehouse as it was."""
import gzip
import os
import subprocess
import sys
import zlib

import duckdb
import pytest

from conftest import REPO


@pytest.fixture(scope="module")
def bill(tmp_path_factory):
    out = tmp_path_factory.mktemp("compressed")
    subprocess.run([sys.executable, os.path.join(REPO, "scripts", "gen_cur.py"), "--out", str(out), "--size-mb", "4"],
                   check=True, capture_output=True)
    return out / "cur-2024-09.csv"


def plain_duckdb_reads(path):
    """Line items plain DuckDB reads from path, or None when it refuses the file."""
    try:
        return duckdb.connect().execute(f"SELECT count(*) FROM read_csv('{path}', all_varchar = true)").fetchone()[0]
    except duckdb.Error:
        return None


def ingest(connect, warehouse, path):
    con = connect(str(warehouse))
    row = con.execute(f"SELECT status, rows, error FROM cbh_ingest('{path}')").fetchone()
    periods = con.execute("SELECT count(*) FROM cbh.periods").fetchone()[0]
    con.close()
    return row, periods


def test_a_zstd_file_cut_where_duckdb_sees_a_whole_file_is_refused(connect, bill, tmp_path):
    whole_path = tmp_path / "whole.csv.zst"
    duckdb.connect().execute(f"COPY (FROM read_csv('{bill}', all_varchar = true)) TO '{whole_path}' "
                             "(FORMAT csv, COMPRESSION zstd)")
    whole = whole_path.read_bytes()
    total = plain_duckdb_reads(whole_path)
    cut_path, slipped = tmp_path / "cut.csv.zst", None
    for cut in range(len(whole) // 3, len(whole), 97):
        cut_path.write_bytes(whole[:cut])
        rows = plain_duckdb_reads(cut_path)
        if rows is not None and rows < total:
            slipped = (cut, rows)
            break
    assert slipped, "no cut of the zstd file was taken as whole by DuckDB: this test no longer reproduces the problem"
    (status, rows, error), periods = ingest(connect, tmp_path / "w.duckdb", cut_path)
    assert (status, rows, periods) == ("rejected", None, 0), (slipped, error)
    assert f"file '{cut_path}': is not a complete zstd file" in error
    (status, rows, _), periods = ingest(connect, tmp_path / "w.duckdb", whole_path)
    assert (status, rows, periods) == ("ingested", total, 1)


def test_gzip_cuts_that_end_on_a_whole_line_are_refused_and_leave_the_warehouse_as_it_was(connect, bill, tmp_path):
    text = bill.read_bytes()
    whole = gzip.compress(text, 6)
    warehouse = tmp_path / "w.duckdb"
    # A landed September first: the refused cuts must leave it as it is.
    other = tmp_path / "other.csv"
    other.write_bytes(open(os.path.join(REPO, "test", "data", "cur", "sept.csv"), "rb").read())
    (status, _, _), before = ingest(connect, warehouse, other)
    assert status == "ingested"
    # Cuts where the decompressed text so far ends on a line, the kind the issue saw land.
    cuts, d = [], zlib.decompressobj(31)
    for end in range(1, len(whole) - 8):
        out = d.decompress(whole[end - 1:end])
        if out.endswith(b"\n") and end > 1000:
            cuts.append(end)
    assert len(cuts) > 10
    # And a cut at a full flush, where a deflate block ends on a byte boundary after a whole line.
    c = zlib.compressobj(6, zlib.DEFLATED, 31)
    flushed = c.compress(text[: text.index(b"\n", len(text) // 2) + 1]) + c.flush(zlib.Z_FULL_FLUSH)
    samples = [whole[:cut] for cut in cuts[:: max(1, len(cuts) // 8)]] + [flushed, whole[:-4], whole[:-8]]
    for i, data in enumerate(samples):
        path = tmp_path / f"cut-{i}.csv.gz"
        path.write_bytes(data)
        (status, rows, error), periods = ingest(connect, warehouse, path)
        assert status == "rejected" and rows is None, (i, len(data), error)
        assert f"file '{path}': is not a complete gzip file" in error, error
        assert periods == before
    path = tmp_path / "whole.csv.gz"
    path.write_bytes(whole)
    assert ingest(connect, warehouse, path)[0][0] == "ingested"


def test_a_gzip_of_several_members_lands_whole(connect, bill, tmp_path):
    lines = bill.read_bytes().splitlines(keepends=True)
    half = len(lines) // 2
    path = tmp_path / "members.csv.gz"
    path.write_bytes(gzip.compress(b"".join(lines[:half])) + gzip.compress(b"".join(lines[half:])))
    (status, rows, error), periods = ingest(connect, tmp_path / "w.duckdb", path)
    assert (status, rows, periods) == ("ingested", len(lines) - 1, 1), error
