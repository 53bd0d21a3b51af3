-- stage_count.sql: the rows of a staged file ({stage}).
SELECT count(*) FROM temp.main.{stage};
