"""Crash safety: a process killed (SIGKILL) anywhere in an ingest leaves the warehouse exactly as it was before that
ingest or exactly as it is after it, in every layer and in the ledger; the same call run again converges.

The ingest runs in a child Python process with CBH_TRACE=1, which prints each phase to stderr. A reference run
measures how long each phase lasts; each kill then waits for a phase to begin and strikes at a random moment inside
it. Also: a disk that fills up during the ingest (RLIMIT_FSIZE) and a warehouse folder cbh cannot write to.
"""
import json
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import time

import duckdb
import pytest

from conftest import REPO, record_figure

# A new file is hashed on a second thread while DuckDB stages it: a kill during "stage" also stops the hashing.
PHASES = ["stage", "bronze", "silver", "gold", "ledger", "commit"]
KILLS = dict.fromkeys(PHASES, 3) | {"commit": 6}  # per phase, alternating the two scenarios: 21 kills
TRACE = re.compile(r"^cbh\[trace\] \+([0-9.]+)s (\w+)")

CHILD = r"""
import json, sys, duckdb
db, ext, files = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
con = duckdb.connect(db, config={"allow_unsigned_extensions": "true"})
con.execute(f"LOAD '{ext}'")
listed = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
try:
    rows = con.execute(f"SELECT file, status, error FROM cbh_ingest([{listed}])").fetchall()
    print(json.dumps({"rows": rows}), flush=True)
except duckdb.Error as e:
    print(json.dumps({"error": str(e)}), flush=True)
"""


