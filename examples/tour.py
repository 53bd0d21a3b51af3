# %% [markdown]
# # cbh in a notebook
#
# Loads cbh into the Python `duckdb` package, ingests generated bills (six months of a CUR, and the zombie scenario
# with metrics), shows the zombie report as a DataFrame and plots where the waste is. `examples/tour.ipynb` is this
# file as a notebook (`scripts/notebook.py` writes it); the tests run both, this file headless and the notebook in a
# Jupyter kernel.
#
# In Jupyter: start it in the repository (or open the notebook from `examples/`), or set `CBH_REPO` to the
# repository's folder; the figures show inline. As a script: `python examples/tour.py [OUT_DIR]`; the figures are
# only written (with matplotlib's Agg backend, unless `MPLBACKEND` names another). Either way the bills, the
# warehouse and the figures go to `OUT_DIR` (the script's argument, else `CBH_TOUR_OUT`, else `examples/out`), the
# figures to `OUT_DIR/figures`. The extension: `CBH_EXTENSION`, else `build/release/cbh.duckdb_extension`.

# %%
import os
import subprocess
import sys

import duckdb
import matplotlib
import pandas as pd

# Jupyter (an IPython kernel) chose its inline backend already; a script draws to files, which needs no display.
IN_IPYTHON = getattr(sys.modules.get("IPython"), "get_ipython", lambda: None)() is not None
if not IN_IPYTHON and not os.environ.get("MPLBACKEND"):
    matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

SCRIPT = globals().get("__file__")  # a Jupyter kernel has none


def find_repo():
    """CBH_REPO, else the folder above this script, else the current folder or the nearest one above it that holds
    scripts/gen_cur.py."""
    def is_repo(path):
        return os.path.isfile(os.path.join(path, "scripts", "gen_cur.py"))

    if os.environ.get("CBH_REPO"):
        repo = os.path.abspath(os.environ["CBH_REPO"])
        if not is_repo(repo):
            raise RuntimeError(f"CBH_REPO={repo} is not the cbh repository: it has no scripts/gen_cur.py")
        return repo
    if SCRIPT and is_repo(os.path.dirname(os.path.dirname(os.path.abspath(SCRIPT)))):
        return os.path.dirname(os.path.dirname(os.path.abspath(SCRIPT)))
    path = os.getcwd()
    while True:
        if is_repo(path):
            return path
        if os.path.dirname(path) == path:
            raise RuntimeError(f"cannot find the cbh repository (a folder holding scripts/gen_cur.py) in {os.getcwd()} "
                               "or above it: start Jupyter in the repository or its examples/ folder, or set CBH_REPO "
                               "to the repository's folder")
        path = os.path.dirname(path)


REPO = find_repo()
# sys.argv is this script's only when it names this file: in a kernel it is the kernel's (`-f kernel-….json`).
ARGS = [a for a in sys.argv[1:] if not a.startswith("-")] \
    if SCRIPT and sys.argv and os.path.realpath(sys.argv[0]) == os.path.realpath(SCRIPT) else []
OUT = os.path.abspath(ARGS[0] if ARGS else os.environ.get("CBH_TOUR_OUT") or os.path.join(REPO, "examples", "out"))
EXT = os.path.abspath(os.environ.get("CBH_EXTENSION") or os.path.join(REPO, "build", "release", "cbh.duckdb_extension"))
if not os.path.isfile(EXT):
    raise RuntimeError(f"{EXT} does not exist: build it (make, in the repository), or set CBH_EXTENSION to it")
FIGURES = os.path.join(OUT, "figures")
print(f"repository {REPO}\nextension  {EXT}\noutput     {OUT}")

# %% [markdown]
# Generated inputs: a CUR of six months, and September of the zombie scenario (its metrics too).

# %%
os.makedirs(FIGURES, exist_ok=True)
bills = os.path.join(OUT, "bills")


def generate(script, *args):
    r = subprocess.run([sys.executable, os.path.join(REPO, "scripts", script), *args], capture_output=True, text=True)
    if r.returncode:
        raise RuntimeError(f"scripts/{script} failed: {r.stderr.strip()}")


generate("gen_cur.py", "--out", bills, "--size-mb", "4", "--periods", "2024-04,2024-05,2024-06,2024-07,2024-08,2024-09")
generate("gen_zombies.py", os.path.join(bills, "zombies"))
print("bills:", ", ".join(sorted(os.listdir(bills))))

# %% [markdown]
# A fresh warehouse, cbh loaded (unsigned: `allow_unsigned_extensions` is set when connecting).

# %%
warehouse = os.path.join(OUT, "warehouse.duckdb")
for f in (warehouse, warehouse + ".wal"):
    if os.path.exists(f):
        os.remove(f)
con = duckdb.connect(warehouse, config={"allow_unsigned_extensions": "true"})
con.execute(f"LOAD '{EXT}'")
# One thread more than cores: the Python host at times runs cbh's function on a DuckDB worker thread, which would
# leave cbh's SQL one core (docs/performance.md).
con.execute(f"SET threads = {(os.cpu_count() or 1) + 1}")
ingested = con.execute(f"SELECT file, status, rows FROM cbh_ingest(['{bills}/*.csv', '{bills}/zombies/cur-*-09.csv'])"
                       ).df()
