//! Build tool: turns the compiled shared library into a loadable `cbh.duckdb_extension`.
//!
//! `cbh-footer <library.so> <out/cbh.duckdb_extension> <extension-version> <min-capi-version> [platform]`
//! copies the library and appends DuckDB's metadata footer (see `src/footer.rs`).

#[path = "../footer.rs"]
#[allow(dead_code)]
mod footer;

use std::process::ExitCode;

fn run(args: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    let [lib, out, version, min_capi, rest @ ..] = args else {
        return Err(
            "usage: cbh-footer <library> <output.duckdb_extension> <version> <min-capi-version> [platform]".into()
        );
    };
    let platform = rest.first().cloned().unwrap_or_else(footer::host_platform);
    let meta = footer::Metadata {
        abi: "C_STRUCT".into(),
        extension_version: version.clone(),
        min_capi_version: min_capi.clone(),
        platform,
    };
    let mut bytes = std::fs::read(lib).map_err(|e| format!("cannot read {lib}: {e}"))?;
    bytes.extend(footer::footer(&meta)?);
    let tmp = format!("{out}.tmp");
    std::fs::write(&tmp, &bytes).map_err(|e| format!("cannot write {tmp}: {e}"))?;
    std::fs::rename(&tmp, out).map_err(|e| format!("cannot rename {tmp} to {out}: {e}"))?;
    println!("{out}: {} bytes, {meta:?}", bytes.len());
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("cbh-footer: {e}");
            ExitCode::FAILURE
        }
    }
}
