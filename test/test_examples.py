"""The notebook cannot rot: examples/tour.py runs headless against the built extension and draws its figures, the
notebook is that script (test_notebook.py runs the notebook in Jupyter), and the figures the README shows exist."""
import json
import os
import re
import subprocess
import sys

from conftest import REPO

sys.path.insert(0, os.path.join(REPO, "scripts"))
import notebook  # noqa: E402

FIGURES = ["spend_vs_waste.png", "waste_by_month.png", "waste_by_owner.png", "waste_by_service.png"]


def test_tour_runs_headless_and_draws_its_figures(ext, tmp_path):
    env = dict(os.environ, CBH_EXTENSION=ext, MPLBACKEND="Agg")
    r = subprocess.run([sys.executable, os.path.join(REPO, "examples", "tour.py"), str(tmp_path)], env=env,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "ingested" in r.stdout and "rejected" not in r.stdout
    findings = int(re.search(r"(\d+) findings", r.stdout).group(1))
    assert findings > 20
    for name in FIGURES + ["anomalies.png"]:  # docs/workflows.md shows the anomalies
        path = tmp_path / "figures" / name
        with open(path, "rb") as f:
            assert f.read(8) == b"\x89PNG\r\n\x1a\n", name
        assert path.stat().st_size > 10_000, name


def test_notebook_is_the_script(tmp_path):
    # Regenerating the notebook from the script, as its maintainer does, gives the committed file byte for byte.
    fix = "run scripts/notebook.py examples/tour.py examples/tour.ipynb"
    with open(os.path.join(REPO, "examples", "tour.py")) as f:
        want = notebook.notebook(f.read())
    with open(os.path.join(REPO, "examples", "tour.ipynb")) as f:
        assert json.load(f) == want, fix
    subprocess.run([sys.executable, os.path.join(REPO, "scripts", "notebook.py"), "examples/tour.py",
                    str(tmp_path / "tour.ipynb")], cwd=REPO, check=True, timeout=60)
    with open(os.path.join(REPO, "examples", "tour.ipynb"), "rb") as f:
        assert (tmp_path / "tour.ipynb").read_bytes() == f.read(), fix


def test_readme_shows_the_figures():
    with open(os.path.join(REPO, "README.md")) as f:
        shown = re.findall(r"!\[[^\]]*\]\((docs/figures/[^)]+\.png)\)", f.read())
    assert sorted({os.path.basename(s) for s in shown}) == FIGURES
    for s in shown:
        assert os.path.getsize(os.path.join(REPO, s)) > 10_000