metrics = con.execute(f"SELECT file, status, rows FROM cbh_ingest('{bills}/zombies/metrics-*', kind := 'metrics')").df()


def table(df):
    """A DataFrame: a table in Jupyter (with whole resource ids and evidence), text in a script."""
    if IN_IPYTHON:
        from IPython.display import display
        with pd.option_context("display.max_colwidth", None):
            display(df)
    else:
        print(df.to_string(index=False))


table(ingested)
table(metrics)

# %% [markdown]
# The zombie report, as a DataFrame. Money is DECIMAL in DuckDB; pandas has no exact decimal type, so `.df()` gives
# float64 (fine for plots); `.pl()` (polars) and `.fetchall()` keep it exact.

# %%
zombies = con.execute("""
    SELECT billing_period, rule, resource_id, service, evidence, cost, monthly_waste, days_idle
    FROM cbh_zombies()""").df()
table(zombies.head(12))
print(f"{len(zombies)} findings")

# %% [markdown]
# Where the waste is: by service and by owner tag (the latest period), by month, and spend against waste.

# %%
waste = con.execute("SELECT * FROM cbh_waste(owner_tag := 'Owner')").df()
# Money of two currencies is never added: the figures show the currency with the most spend, and say which.
spend = waste[waste["dimension"] == "total"].groupby("currency")["spend"].sum().astype(float)
currency = spend.idxmax() if len(spend) else ""
if len(spend) > 1:
    print(f"figures in {currency}; the bill also has {', '.join(c for c in spend.index if c != currency)}: "
          "cbh_waste() gives each currency's rows")
waste = waste[waste["currency"] == currency]
latest = waste["billing_period"].max()


def show(fig, name):
    """Writes the figure to OUT_DIR/figures and, in Jupyter (any backend but Agg), shows it."""
    fig.tight_layout()
    fig.savefig(os.path.join(FIGURES, name), dpi=100)
    if plt.get_backend().lower() != "agg":
        plt.show()
    plt.close(fig)


def bar(dimension, title, name):
    rows = waste[(waste["dimension"] == dimension) & (waste["billing_period"] == latest)]
    rows = rows.sort_values("waste").tail(10)
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.barh(rows["value"], rows["waste"].astype(float), color="#c0392b")
    ax.set_xlabel(f"waste in the period ({currency})")
    ax.set_title(f"{title}, {latest:%Y-%m}")
    show(fig, name)


bar("service", "Waste by service", "waste_by_service.png")
bar("owner", "Waste by owner tag", "waste_by_owner.png")

totals = waste[waste["dimension"] == "total"].sort_values("billing_period")
fig, ax = plt.subplots(figsize=(8, 4))
ax.bar(totals["billing_period"].dt.strftime("%Y-%m"), totals["waste"].astype(float), color="#c0392b")
ax.set_ylabel(f"waste ({currency})")
ax.set_title("Waste by month")
show(fig, "waste_by_month.png")

fig, ax = plt.subplots(figsize=(8, 4))
months = totals["billing_period"].dt.strftime("%Y-%m")
ax.plot(months, totals["spend"].astype(float), marker="o", label="spend")
ax.plot(months, totals["waste"].astype(float), marker="o", color="#c0392b", label="waste")
ax.set_ylabel(currency)
ax.set_title("Total spend and waste")
ax.legend()
show(fig, "spend_vs_waste.png")

# %% [markdown]
# Spend anomalies: three months of a daily CUR with a spike, a drop and a new service (scripts/gen_anomalies.py),
# in a warehouse of their own. EC2's daily spend against its expected band; the anomalies marked.

# %%
generate("gen_anomalies.py", os.path.join(bills, "anomalies"))
daily = duckdb.connect(config={"allow_unsigned_extensions": "true"})
daily.execute(f"LOAD '{EXT}'")
daily.execute(f"SELECT * FROM cbh_ingest('{bills}/anomalies/*.csv')").fetchall()
found = daily.execute("SELECT day, value, kind, round(impact, 2) AS impact, top_drivers "
                      "FROM cbh_anomalies(direction := 'both')").df()
table(found.drop_duplicates(["value", "kind"]))
days = daily.execute("SELECT day, actual_cost, expected_cost, lower_bound, upper_bound, kind, currency "
                     "FROM cbh_anomalies(direction := 'both', all_days := true) "
                     "WHERE value = 'Amazon Elastic Compute Cloud' ORDER BY day").df()
fig, ax = plt.subplots(figsize=(8, 4))
ax.fill_between(days["day"], days["lower_bound"].astype(float), days["upper_bound"].astype(float), color="#d5e8f5",
                label="expected band")
ax.plot(days["day"], days["expected_cost"].astype(float), color="#5b8db8", linewidth=1, label="expected")
ax.plot(days["day"], days["actual_cost"].astype(float), color="#222222", linewidth=1, label="spend")
marked = days[days["kind"].notna()]
ax.scatter(marked["day"], marked["actual_cost"].astype(float), color="#c0392b", zorder=3, label="anomaly")
ax.set_ylabel(days["currency"].iloc[0] if len(days) else "")
ax.set_title("Amazon EC2, daily spend and its expected band")
ax.legend()
show(fig, "anomalies.png")
daily.close()
print("figures:", ", ".join(sorted(os.listdir(FIGURES))))
con.close()
