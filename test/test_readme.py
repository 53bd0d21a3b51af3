"""The README and the pages of docs/ cannot drift: their SQL examples run against the built extension and their shown
output is checked, and their links resolve.

Each file runs on a new warehouse of its own, its examples in the order of the file (a page's examples may build on
its earlier ones). CBH_UPDATE_README=1 rewrites the shown outputs from a real run instead of checking them.
"""
import os
import re
import shutil

import pytest

from conftest import REPO, run_cli

README = "README.md"
DOCS = [f"docs/{name}" for name in sorted(os.listdir(os.path.join(REPO, "docs"))) if name.endswith(".md")]
FILES = [README, *DOCS]
PAIR = re.compile(r"```sql\n(.*?)```\n(?:```text\n(.*?)```\n)?", re.S)
BUILT = "build/release/cbh.duckdb_extension"

# What each page holds, in its order: the README is what a newcomer reads first, the rest is reference.
SECTIONS = {
    "README.md": ["Quick start", "A five-minute tour", "Functions", "Documentation", "Layout and tests"],
    "docs/functions.md": ["Function reference", "`cbh_ingest(", "`cbh_silver()`", "`cbh_zombies(", "`cbh_savings(",
                          "`cbh_waste(", "`cbh_check(", "`cbh_anomalies(", "`cbh_export(", "`cbh_forget(",
                          "`cbh_help()`", "`cbh_status()`"],
    "docs/warehouse.md": ["The warehouse", "Silver columns"],
    "docs/workflows.md": ["The watch loop, the notebook and the CI gate", "The watch loop", "The notebook",
                          "The CI gate"],
    "docs/formats.md": ["Formats and column mappings", "Legacy CUR", "CUR 2.0", "FOCUS",
                        "Charge categories and effective cost", "Tags", "Deliveries and manifests"],
    "docs/rules.md": ["Zombie rules", "What `cbh.gold_usage` holds", "The rules cbh seeds", "Metrics", "Exclusions"],
    "docs/anomalies.md": ["Spend anomalies", "`cbh_anomalies("],
    "docs/performance.md": ["Performance"],
    "docs/reliability.md": ["Reliability, security and limitations", "Reliability and security",
                            "Transactions, concurrency and lifecycle", "Limitations"],
    "docs/building.md": ["Building, versions and troubleshooting", "Building from source", "Version compatibility",
                         "Troubleshooting"],
    "docs/layout.md": ["Layout and tests"],
    "docs/lake.md": ["Tenants, the lake export and scale-out", "A warehouse per tenant", "The lake export",
                     "Reading the export elsewhere", "DuckLake, the scale-out path", "Many writers"],
}
# What a page's examples write outside its warehouse, removed before they run (so that they show a first run).
WRITTEN = {"docs/lake.md": ["build/lake-export"]}


def read(name=README):
    with open(os.path.join(REPO, name)) as f:
        return f.read()


def test_quick_start_is_exactly_make_demo_and_make_test():
    text = read()
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    assert block.split("\n")[:-1] == ["make demo", "make test"]
    assert "`make check` runs the fast set" in section and "CI runs `make test`" in section
    with open(os.path.join(REPO, ".ci", "run")) as f:
        assert "make test" in f.read(), ".ci/run must run the README's test command"


def test_load_path_is_the_built_file():
    loads = {name: set(re.findall(r"LOAD '([^']+)'", read(name))) for name in FILES}
    assert set().union(*loads.values()) == {BUILT}, loads
    assert loads[README] == {BUILT}


def test_there_are_examples_to_check():
    pairs = {name: PAIR.findall(read(name)) for name in FILES}
    shown = {name: sum(1 for _, out in found if out) for name, found in pairs.items()}
    assert sum(len(found) for found in pairs.values()) >= 8, pairs
    assert shown[README] >= 7 and shown["docs/functions.md"] >= 2, shown


