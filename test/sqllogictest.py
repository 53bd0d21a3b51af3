"""A small sqllogictest runner over the Python ``duckdb`` package.

DuckDB's own sqllogictest runner is not on PyPI, so this module implements
the subset of DuckDB's ``.test`` format that cbh's tests use:

* ``# ...`` comment lines (including the ``# name:`` / ``# group:`` header);
  blank lines separate records.
* ``require cbh``      -- LOAD the extension under test from $CBH_EXTENSION.
  ``require <ext>``    -- ``LOAD <ext>``; the file is skipped if that fails.
  ``require-env NAME`` -- skip the file unless $NAME is set; ``${NAME}`` is
  substituted in later SQL.
* ``statement ok`` / ``statement error`` (optionally ``----`` and an expected
  message: a substring, or ``<REGEX>:pattern`` matched with re.search).
* ``query <types> [nosort|rowsort|valuesort]``, SQL, ``----``, TAB-separated
  expected rows.
* ``load [path]``, ``restart``, ``mode skip`` / ``mode unskip``.
* Substitutions: ``${__TEST_DIR__}`` / ``__TEST_DIR__`` (fresh temporary
  directory per file), ``${CBH_REPO}`` (repository root), ``${NAME}`` for
  require-env variables.

Usage as a CLI:  python test/sqllogictest.py test/sql/foo.test ...
"""

import datetime
import decimal
import os
import re
import shutil
import struct
import sys
import tempfile
import uuid

import duckdb

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DB_CONFIG = {"allow_unsigned_extensions": "true"}
SORT_MODES = ("nosort", "rowsort", "valuesort")


class SkipFile(Exception):
    """The whole test file is skipped; ``str(exc)`` is the reason."""


class TestFailure(AssertionError):
    """A record failed; the message names file, line, SQL, expected/actual."""


# --------------------------------------------------------------------------
# Value formatting (mimics how DuckDB's runner renders values as strings)
# --------------------------------------------------------------------------

def _fraction(micro):
    """DuckDB prints fractional seconds with trailing zeros trimmed: '.5'."""
    return ("." + ("%06d" % micro).rstrip("0")) if micro else ""


def _tz_offset(dt):
    """UTC offset as DuckDB prints it: '+00', '+05:30', '-08'."""
    off = dt.utcoffset()
    secs = int(off.total_seconds())
    sign = "-" if secs < 0 else "+"
    hours, rest = divmod(abs(secs), 3600)
    minutes = rest // 60
    return "%s%02d" % (sign, hours) + (":%02d" % minutes if minutes else "")


def _float32_str(v):
    """FLOAT columns arrive as Python doubles (0.1 -> 0.10000000149011612);
    print the shortest decimal that round-trips through float32, like DuckDB."""
    if v != v or v in (float("inf"), float("-inf")):
        return repr(v)
    packed = struct.pack("<f", v)
    for digits in range(1, 18):
        s = "%.*g" % (digits, v)
        if struct.pack("<f", float(s)) == packed:
            return repr(float(s))
    return repr(v)


def _blob_str(b):
    """Printable ASCII as-is, everything else (and \\ ' ") as \\xHH."""
    return "".join(
        chr(c) if 32 <= c <= 126 and chr(c) not in "\\'\"" else "\\x%02X" % c
        for c in b)


