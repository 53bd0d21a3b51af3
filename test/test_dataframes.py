"""Every cbh function's result comes out as a pandas DataFrame (`.df()`) and a polars DataFrame (`.pl()`) with no
extra work: snake_case column names, no type either library cannot hold, and money exact where the library has an
exact decimal type (polars; pandas has none, so `.df()` gives float64). docs/workflows.md, "The notebook".

In Python duckdb 2.0, `.pl()` is a relation's (`con.sql(...)`), and needs pyarrow."""
import datetime
import decimal
import os
import re

import pandas as pd
import polars as pl
import pytest

from conftest import REPO

CUR = os.path.join(REPO, "test", "data", "cur")
CALLS = {
    "cbh_ingest": "SELECT * FROM cbh_ingest('{cur}/*.csv')",
    "cbh_ingest_metrics": "SELECT * FROM cbh_ingest('{repo}/examples/metrics-example.csv', kind := 'metrics')",
    "cbh_silver": "SELECT * FROM cbh_silver()",
    "cbh_zombies": "SELECT * FROM cbh_zombies(excluded := true, no_metrics := true)",
    "cbh_waste": "SELECT * FROM cbh_waste()",
    "cbh_check": "SELECT * FROM cbh_check(max_waste := 1000)",
    "cbh_status": "SELECT * FROM cbh_status()",
}


@pytest.fixture
def con(connect, tmp_path):
    con = connect(str(tmp_path / "w.duckdb"))
    con.execute(CALLS["cbh_ingest"].format(cur=CUR)).fetchall()
    return con


@pytest.mark.parametrize("name", sorted(CALLS))
def test_results_are_dataframes_without_extra_work(con, name):
    # Called once (cbh_ingest's second call would skip); DuckDB's conversion is then of exactly its columns.
    con.execute(f"CREATE TEMP TABLE result AS {CALLS[name].format(cur=CUR, repo=REPO)}")
    rows = con.execute("SELECT * FROM result").fetchall()
    types = {d[0]: str(d[1]) for d in con.description}
    assert rows, f"{name} returned no rows to check"
    frame = con.execute("SELECT * FROM result").df()
    polars = con.sql("SELECT * FROM result").pl()

    assert list(frame.columns) == list(types) == polars.columns
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", c) for c in frame.columns), frame.columns
    assert len(frame) == len(polars) == len(rows)
    for i, (column, duck) in enumerate(types.items()):
        exact = [r[i] for r in rows]
        series, pseries = frame[column], polars[column]
        if duck.startswith("DECIMAL"):
            # pandas: float64 (no exact decimal dtype); polars: the same DECIMAL, every digit kept.
            assert pd.api.types.is_float_dtype(series), (column, series.dtype)
            assert isinstance(pseries.dtype, pl.Decimal), (column, pseries.dtype)
            assert pseries.to_list() == exact, column
            assert all(isinstance(v, decimal.Decimal) for v in exact if v is not None)
        elif duck == "DATE" or duck.startswith("TIMESTAMP"):
            assert pd.api.types.is_datetime64_any_dtype(series), (column, series.dtype)
            assert pseries.dtype in (pl.Date, pl.Datetime) or isinstance(pseries.dtype, pl.Datetime), pseries.dtype
            assert all(isinstance(v, (datetime.date, datetime.datetime)) for v in exact if v is not None)
        elif duck in ("BIGINT", "INTEGER"):
            assert pd.api.types.is_numeric_dtype(series), (column, series.dtype)
            assert pseries.dtype.is_integer(), (column, pseries.dtype)
            assert pseries.to_list() == exact, column
        elif duck == "BOOLEAN":
            assert pseries.dtype == pl.Boolean and pseries.to_list() == exact, column
        else:
            assert duck == "VARCHAR", f"{name}.{column} is {duck}: a type a DataFrame may not hold as such"
            assert pseries.dtype == pl.String and pseries.to_list() == exact, column
            assert all(v is None or isinstance(v, str) for v in series), column


def test_money_in_a_dataframe_is_the_exact_amount_where_the_library_can_hold_it(con):
    """The tour's waste in October, 0.095: exact in polars and in fetchall; pandas' float is the nearest double."""
    sql = "SELECT waste FROM cbh_waste() WHERE dimension = 'total' AND billing_period = DATE '2024-10-01'"
    (exact,), = con.execute(sql).fetchall()
    assert exact == decimal.Decimal("0.095")
    assert con.sql(sql).pl()["waste"][0] == exact
    assert con.execute(sql).df()["waste"][0] == float(exact)
