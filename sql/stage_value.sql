-- stage_value.sql: one value of a staged file, to quote it in an error message.
SELECT {column}::VARCHAR FROM {stage} WHERE rowid = $1;
