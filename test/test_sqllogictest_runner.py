"""Self-tests of the sqllogictest runner (test/sqllogictest.py).

They use the plain DuckDB SQL files in test/runner_selftest/ and do not need
the cbh extension.  Run:  .venv/bin/python -m pytest test/test_sqllogictest_runner.py
"""

import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import sqllogictest  # noqa: E402

SELFTEST = os.path.join(HERE, "runner_selftest")

PASSING = [
    "statements.test",
    "queries.test",
    "load_restart.test",
    "mode_skip.test",
    "require_env_set.test",
]
SKIPPING = {
    "require_env_skip.test": "CBH_SELFTEST_SURELY_UNSET_VARIABLE",
    "require_missing_ext.test": "cbh_no_such_extension_xyz",
}
FAILING = {
    # file: (line of the failing record, text the message must contain)
    "expected_failure.test": (13, "--- actual ---\n2\tx"),
    "wrong_column_count.test": (5, "2 type letters (II) but the result has 1 columns"),
}


def run(name):
    sqllogictest.run_file(os.path.join(SELFTEST, name))


def test_all_selftest_files_are_classified():
    files = set(f for f in os.listdir(SELFTEST) if f.endswith(".test"))
    assert files == set(PASSING) | set(SKIPPING) | set(FAILING)


@pytest.mark.parametrize("name", PASSING)
def test_passes(name, monkeypatch):
    monkeypatch.setenv("CBH_SELFTEST_VALUE", "hello")
    run(name)


@pytest.mark.parametrize("name", sorted(SKIPPING))
def test_skips(name, monkeypatch):
    monkeypatch.delenv("CBH_SELFTEST_SURELY_UNSET_VARIABLE", raising=False)
    with pytest.raises(sqllogictest.SkipFile) as exc:
        run(name)
    assert SKIPPING[name] in str(exc.value)


@pytest.mark.parametrize("name", sorted(FAILING))
def test_fails(name):
    line, text = FAILING[name]
    with pytest.raises(sqllogictest.TestFailure) as exc:
        run(name)
    msg = str(exc.value)
    assert isinstance(exc.value, AssertionError)
    assert "runner_selftest/%s:%d:" % (name, line) in msg, msg
    assert text in msg, msg
    assert "--- SQL ---" in msg, msg


def test_cwd_restored_and_env_untouched(monkeypatch):
    monkeypatch.setenv("CBH_SELFTEST_VALUE", "hello")
    cwd = os.getcwd()
    run("load_restart.test")
    assert os.getcwd() == cwd


@pytest.mark.parametrize("value, type_name, expected", [
    (None, "", "NULL"),
    ("", "", "(empty)"),
    (True, "", "true"),
    (False, "", "false"),
    (0.1, "DOUBLE", "0.1"),
    (0.10000000149011612, "FLOAT", "0.1"),
    (b"a\x00'\\", "", "a\\x00\\x27\\x5C"),
])
def test_format_value(value, type_name, expected):
    assert sqllogictest.format_value(value, type_name) == expected


def test_parse_records_line_numbers():
    recs = sqllogictest.parse_records(
        "# c\n\nstatement ok\nSELECT 1\n\n\nquery I\nSELECT 1\n----\n1\n")
    assert [(r.line, r.header, r.sql, r.expected) for r in recs] == [
        (3, ["statement", "ok"], "SELECT 1", None),
        (7, ["query", "I"], "SELECT 1", ["1"]),
    ]
