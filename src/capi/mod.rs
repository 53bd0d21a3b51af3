//! Where cbh meets DuckDB's C API: the entrypoint's database handle and the task state made from it.

pub mod tasks;
