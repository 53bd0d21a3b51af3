"""The notebook runs in Jupyter: examples/tour.ipynb itself (not only tour.py) is executed by a real IPython kernel
of this venv (ipykernel), by `jupyter nbconvert --execute` from the examples/ folder and by nbclient with the kernel
started in the repository's folder. Each run must have no error, show the zombie report and draw its five figures
inline (image/png outputs), and write them to its output folder."""
import base64
import json
import os
import re
import subprocess
import sys

import nbformat
import pytest
from nbclient import NotebookClient

from conftest import REPO, VENV_BIN

NOTEBOOK = os.path.join(REPO, "examples", "tour.ipynb")
FIGURES = ["anomalies.png", "spend_vs_waste.png", "waste_by_month.png", "waste_by_owner.png", "waste_by_service.png"]
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def jupyter(ext, tmp_path, monkeypatch):
    """An environment for Jupyter as a user's: a `python3` kernel for this venv's Python, registered in a temporary
    prefix that JUPYTER_PATH puts first; Jupyter's and IPython's own folders in tmp_path, so no kernel or setting of
    the machine's takes part; no MPLBACKEND (the kernel then picks its inline backend, as in Jupyter); the notebook's
    output in tmp_path/out (CBH_TOUR_OUT). Set in os.environ, so nbclient's kernels and subprocesses get it."""
    prefix = tmp_path / "jupyter"
    subprocess.run([sys.executable, "-m", "ipykernel", "install", "--prefix", str(prefix), "--name", "python3"],
                   check=True, capture_output=True, timeout=120)
    with open(prefix / "share" / "jupyter" / "kernels" / "python3" / "kernel.json") as f:
        assert json.load(f)["argv"][0] == sys.executable
    monkeypatch.setenv("JUPYTER_PATH", str(prefix / "share" / "jupyter"))
    for var, folder in [("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_DATA_DIR", "data"),
                        ("JUPYTER_RUNTIME_DIR", "runtime"), ("IPYTHONDIR", "ipython")]:
        monkeypatch.setenv(var, str(tmp_path / folder))
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")
    monkeypatch.setenv("CBH_EXTENSION", ext)
    monkeypatch.setenv("CBH_TOUR_OUT", str(tmp_path / "out"))
    monkeypatch.delenv("MPLBACKEND", raising=False)
    monkeypatch.delenv("CBH_REPO", raising=False)
    return tmp_path


def run_cells(nb, cwd):
    """Executes the notebook in a python3 kernel started in `cwd`, as Jupyter does; returns it with its outputs."""
    NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(cwd)}}).execute()
    return nb


def outputs(nb):
    return [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]


def text_of(output):
    if output.output_type == "stream":
        return output.text
    if output.output_type == "error":
        return f"{output.ename}: {output.evalue}"
    return "\n".join(v for k, v in output.get("data", {}).items() if k.startswith("text/"))


def check_ran(nb, out):
    """No error output; the zombie report is shown (as a table) with what the scenario must find; five figures are
    shown inline as PNGs and written to `out`/figures."""
    errors = [text_of(o) for o in outputs(nb) if o.output_type == "error"]
    assert not errors, errors
    text = "\n".join(text_of(o) for o in outputs(nb))
    assert f"output     {out}" in text
    findings = int(re.search(r"(\d+) findings", text).group(1))
    assert findings > 20, text
    report = next(c for c in nb.cells if c.cell_type == "code" and "cbh_zombies()" in "".join(c.source))
    html = "\n".join(o.data["text/html"] for o in report.outputs if "text/html" in o.get("data", {}))
    assert "<table" in html and "idle_nat_gateway" in html and "nat-0idle000000000001" in html
    pngs = [base64.b64decode(o.data["image/png"]) for o in outputs(nb) if "image/png" in o.get("data", {})]
    assert len(pngs) == len(FIGURES), [o.output_type for o in outputs(nb)]
    assert all(p.startswith(PNG) and len(p) > 10_000 for p in pngs)
    for name in FIGURES:
        with open(os.path.join(out, "figures", name), "rb") as f:
            assert f.read(8) == PNG, name


def test_notebook_runs_in_nbconvert_from_the_examples_folder(jupyter):
    # The command, from the folder a Jupyter user opens the notebook in (the kernel starts there too).
    r = subprocess.run([os.path.join(VENV_BIN, "jupyter"), "nbconvert", "--to", "notebook", "--execute",
                        "tour.ipynb", "--output-dir", str(jupyter), "--output", "executed"],
                       cwd=os.path.join(REPO, "examples"), capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    check_ran(nbformat.read(str(jupyter / "executed.ipynb"), as_version=4), jupyter / "out")


def test_notebook_runs_in_a_kernel_started_in_the_repository(jupyter):
    # Jupyter started at the repository's root, with the kernel there (JupyterLab's or VS Code's root folder).
    check_ran(run_cells(nbformat.read(NOTEBOOK, as_version=4), REPO), jupyter / "out")


def first_cell(nb):
    """The notebook with only its first code cell: where the repository, the extension and the output are."""
    nb.cells = [next(c for c in nb.cells if c.cell_type == "code")]
    return nb


def test_notebook_ignores_the_kernels_argv_and_writes_to_examples_out(jupyter, monkeypatch):
    # A kernel's sys.argv is `ipykernel_launcher -f kernel-….json`: the output is still examples/out, no argument.
    monkeypatch.delenv("CBH_TOUR_OUT")
    nb = run_cells(first_cell(nbformat.read(NOTEBOOK, as_version=4)), os.path.join(REPO, "examples"))
    text = "\n".join(text_of(o) for o in outputs(nb))
    assert f"repository {REPO}\n" in text and f"output     {os.path.join(REPO, 'examples', 'out')}\n" in text, text


def test_notebook_outside_the_repository_uses_cbh_repo(jupyter, monkeypatch):
    monkeypatch.setenv("CBH_REPO", REPO)
    nb = run_cells(first_cell(nbformat.read(NOTEBOOK, as_version=4)), jupyter)
    text = "\n".join(text_of(o) for o in outputs(nb))
    assert f"repository {REPO}\n" in text, text


def test_notebook_outside_the_repository_says_where_to_start_jupyter(jupyter):
    nb = run_cells(first_cell(nbformat.read(NOTEBOOK, as_version=4)), jupyter)
    errors = [text_of(o) for o in outputs(nb) if o.output_type == "error"]
    assert len(errors) == 1 and "cannot find the cbh repository" in errors[0], errors
    assert "start Jupyter in the repository" in errors[0] and "CBH_REPO" in errors[0], errors
