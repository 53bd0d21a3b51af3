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


def slug(heading):
    """GitHub's anchor for a heading: lower case, punctuation dropped (but `-` and `_`), spaces to `-`."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_links_within_the_readme_and_to_files_resolve():
    text = read()
    anchors = {slug(h) for h in re.findall(r"(?m)^#{1,6} (.*)$", text)}
    for target in re.findall(r"\]\(#([^)]+)\)", text):
        assert target in anchors, f"README links to #{target}, which no heading makes"
    for target in re.findall(r"\]\((?!#|https?:)([^)]+)\)", text):
        assert os.path.exists(os.path.join(REPO, target)), f"README links to {target}, which does not exist"


def test_sections_come_in_the_order_a_newcomer_reads_them():
    titles = re.findall(r"(?m)^## (.*)$", read())
    wanted = ["Quick start", "A five-minute tour", "Function reference", "The warehouse", "The watch loop",
              "The notebook", "The CI gate", "Formats and column mappings", "Zombie rules", "Performance",
              "Reliability and security", "Limitations", "Building from source", "Version compatibility",
              "Troubleshooting"]
    assert [t for t in titles if t in wanted] == wanted, titles
