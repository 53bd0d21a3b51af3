# %% [markdown]
# # cbh in a notebook
#
# Loads cbh into the Python `duckdb` package, ingests generated bills (six months of a CUR, and the zombie scenario
# with metrics), shows the zombie report as a DataFrame and plots where the waste is. `examples/tour.ipynb` is this
# file as a notebook (`scripts/notebook.py` writes it); the tests run this file headless.
#
# Usage: `python examples/tour.py [OUT_DIR]` (default `examples/out`; figures go to `OUT_DIR/figures`).
# The extension: `CBH_EXTENSION`, else `build/release/cbh.duckdb_extension`.

# %%
import os
import subprocess
import sys

import duckdb
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 and not sys.argv[1].startswith("-") else \
    os.path.join(REPO, "examples", "out")
EXT = os.environ.get("CBH_EXTENSION", os.path.join(REPO, "build", "release", "cbh.duckdb_extension"))
FIGURES = os.path.join(OUT, "figures")
os.makedirs(FIGURES, exist_ok=True)

# %% [markdown]
# Generated inputs: a CUR of six months, and September of the zombie scenario (its metrics too).

# %%
bills = os.path.join(OUT, "bills")
subprocess.run([sys.executable, os.path.join(REPO, "scripts", "gen_cur.py"), "--out", bills, "--size-mb", "4",
                "--periods", "2024-04,2024-05,2024-06,2024-07,2024-08,2024-09"], check=True, capture_output=True)
subprocess.run([sys.executable, os.path.join(REPO, "scripts", "gen_zombies.py"), os.path.join(bills, "zombies")],
               check=True, capture_output=True)

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
# leave cbh's SQL one core (README, "Performance").
con.execute(f"SET threads = {(os.cpu_count() or 1) + 1}")
ingested = con.execute(f"SELECT file, status, rows FROM cbh_ingest(['{bills}/*.csv', '{bills}/zombies/cur-*-09.csv'])"
                       ).df()
metrics = con.execute(f"SELECT file, status, rows FROM cbh_ingest('{bills}/zombies/metrics-*', kind := 'metrics')").df()
print(ingested.to_string(index=False))
print(metrics.to_string(index=False))

# %% [markdown]
# The zombie report, as a DataFrame. Money is DECIMAL in DuckDB; pandas has no exact decimal type, so `.df()` gives
# float64 (fine for plots); `.pl()` (polars) and `.fetchall()` keep it exact.

# %%
zombies = con.execute("""
    SELECT billing_period, rule, resource_id, service, evidence, cost, monthly_waste, days_idle
    FROM cbh_zombies()""").df()
print(zombies.head(12).to_string(index=False))
print(f"{len(zombies)} findings")

# %% [markdown]
# Where the waste is: by service and by owner tag (the latest period), by month, and spend against waste.

# %%
waste = con.execute("SELECT * FROM cbh_waste(owner_tag := 'Owner')").df()
latest = waste["billing_period"].max()


def bar(dimension, title, name):
    rows = waste[(waste["dimension"] == dimension) & (waste["billing_period"] == latest)]
    rows = rows.sort_values("waste").tail(10)
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.barh(rows["value"], rows["waste"].astype(float), color="#c0392b")
    ax.set_xlabel("waste in the period (USD)")
    ax.set_title(f"{title}, {latest:%Y-%m}")
    fig.tight_layout()
    fig.savefig(os.path.join(FIGURES, name), dpi=100)
    plt.close(fig)


bar("service", "Waste by service", "waste_by_service.png")
bar("owner", "Waste by owner tag", "waste_by_owner.png")

totals = waste[waste["dimension"] == "total"].sort_values("billing_period")
fig, ax = plt.subplots(figsize=(8, 4))
ax.bar(totals["billing_period"].dt.strftime("%Y-%m"), totals["waste"].astype(float), color="#c0392b")
ax.set_ylabel("waste (USD)")
ax.set_title("Waste by month")
fig.tight_layout()
fig.savefig(os.path.join(FIGURES, "waste_by_month.png"), dpi=100)
plt.close(fig)

fig, ax = plt.subplots(figsize=(8, 4))
months = totals["billing_period"].dt.strftime("%Y-%m")
ax.plot(months, totals["spend"].astype(float), marker="o", label="spend")
ax.plot(months, totals["waste"].astype(float), marker="o", color="#c0392b", label="waste")
ax.set_ylabel("USD")
ax.set_title("Total spend and waste")
ax.legend()
fig.tight_layout()
fig.savefig(os.path.join(FIGURES, "spend_vs_waste.png"), dpi=100)
plt.close(fig)
print("figures:", ", ".join(sorted(os.listdir(FIGURES))))
con.close()
