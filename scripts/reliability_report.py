#!/usr/bin/env python3
"""Prints the reliability figures the tests recorded (build/reliability/*.json, build/properties.log) as the Markdown
table of the "Reliability and security" section of docs/reliability.md, and writes it to build/reliability.md. Run by
`make test` and `make reliability` after the tests; with --readme (make reliability) it also replaces the table in
docs/reliability.md (between its reliability:begin and reliability:end markers)."""
import json
import os
import sys

ROOT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "build")
FOLDER = os.path.join(ROOT, "reliability")


def load(name):
    path = os.path.join(FOLDER, f"{name}.json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def rows():
    crash = load("crash")
    if crash:
        phases = ", ".join(f"{p} {n}" for p, n in crash["by_phase"].items() if n)
        yield ("`kill -9` during `cbh_ingest` (new period; revised bill)",
               f"{crash['kills']} kills ({phases}): {crash['outcomes']['before']} left the state before, "
               f"{crash['outcomes']['after']} the state after, 0 anything else; every re-run converged")
    full = load("disk_full")
    if full:
        yield "disk full during ingest (file size limit)", "clear error, previous state intact, re-run converged"
    unwritable = load("unwritable")
    if unwritable:
        yield "warehouse folder not writable", "clear error (`Permission denied`), previous state intact"
    soak = load("soak")
    if soak:
        yield (f"soak: {soak['ingest_threads']} ingesting + {soak['reader_threads']} reading threads, "
               f"{soak['seconds']:.0f} s",
               f"{soak['ingests']} ingest calls ({soak['landed']} files landed, {soak['skipped']} skipped), "
               f"{soak['reads']} read rounds; {soak['errors']} errors, no deadlock, totals exact")
    bad = load("bad_files")
    if bad:
        yield (f"bad files ({bad.get('cases', '?')} in the corpus)",
               f"{bad.get('rejected', '?')} rejected with the file and the problem named; nothing landed; "
               "the host survived")
    fuzz = load("fuzz_files")
    if fuzz:
        yield (f"random files into `cbh_ingest` ({fuzz.get('seconds', '?')} s, seed {fuzz.get('seed', '?')})",
               f"{fuzz.get('files', '?')} files: {fuzz.get('ingested', '?')} landed, {fuzz.get('rejected', '?')} "
               f"rejected with a message; findings: {len(fuzz.get('findings') or [])}")
    panics = load("panics")
    if panics:
        yield ("panic injected (`CBH_FAULT`) at every phase, in `LOAD` and in the readers",
               f"{panics['injected']} panics: each a DuckDB error; host alive; warehouse unchanged; cbh kept working")
    writers = load("export_writers")
    if writers:
        yield (f"{writers['writers']} processes exporting disjoint partitions into one folder "
               f"({writers['exports']} exports, {writers['seconds']:.0f} s), read all the while",
               f"pyarrow (opens a file once): {writers['arrow_reads']} reads, {writers['arrow_failed']} failed; "
               f"DuckDB (opens it several times a query): {writers['duckdb_reads']} reads, "
               f"{writers['duckdb_failed']} failed with an error and were right when run again; no read saw a "
               "wrong total or lost a partition; at the end every writer's partitions were there")
    for name, what in (("lockdown_external_access", "`enable_external_access = false`"),):
        fig = load(name)
        if fig:
            yield what, f"refused with DuckDB's Permission Error: {', '.join(fig['refused'])}"
    log = os.path.join(ROOT, "properties.log")
    if os.path.exists(log):
        with open(log) as f:
            result = [l.strip() for l in f if l.startswith("test result")]
        if result:
            yield "property tests of the pure Rust code (`tests/properties.rs`)", result[-1].replace("test result: ", "")


def main():
    table = ["| tried | result |", "|---|---|"] + [f"| {a} | {b} |" for a, b in rows()]
    text = "\n".join(table) + "\n"
    os.makedirs(ROOT, exist_ok=True)
    with open(os.path.join(ROOT, "reliability.md"), "w") as f:
        f.write(text)
    sys.stdout.write(text)
    if "--readme" in sys.argv[1:]:
        doc = os.path.join(os.path.dirname(ROOT), "docs", "reliability.md")
        with open(doc) as f:
            content = f.read()
        begin, end = "<!-- reliability:begin -->\n", "<!-- reliability:end -->"
        head, found, rest = content.partition(begin)
        _, found_end, tail = rest.partition(end)
        if not (found and found_end):
            sys.exit(f"{doc} has no {begin.strip()} ... {end} markers to put the table between")
        with open(doc, "w") as f:
            f.write(head + begin + text + end + tail)


if __name__ == "__main__":
    main()
