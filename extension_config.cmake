# extension_config.cmake: describes the cbh extension to DuckDB's extension build tooling.
#
# cbh is a Rust extension on DuckDB's stable C API: cargo (through the Makefile) builds it, not DuckDB's CMake, so
# it is declared DONT_LINK (a loadable .duckdb_extension, never linked into DuckDB). LOAD_TESTS with TEST_DIR
# registers its sqllogictests: a DuckDB source build run with EXTENSION_CONFIGS=<path to this file> picks up
# test/sql/*.test in its `unittest` runner, and cbh's own runner (test/test_sql.py) reads TEST_DIR from here too.
duckdb_extension_load(cbh
    DONT_LINK
    LOAD_TESTS
    SOURCE_DIR ${CMAKE_CURRENT_LIST_DIR}
    TEST_DIR ${CMAKE_CURRENT_LIST_DIR}/test/sql
)

# Extensions cbh relies on at run time (built into the hosts cbh supports).
duckdb_extension_load(parquet)
duckdb_extension_load(json)
