#!/usr/bin/env python3
"""Prints the Athena and Trino table definitions of a cbh_export folder: one table per exported table, its columns and
types read from the export's own Parquet files (so they cannot drift from what cbh writes), partitioned by provider,
billing account and billing period as the folders are.

    scripts/export_ddl.py EXPORT_FOLDER s3://bucket/prefix [--engine athena|trino] [--table NAME] [--schema cbh]

EXPORT_FOLDER is a local copy (or the local original) of the export; LOCATION is where the engine finds it."""
import argparse
import os

import duckdb

PARTITIONS = ["provider", "billing_account", "billing_period"]
SIMPLE = {"VARCHAR": "string", "BIGINT": "bigint", "INTEGER": "int", "DOUBLE": "double", "BOOLEAN": "boolean",
          "DATE": "date", "TIMESTAMP": "timestamp"}


def hive_type(t, engine):
    """A DuckDB type as Athena (Hive DDL) or Trino spells it."""
    if t.startswith("DECIMAL"):
        return t.lower()
    if t.startswith("MAP("):
        key, value = t[4:-1].split(", ", 1)
        return (f"map<{hive_type(key, engine)},{hive_type(value, engine)}>" if engine == "athena"
                else f"map({hive_type(key, engine)}, {hive_type(value, engine)})")
    simple = SIMPLE[t]
    return "varchar" if engine == "trino" and simple == "string" else ("timestamp(6)" if engine == "trino"
                                                                       and simple == "timestamp" else simple)


def columns(folder, table):
    con = duckdb.connect()
    files = f"{folder}/{table}/**/data.parquet"
    rows = con.execute(f"DESCRIBE SELECT * FROM read_parquet('{files}', hive_partitioning = false)").fetchall()
    return [(name, t) for name, t, *_ in rows]


def ddl(folder, table, location, engine, schema):
    cols = columns(folder, table)
    parts = [p for p in PARTITIONS if table != "silver_resources" or p != "billing_period"]
    loc = f"{location.rstrip('/')}/{table}/"
    if engine == "athena":
        body = ",\n".join(f"  `{name}` {hive_type(t, engine)}" for name, t in cols)
        part = ", ".join(f"`{p}` {'date' if p == 'billing_period' else 'string'}" for p in parts)
        return (f"CREATE EXTERNAL TABLE {schema}.{table} (\n{body}\n)\nPARTITIONED BY ({part})\nSTORED AS PARQUET\n"
                f"LOCATION '{loc}';\nMSCK REPAIR TABLE {schema}.{table};")
    partition_types = [(p, "DATE" if p == "billing_period" else "VARCHAR") for p in parts]
    body = ",\n".join(f'  "{name}" {hive_type(t, engine)}' for name, t in cols + partition_types)
    names = ", ".join(f"'{p}'" for p in parts)
    return (f"CREATE TABLE hive.{schema}.{table} (\n{body}\n)\nWITH (format = 'PARQUET', external_location = "
            f"'{loc}',\n      partitioned_by = ARRAY[{names}]);\n"
            f"CALL hive.system.sync_partition_metadata('{schema}', '{table}', 'FULL');")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder")
    parser.add_argument("location")
    parser.add_argument("--engine", choices=["athena", "trino"], default="athena")
    parser.add_argument("--table", action="append")
    parser.add_argument("--schema", default="cbh")
    args = parser.parse_args()
    tables = args.table or sorted(t for t in os.listdir(args.folder)
                                  if os.path.isdir(os.path.join(args.folder, t)) and not t.startswith("_"))
    print("\n\n".join(ddl(args.folder, t, args.location, args.engine, args.schema) for t in tables))


if __name__ == "__main__":
    main()
