-- stage_first_bad.sql: the first record of a staged file ({stage}: a staging table, or a view of its rows in
-- Bronze) that fails one of its format's checks: its rowid and the check's index (src/pipeline/checks.rs). Each
-- checked column is valued once ({values}: rowid, then `<value> AS "v0"` each), then what is derived from the
-- values, once ({derived}: `*`, then `<expression> AS "t_v0"` each); {bad} is the index of the first check a
-- record fails, or NULL.
WITH v AS (SELECT {values} FROM {stage}),
     d AS (SELECT {derived} FROM v),
     checked AS (SELECT rowid, {bad} AS bad FROM d)
SELECT rowid, bad FROM checked WHERE bad IS NOT NULL ORDER BY rowid LIMIT 1;
