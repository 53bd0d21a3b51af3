//! The caller's client context: its file system, through which cbh reads user files (so that DuckDB's
//! `enable_external_access` and `allowed_directories` apply), never through Rust's own file API.

use std::ffi::{CStr, CString};
use std::io::Read;

use duckdb::ffi;

/// The caller's DuckDB client context, captured when a cbh function is bound; valid while that query runs.
pub struct ClientContext(ffi::duckdb_client_context);

// SAFETY: the context belongs to the query that bound it, which DuckDB keeps alive until the bind data (which owns
// this) is dropped. It is used by that query's threads and by one more: the thread that hashes a file while DuckDB
// parses it (pipeline::ingest), which the call joins before it returns, so that use also ends while the query runs.
// Only the file system is read through it, and DuckDB's file system is safe to use from several threads.
unsafe impl Send for ClientContext {}
// SAFETY: as for Send: only the file system is read through it, which DuckDB locks itself.
unsafe impl Sync for ClientContext {}

impl ClientContext {
    /// Takes ownership of a context handle from `duckdb_table_function_get_client_context`.
    ///
    /// # Safety
    /// `raw` must be a valid client context handle (or null).
    pub unsafe fn from_raw(raw: ffi::duckdb_client_context) -> Option<Self> {
        (!raw.is_null()).then_some(ClientContext(raw))
    }

    /// Opens `path` for reading through the caller's DuckDB file system.
    pub fn open(&self, path: &str) -> Result<DuckFile, String> {
        let cpath = CString::new(path).map_err(|_| "the path contains a NUL byte".to_string())?;
        // SAFETY: self.0 is a live context (see from_raw); every handle made here is destroyed before returning, and
        // cpath outlives the open call.
        unsafe {
            let mut fs = ffi::duckdb_client_context_get_file_system(self.0);
            if fs.is_null() {
                return Err("DuckDB gave no file system".into());
            }
            let mut options = ffi::duckdb_create_file_open_options();
            ffi::duckdb_file_open_options_set_flag(options, ffi::duckdb_file_flag_DUCKDB_FILE_FLAG_READ, true);
            let mut handle: ffi::duckdb_file_handle = std::ptr::null_mut();
            let state = ffi::duckdb_file_system_open(fs, cpath.as_ptr(), options, &mut handle);
            let result = if state == ffi::DuckDBSuccess && !handle.is_null() {
                Ok(DuckFile(handle))
            } else {
                let mut err = ffi::duckdb_file_system_error_data(fs);
                let msg = error_text(err);
                ffi::duckdb_destroy_error_data(&mut err);
                if !handle.is_null() {
                    ffi::duckdb_destroy_file_handle(&mut handle);
                }
                Err(msg)
            };
            ffi::duckdb_destroy_file_open_options(&mut options);
            ffi::duckdb_destroy_file_system(&mut fs);
            result
        }
    }
}

impl ClientContext {
    /// The text of a setting in the caller's session (`SET name = ...`), or None where it is unset or not text.
    pub fn setting(&self, name: &str) -> Option<String> {
        let cname = CString::new(name).ok()?;
        // SAFETY: self.0 is a live context (see from_raw); the value DuckDB returns is owned here and destroyed once,
        // and the text made from it is copied out and freed with duckdb_free, as the C API asks.
        unsafe {
            let mut scope: ffi::duckdb_config_option_scope = 0;
            let mut value = ffi::duckdb_client_context_get_config_option(self.0, cname.as_ptr(), &mut scope);
            if value.is_null() {
                return None;
            }
            let text = if ffi::duckdb_is_null_value(value) {
                None
            } else {
                let raw = ffi::duckdb_get_varchar(value);
                let text = (!raw.is_null()).then(|| CStr::from_ptr(raw).to_string_lossy().into_owned());
                if !raw.is_null() {
                    ffi::duckdb_free(raw.cast());
                }
                text
            };
            ffi::duckdb_destroy_value(&mut value);
            text
        }
    }
}

impl Drop for ClientContext {
    fn drop(&mut self) {
        // SAFETY: the handle is owned (from_raw) and destroyed once, here.
        unsafe { ffi::duckdb_destroy_client_context(&mut self.0) }
    }
}

/// # Safety
/// `err` must be null or a live error data handle.
unsafe fn error_text(err: ffi::duckdb_error_data) -> String {
    if err.is_null() {
        return "unknown error".into();
    }
    // SAFETY: err is a live handle (checked not null); the message lives as long as it.
    let msg = unsafe { ffi::duckdb_error_data_message(err) };
    if msg.is_null() {
        "unknown error".into()
    } else {
        // SAFETY: DuckDB's message is a NUL-terminated string (checked not null), copied out at once.
        unsafe { CStr::from_ptr(msg) }.to_string_lossy().into_owned()
    }
}

/// A file opened through DuckDB's file system.
pub struct DuckFile(ffi::duckdb_file_handle);

impl Read for DuckFile {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if crate::capi::interrupt::signaled() {
            return Err(std::io::Error::other("interrupted (Ctrl-C)"));
        }
        // SAFETY: self.0 is an open handle; DuckDB writes at most buf.len() bytes into buf.
        let n = unsafe { ffi::duckdb_file_handle_read(self.0, buf.as_mut_ptr().cast(), buf.len() as i64) };
        if n < 0 {
            // SAFETY: the error data of the open handle, read and then destroyed once.
            let mut err = unsafe { ffi::duckdb_file_handle_error_data(self.0) };
            let msg = unsafe { error_text(err) };
            unsafe { ffi::duckdb_destroy_error_data(&mut err) };
            return Err(std::io::Error::other(msg));
        }
        Ok(n as usize)
    }
}

impl Drop for DuckFile {
    fn drop(&mut self) {
        // SAFETY: the handle is owned, closed and destroyed once, here.
        unsafe {
            ffi::duckdb_file_handle_close(self.0);
            ffi::duckdb_destroy_file_handle(&mut self.0);
        }
    }
}
