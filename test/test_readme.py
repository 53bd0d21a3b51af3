"""The README cannot drift: its SQL examples run against the built extension and their shown output is checked.

CBH_UPDATE_README=1 rewrites the shown outputs from a real run instead of checking them.
"""
import os
import re

from conftest import REPO, run_cli

README = os.path.join(REPO, "README.md")
PAIR = re.compile(r"```sql\n(.*?)```\n(?:```text\n(.*?)```\n)?", re.S)


def read():
    with open(README) as f:
        return f.read()


def test_quick_start_is_exactly_make_demo_and_make_test():
    text = read()
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    assert block.split("\n")[:-1] == ["make demo", "make test"]
    with open(os.path.join(REPO, ".ci", "run")) as f:
        assert "make test" in f.read(), ".ci/run must run the README's test command"


def test_load_path_is_the_built_file():
    loads = set(re.findall(r"LOAD '([^']+)'", read()))
    assert loads == {"build/release/cbh.duckdb_extension"}


def test_sql_examples_run_and_show_their_real_output(ext, tmp_path):
    text = read()
    db = str(tmp_path / "warehouse.duckdb")
    updated, pos, out_parts = False, 0, []
    pairs = list(PAIR.finditer(text))
    assert len(pairs) >= 8
    for m in pairs:
        sql, shown = m.group(1), m.group(2)
        script = sql if "LOAD" in sql else f"LOAD '{ext}';\n{sql}"
        script = script.replace("LOAD 'build/release/cbh.duckdb_extension'", f"LOAD '{ext}'")
        r = run_cli(["-unsigned", db], script)
        assert r.returncode == 0, f"README example failed:\n{sql}\n{r.stderr}"
        if shown is None:
            continue
        if os.environ.get("CBH_UPDATE_README"):
            out_parts.append(text[pos:m.start(2)] + r.stdout)
            pos = m.end(2)
            updated = True
        else:
            assert r.stdout == shown, f"README output drifted for:\n{sql}\n--- shown ---\n{shown}--- real ---\n{r.stdout}"
    if updated:
        with open(README, "w") as f:
            f.write("".join(out_parts) + text[pos:])