@pytest.mark.parametrize("name", FILES)
def test_sql_examples_run_and_show_their_real_output(ext, tmp_path, name):
    text = read(name)
    db = str(tmp_path / "warehouse.duckdb")
    for path in WRITTEN.get(name, []):
        shutil.rmtree(os.path.join(REPO, path), ignore_errors=True)
    updated, pos, out_parts = False, 0, []
    for m in PAIR.finditer(text):
        sql, shown = m.group(1), m.group(2)
        script = sql if "LOAD" in sql else f"LOAD '{ext}';\n{sql}"
        script = script.replace(f"LOAD '{BUILT}'", f"LOAD '{ext}'")
        # The CLI runs in the repository's folder (run_cli), so paths in a docs page's examples are from there too.
        r = run_cli(["-unsigned", db], script)
        assert r.returncode == 0, f"{name} example failed:\n{sql}\n{r.stderr}"
        if shown is None:
            continue
        if os.environ.get("CBH_UPDATE_README"):
            out_parts.append(text[pos:m.start(2)] + r.stdout)
            pos = m.end(2)
            updated = True
        else:
            assert r.stdout == shown, \
                f"{name} output drifted for:\n{sql}\n--- shown ---\n{shown}--- real ---\n{r.stdout}"
    if updated:
        with open(os.path.join(REPO, name), "w") as f:
            f.write("".join(out_parts) + text[pos:])


def slug(heading):
    """GitHub's anchor for a heading: lower case, punctuation dropped (but `-` and `_`), spaces to `-`."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(name):
    text = re.sub(r"```.*?```", "", read(name), flags=re.S)  # a `#` line in a code block is no heading
    return {slug(h) for h in re.findall(r"(?m)^#{1,6} (.*)$", text)}


@pytest.mark.parametrize("name", FILES)
def test_links_resolve(name):
    """`#anchor` within the file, `file.md#anchor` across files, other links as files, from the file's folder."""
    text = read(name)
    folder = os.path.dirname(os.path.join(REPO, name))
    for target in re.findall(r"\]\((?!https?:)([^)\s]+)\)", text):
        path, _, anchor = target.partition("#")
        if path:
            full = os.path.normpath(os.path.join(folder, path))
            assert os.path.exists(full), f"{name} links to {target}: {path} does not exist"
            assert full.startswith(REPO + os.sep), f"{name} links to {target}, outside the repository"
        else:
            full = os.path.join(REPO, name)
        if anchor:
            linked = os.path.relpath(full, REPO)
            assert linked.endswith(".md"), f"{name} links to {target}: an anchor into a file that is not Markdown"
            assert anchor in anchors(linked), f"{name} links to {target}, but no heading of {linked} makes #{anchor}"


def test_the_readme_is_what_a_newcomer_reads_first():
    text = read()
    titles = re.findall(r"(?m)^## (.*)$", text)
    assert titles == SECTIONS[README], titles
    assert text.count("\n") <= 300, "the README is for a newcomer: put the reference in docs/"
    # Every page of docs/ is in the README's list of them, and every function in its list of functions.
    documentation = text.split("\n## Documentation\n", 1)[1].split("\n## ", 1)[0]
    assert sorted(set(re.findall(r"\]\((docs/[^)#]+\.md)\)", documentation))) == DOCS
    functions = text.split("\n## Functions\n", 1)[1].split("\n## ", 1)[0]
    listed = re.findall(r"(?m)^- \[`(cbh_\w+)\(", functions)
    documented = re.findall(r"(?m)^## `(cbh_\w+)\(", read("docs/functions.md"))
    assert listed == documented, (listed, documented)


@pytest.mark.parametrize("name", DOCS)
def test_each_page_holds_its_sections_in_order(name):
    assert name in SECTIONS, f"{name} is new: say in SECTIONS what it holds"
    text = read(name)
    prose = re.sub(r"```.*?```", "", text, flags=re.S)
    headings = re.findall(r"(?m)^#{1,6} (.*)$", prose)
    assert headings and headings[0] == SECTIONS[name][0], f"{name} starts with its title"
    assert len(re.findall(r"(?m)^# ", prose)) == 1, f"{name} has one # heading, its title"
    found = [next((i for i, h in enumerate(headings) if h.startswith(want)), None) for want in SECTIONS[name]]
    assert None not in found and found == sorted(found), (name, list(zip(SECTIONS[name], found)))
    assert text.count("\n") <= 500, f"{name} is long: split it"
