"""Collect test/sql/**/*.test (DuckDB sqllogictest format) as pytest items.

Run:  make && .venv/bin/python -m pytest test/test_sql.py
The extension is taken from $CBH_EXTENSION, by default
<repo>/build/release/cbh.duckdb_extension.
"""

import glob
import os
import re
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import sqllogictest  # noqa: E402

def sql_test_dir():
    """The sqllogictest folder that extension_config.cmake declares for cbh (TEST_DIR)."""
    with open(os.path.join(REPO_ROOT, "extension_config.cmake")) as f:
        text = f.read()
    match = re.search(r"duckdb_extension_load\(cbh\b[^)]*?TEST_DIR\s+\$\{CMAKE_CURRENT_LIST_DIR\}/(\S+)", text, re.S)
    assert match, "extension_config.cmake must declare cbh with a TEST_DIR"
    return os.path.join(REPO_ROOT, match.group(1))


TEST_FILES = sorted(
    os.path.relpath(p, REPO_ROOT)
    for p in glob.glob(os.path.join(sql_test_dir(), "**", "*.test"), recursive=True))


@pytest.fixture(scope="session")
def cbh_extension():
    path = os.environ.get("CBH_EXTENSION")
    if not path:
        path = os.path.join(REPO_ROOT, "build", "release",
                            "cbh.duckdb_extension")
    if not os.path.exists(path):
        pytest.fail("extension not found at %s: build the extension "
                    "first: make (or set CBH_EXTENSION)" % path,
                    pytrace=False)
    os.environ["CBH_EXTENSION"] = os.path.abspath(path)
    return os.environ["CBH_EXTENSION"]


# Only define the test when there are files: an empty parametrize would
# still produce one (skipped) item; this way test/sql/ empty = zero items.
if TEST_FILES:
    @pytest.mark.parametrize("test_file", TEST_FILES,
                             ids=[os.path.basename(p) for p in TEST_FILES])
    def test_sql(test_file, cbh_extension):
        try:
            sqllogictest.run_file(os.path.join(REPO_ROOT, test_file))
        except sqllogictest.SkipFile as e:
            pytest.skip(str(e))