def format_value(value, type_name=""):
    """Render one result value as a string comparable with the .test file."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):           # before int: bool is an int subclass
        return "true" if value else "false"
    if isinstance(value, str):
        return value if value != "" else "(empty)"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _float32_str(value) if type_name == "FLOAT" else repr(value)
    if isinstance(value, decimal.Decimal):
        return format(value, "f")         # fixed point, scale kept: 1.50
    if isinstance(value, datetime.datetime):  # before date: subclass of date
        s = value.strftime("%Y-%m-%d %H:%M:%S") + _fraction(value.microsecond)
        return s + (_tz_offset(value) if value.tzinfo is not None else "")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, datetime.time):
        return value.strftime("%H:%M:%S") + _fraction(value.microsecond)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return _blob_str(bytes(value))
    if isinstance(value, uuid.UUID):
        return str(value)
    return str(value)                     # lists, dicts, timedelta, ...


# --------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------

class Record:
    def __init__(self, line, header, sql, expected):
        self.line = line          # 1-based line number of the header line
        self.header = header      # list of words of the header line
        self.sql = sql            # str (possibly multi-line)
        self.expected = expected  # list of lines after '----', or None


def parse_records(text):
    """Split a .test file into Records. Comment lines between records are
    dropped; inside a record every line counts (a '#' may be a value)."""
    lines = text.splitlines()
    records, i = [], 0
    while i < len(lines):
        line = lines[i]
        if not line.strip() or line.lstrip().startswith("#"):
            i += 1
            continue
        start = i
        block = []
        while i < len(lines) and lines[i].strip():
            block.append(lines[i])
            i += 1
        header = block[0].split()
        body = block[1:]
        if "----" in body:
            sep = body.index("----")
            sql, expected = body[:sep], body[sep + 1:]
        else:
            sql, expected = body, None
        records.append(Record(start + 1, header, "\n".join(sql), expected))
    return records


# --------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------

class Runner:
    def __init__(self, path):
        self.path = path
        self.name = os.path.relpath(os.path.abspath(path), REPO_ROOT)
        self.test_dir = None
        self.env = {}             # require-env substitutions
        self.requires = []        # require lines, re-run after load/restart
        self.db_path = ":memory:"
        self.con = None

    # -- helpers ----------------------------------------------------------
    def fail(self, rec, msg):
        raise TestFailure("%s:%d: %s\n--- SQL ---\n%s" %
                          (self.name, rec.line, msg, rec.sql))

    def substitute(self, s):
        s = s.replace("${__TEST_DIR__}", self.test_dir)
        s = s.replace("__TEST_DIR__", self.test_dir)
        s = s.replace("${CBH_REPO}", REPO_ROOT)
        for k, v in self.env.items():
            s = s.replace("${%s}" % k, v)
        return s

    def open(self):
        if self.con is not None:
            self.con.close()
        self.con = duckdb.connect(self.db_path, config=DB_CONFIG)
        for rec in self.requires:
            self.do_require(rec, remember=False)

    # -- commands ---------------------------------------------------------
    def do_require(self, rec, remember=True):
        if len(rec.header) != 2:
            self.fail(rec, "usage: require <extension>")
        ext = rec.header[1]
        if ext == "cbh":
            path = os.environ.get("CBH_EXTENSION")
            if not path:
                self.fail(rec, "require cbh: CBH_EXTENSION is not set "
                               "(absolute path to cbh.duckdb_extension)")
            try:
                self.con.execute("LOAD '%s'" % path.replace("'", "''"))
            except duckdb.Error as e:
                self.fail(rec, "cannot LOAD %s: %s" % (path, e))
        else:
            try:
                self.con.execute("LOAD %s" % ext)
            except duckdb.Error as e:
                first_line = str(e).splitlines()[0] if str(e) else ""
                raise SkipFile("require %s: %s" % (ext, first_line)) from None
        if remember:
            self.requires.append(rec)

    def do_statement(self, rec):
        if len(rec.header) != 2 or rec.header[1] not in ("ok", "error"):
            self.fail(rec, "usage: statement ok|error")
        sql = self.substitute(rec.sql)
        try:
            self.con.execute(sql)
            error = None
        except duckdb.Error as e:
            error = str(e)
        if rec.header[1] == "ok":
            if error is not None:
                self.fail(rec, "statement failed unexpectedly:\n" + error)
            return
        if error is None:
            self.fail(rec, "statement succeeded but an error was expected")
        if rec.expected:
            want = self.substitute("\n".join(rec.expected))
            if want.startswith("<REGEX>:"):
                if not re.search(want[len("<REGEX>:"):], error, re.DOTALL):
                    self.fail(rec, "error does not match regex %r:\n%s"
                              % (want[len("<REGEX>:"):], error))
            elif want not in error:
                self.fail(rec, "error does not contain %r:\n%s"
                          % (want, error))

    def do_query(self, rec):
        if len(rec.header) not in (2, 3):
            self.fail(rec, "usage: query <types> [nosort|rowsort|valuesort]")
        types = rec.header[1]
        sort = rec.header[2] if len(rec.header) == 3 else "nosort"
        if sort not in SORT_MODES:
            self.fail(rec, "unknown sort mode %r" % sort)
        if rec.expected is None:
            self.fail(rec, "query without '----' and expected result")
        try:
            cur = self.con.execute(self.substitute(rec.sql))
            if cur.description is None:
                self.fail(rec, "query returned no result set")
            col_types = [str(d[1]) for d in cur.description]
            rows = cur.fetchall()
        except duckdb.Error as e:
            self.fail(rec, "query failed:\n%s" % e)
        if len(types) != len(col_types):
            self.fail(rec, "query has %d type letters (%s) but the result "
                      "has %d columns" % (len(types), types, len(col_types)))
        actual = [[format_value(v, t) for v, t in zip(row, col_types)]
                  for row in rows]
        expected = [self.substitute(l).split("\t") for l in rec.expected]
        if sort == "rowsort":
            actual.sort()
            expected.sort()
        elif sort == "valuesort":
            actual = sorted(v for row in actual for v in row)
            expected = sorted(v for row in expected for v in row)
            actual, expected = [[v] for v in actual], [[v] for v in expected]
        if actual != expected:
            fmt = lambda rs: "\n".join("\t".join(r) for r in rs)
            self.fail(rec, "wrong result (%s)\n--- expected ---\n%s\n"
                      "--- actual ---\n%s"
                      % (sort, fmt(expected), fmt(actual)))

    # -- main loop --------------------------------------------------------
    def run(self):
        with open(self.path, encoding="utf-8") as f:
            records = parse_records(f.read())
        old_cwd = os.getcwd()
        self.test_dir = tempfile.mkdtemp(prefix="cbh_sqllogictest_")
        try:
            os.chdir(REPO_ROOT)
            self.open()
            skipping = False
            for rec in records:
                cmd = rec.header[0]
                if cmd == "mode":
                    if len(rec.header) != 2 or \
                            rec.header[1] not in ("skip", "unskip"):
                        self.fail(rec, "usage: mode skip|unskip")
                    skipping = rec.header[1] == "skip"
                elif skipping:
                    continue
                elif cmd == "require":
                    self.do_require(rec)
                elif cmd == "require-env":
                    if len(rec.header) != 2:
                        self.fail(rec, "usage: require-env NAME")
                    name = rec.header[1]
                    if name not in os.environ:
                        raise SkipFile("require-env %s: not set" % name)
                    self.env[name] = os.environ[name]
                elif cmd == "statement":
                    self.do_statement(rec)
                elif cmd == "query":
                    self.do_query(rec)
                elif cmd == "load":
                    self.db_path = (self.substitute(rec.header[1])
                                    if len(rec.header) > 1 else ":memory:")
                    self.open()
                elif cmd == "restart":
                    self.open()
                else:
                    self.fail(rec, "unknown command %r" % cmd)
        finally:
            if self.con is not None:
                self.con.close()
                self.con = None
            os.chdir(old_cwd)
            shutil.rmtree(self.test_dir, ignore_errors=True)


def run_file(path):
    """Run one .test file. Raises TestFailure or SkipFile; returns on pass."""
    Runner(path).run()


def main(argv):
    passed = failed = skipped = 0
    for path in argv:
        try:
            run_file(path)
            passed += 1
            print("PASS %s" % path)
        except SkipFile as e:
            skipped += 1
            print("SKIP %s: %s" % (path, e))
        except TestFailure as e:
            failed += 1
            print("FAIL %s\n%s\n" % (path, e))
    print("%d passed, %d failed, %d skipped" % (passed, failed, skipped))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
