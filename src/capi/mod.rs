//! Everything that touches DuckDB's C API or the life of cbh's connections: the caller's client context (its file
//! system and settings), the table-function adapter, the warehouse a call works on, the lifecycle of cbh's connections, Ctrl-C, and the task state through which
//! a call lends DuckDB a thread. The pipeline beneath runs SQL through duckdb-rs connections only.

pub mod adapter;
pub mod context;
pub mod interrupt;
pub mod lifecycle;
pub mod tasks;
pub mod warehouse;