def child(db, ext, files, wrap=(), **popen):
    env = dict(os.environ, CBH_TRACE="1")
    return subprocess.Popen([*wrap, sys.executable, "-c", CHILD, db, ext, json.dumps(files)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, **popen)


def ingest(db, ext, files, **popen):
    proc = child(db, ext, files, **popen)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    return json.loads(out.strip().splitlines()[-1]), err


VOLATILE = {"ingestion_id", "x_ingestionid", "ledger_id", "started_at", "finished_at", "updated_at"}


def digest(db):
    """Every cbh table's rows (less ids and clock times), as a comparable value; a missing table counts as empty."""
    con = duckdb.connect(db)
    try:
        tables = [t for (t,) in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'cbh' ORDER BY 1").fetchall()]
        state = {}
        for t in tables:
            cols = [c for (c,) in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE schema_name = 'cbh' AND table_name = ? "
                "ORDER BY column_index", [t]).fetchall() if c.lower() not in VOLATILE]
            expr = ", ".join(f'"{c}"' for c in cols)
            # a re-run logs its skipped files: an attempt, not a change to the warehouse
            where = "WHERE status <> 'skipped'" if t == "ledger" else ""
            n, h = con.execute(f'SELECT count(*), coalesce(sum(hash({expr})), 0) FROM cbh."{t}" {where}').fetchone()
            if n:
                state[t] = (n, str(h))
        return state
    finally:
        con.close()


def copy_db(src, dst):
    for suffix in ("", ".wal"):
        if os.path.exists(src + suffix):
            shutil.copy(src + suffix, dst + suffix)
        elif os.path.exists(dst + suffix):
            os.remove(dst + suffix)


def gen(out, seed, periods, split):
    subprocess.run([sys.executable, os.path.join(REPO, "scripts", "gen_cur.py"), "--out", str(out), "--size-mb", "6",
                    "--periods", periods, "--split", str(split), "--seed", str(seed)], check=True, capture_output=True)
    return sorted(str(p) for p in out.glob("*.csv"))


@pytest.fixture(scope="module")
def scenarios(ext, tmp_path_factory):
    """Two ingests to interrupt: a new period on top of one, and a revised bill replacing a landed period."""
    root = tmp_path_factory.mktemp("crash")
    first = gen(root / "a", 7, "2024-09,2024-10", 2)
    sept = [f for f in first if "2024-09" in f]
    octo = [f for f in first if "2024-10" in f]
    revised = gen(root / "b", 8, "2024-09", 1)
    result = {}
    for name, base_files, files in (("new period", sept, octo), ("revised bill", sept + octo, revised)):
        base = str(root / f"{name.replace(' ', '_')}.duckdb")
        out, _ = ingest(base, ext, base_files)
        assert all(s == "ingested" for _, s, _ in out["rows"]), out
        before = digest(base)
        ref = str(root / "reference.duckdb")
        copy_db(base, ref)
        out, trace = ingest(ref, ext, files)
        assert {s for _, s, _ in out["rows"]} == ({"ingested"} if name == "new period" else {"replaced"}), out
        after = digest(ref)
        assert after != before
        result[name] = dict(base=base, files=files, before=before, after=after, windows=windows(trace))
    return root, result


def windows(trace):
    """Seconds from the first start of each phase to the next trace line."""
    lines = [(float(m.group(1)), m.group(2)) for m in map(TRACE.match, trace.splitlines()) if m]
    found = {}
    for (t, phase), (t_next, _) in zip(lines, lines[1:] + [(lines[-1][0] + 0.05, "end")]):
        found.setdefault(phase, max(t_next - t, 0.001))
    missing = set(PHASES) - set(found)
    assert not missing, f"phases never traced: {missing}\n{trace}"
    return found


def kill_during(db, ext, files, phase, delay):
    """Starts the ingest, kills it `delay` s after `phase` begins; returns the last phase seen, or None when the
    ingest finished first."""
    proc = child(db, ext, files, start_new_session=True)
    for line in proc.stderr:
        m = TRACE.match(line)
        if m and m.group(2) == phase:
            time.sleep(delay)
            os.killpg(proc.pid, signal.SIGKILL)
            break
    proc.wait(timeout=60)
    # What the process printed before it died: its last phase, and whether the call had already returned.
    rest, out = proc.stderr.read(), proc.stdout.read()
    proc.stdout.close()
    proc.stderr.close()
    phases = [m.group(2) for m in map(TRACE.match, rest.splitlines()) if m]
    if proc.returncode != -signal.SIGKILL or out.strip():
        return None
    return phases[-1] if phases else phase


def test_kill_at_random_points_leaves_before_or_after_and_rerun_converges(ext, scenarios):
    root, cases = scenarios
    rng = random.Random(int(os.environ.get("CBH_CRASH_SEED", "20241")))
    db = str(root / "victim.duckdb")
    kills, outcomes = [], {"before": 0, "after": 0}
    for phase in PHASES:
        # Aim until enough kills land in this phase (the ledger writes take well under a millisecond: kills aimed
        # there land in the commit that follows, and count for it).
        landed, tries = 0, 0
        while landed < KILLS[phase] and tries < 3 * KILLS[phase]:
            name = ("new period", "revised bill")[tries % 2]
            tries += 1
            case = cases[name]
            copy_db(case["base"], db)
            delay = rng.uniform(0, case["windows"][phase])
            seen = kill_during(db, ext, case["files"], phase, delay)
            state = digest(db)
            found = "before" if state == case["before"] else "after" if state == case["after"] else None
            assert found, f"kill {delay * 1000:.0f} ms into {phase} ({name}) left a state neither before nor after"
            if seen:
                kills.append({"aimed_at": phase, "phase": seen, "scenario": name, "state": found,
                              "delay_ms": round(delay * 1000, 1)})
                outcomes[found] += 1
                landed += seen == phase or (phase == "ledger" and seen == "commit")
            out, _ = ingest(db, ext, case["files"])
            assert "error" not in out, out
            assert digest(db) == case["after"], f"re-run after a kill in {phase} ({name}) did not converge"
    assert len(kills) >= 20, kills
    hit = {k["phase"] for k in kills}
    assert hit >= {"stage", "bronze", "silver", "gold", "commit"}, kills
    record_figure("crash", kills=len(kills), outcomes=outcomes,
                  by_phase={p: sum(k["phase"] == p for k in kills) for p in PHASES}, detail=kills)


def test_disk_full_during_ingest_leaves_the_previous_state(ext, scenarios):
    root, cases = scenarios
    case = cases["new period"]
    db = str(root / "full.duckdb")
    copy_db(case["base"], db)
    limit = os.path.getsize(db) + (os.path.getsize(db + ".wal") if os.path.exists(db + ".wal") else 0) + (1 << 20)

    def small_disk():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail with EFBIG, as on a full disk
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    out, _ = ingest(db, ext, case["files"], preexec_fn=small_disk)
    assert "error" in out, out
    assert out["error"].startswith("Invalid Input Error: cbh: ") or "cbh: " in out["error"], out
    assert "File too large" in out["error"] or "file size" in out["error"].lower(), out
    assert digest(db) == case["before"]
    again, _ = ingest(db, ext, case["files"])
    assert "error" not in again and digest(db) == case["after"]
    record_figure("disk_full", error=out["error"], result="previous state intact, re-run converged")


def test_unwritable_warehouse_folder_fails_cleanly(ext, scenarios, tmp_path):
    """The warehouse file is writable but its folder is not, so DuckDB cannot create the WAL when cbh commits.

    The ingest runs in a user namespace as an ordinary user (root would write anyway)."""
    wrap = ["unshare", "--user", "--map-user=1000", "--map-group=1000"]
    if subprocess.run([*wrap, "true"], capture_output=True).returncode != 0:
        pytest.skip("user namespaces (unshare --user) are not available here")
    root, cases = scenarios
    case = cases["new period"]
    folder = tmp_path / "ro"
    folder.mkdir()
    db = str(folder / "w.duckdb")
    copy_db(case["base"], db)
    folder.chmod(0o555)
    try:
        out, _ = ingest(db, ext, case["files"], wrap=wrap)
    finally:
        folder.chmod(0o755)
    assert "error" in out, out
    assert "cbh: " in out["error"] and "Permission denied" in out["error"], out
    assert digest(db) == case["before"]
    record_figure("unwritable", error=out["error"], result="previous state intact")
