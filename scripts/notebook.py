#!/usr/bin/env python3
"""Writes a Jupyter notebook from a Python script with `# %%` cell markers (`# %% [markdown]` cells are comments).

Usage: notebook.py SCRIPT NOTEBOOK. The tests check that examples/tour.ipynb is what this makes of examples/tour.py.
"""
import json
import re
import sys


def cells(source):
    out = []
    for n, chunk in enumerate(re.split(r"^# %%", source, flags=re.M)[1:], 1):  # a marker starts a line
        head, _, body = chunk.partition("\n")
        body = body.strip("\n")
        cell_id = f"cell-{n}"  # nbformat 4.5 wants an id per cell; by position, so regenerating keeps them
        if head.strip() == "[markdown]":
            text = "\n".join(line[2:] if line.startswith("# ") else line.lstrip("#") for line in body.splitlines())
            out.append({"cell_type": "markdown", "id": cell_id, "metadata": {},
                        "source": text.splitlines(keepends=True)})
        else:
            out.append({"cell_type": "code", "execution_count": None, "id": cell_id, "metadata": {}, "outputs": [],
                        "source": body.splitlines(keepends=True)})
    return out


def notebook(source):
    return {"cells": cells(source), "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python",
                                                                "name": "python3"},
                                                 "language_info": {"name": "python"}},
            "nbformat": 4, "nbformat_minor": 5}


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        nb = notebook(f.read())
    with open(sys.argv[2], "w") as f:
        json.dump(nb, f, indent=1)
        f.write("\n")
