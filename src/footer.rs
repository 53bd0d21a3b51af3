//! The metadata footer DuckDB reads from the end of a loadable extension.
//!
//! Layout, in file order, after the shared library's bytes:
//! a 22-byte WebAssembly custom-section header (`00 93 04 10 "duckdb_signature" 80 04`, as official builds write it),
//! eight 32-byte NUL-padded fields (three empty, ABI type, extension version, minimum C API version, platform,
//! magic `4`), then 256 bytes of signature (zeros: the file is unsigned).
//!
//! Pure Rust, no DuckDB: used by the `cbh-footer` build tool and unit tested here.

/// Bytes of one metadata field.
pub const FIELD_LEN: usize = 32;
/// Bytes of the signature that follows the fields.
pub const SIGNATURE_LEN: usize = 256;
/// Bytes of the metadata footer proper (fields and signature).
pub const FOOTER_LEN: usize = 8 * FIELD_LEN + SIGNATURE_LEN;
/// The custom-section header official extensions put before the footer.
pub const SECTION_HEADER: &[u8; 22] = b"\x00\x93\x04\x10duckdb_signature\x80\x04";

/// What the footer says about the extension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metadata {
    /// ABI type: `C_STRUCT` for extensions built on DuckDB's stable C API.
    pub abi: String,
    /// The extension's own version (the crate version).
    pub extension_version: String,
    /// The oldest DuckDB C API the extension accepts, e.g. `v1.5.6`.
    pub min_capi_version: String,
    /// DuckDB platform string, e.g. `linux_amd64`.
    pub platform: String,
}

/// Why a footer could not be written or read.
#[derive(Debug, PartialEq, Eq)]
pub enum FooterError {
    /// A field is longer than its 32 bytes or contains a NUL.
    BadField { name: &'static str, value: String },
    /// The file is too short or lacks the magic value.
    NotAnExtension,
}

impl std::fmt::Display for FooterError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FooterError::BadField { name, value } => {
                write!(f, "footer field {name} = {value:?} must be 1 to {FIELD_LEN} bytes without NUL")
            }
            FooterError::NotAnExtension => write!(f, "no DuckDB extension metadata footer at the end of the file"),
        }
    }
}

impl std::error::Error for FooterError {}

fn field(name: &'static str, value: &str) -> Result<[u8; FIELD_LEN], FooterError> {
    let bytes = value.as_bytes();
    if bytes.is_empty() || bytes.len() > FIELD_LEN || bytes.contains(&0) {
        return Err(FooterError::BadField { name, value: value.to_string() });
    }
    let mut out = [0u8; FIELD_LEN];
    out[..bytes.len()].copy_from_slice(bytes);
    Ok(out)
}

/// The section header plus the 512-byte footer for `meta`.
pub fn footer(meta: &Metadata) -> Result<Vec<u8>, FooterError> {
    let fields = [
        [0u8; FIELD_LEN],
        [0u8; FIELD_LEN],
        [0u8; FIELD_LEN],
        field("abi", &meta.abi)?,
        field("extension_version", &meta.extension_version)?,
        field("min_capi_version", &meta.min_capi_version)?,
        field("platform", &meta.platform)?,
        field("magic", "4")?,
    ];
    let mut out = Vec::with_capacity(SECTION_HEADER.len() + FOOTER_LEN);
    out.extend_from_slice(SECTION_HEADER);
    for f in &fields {
        out.extend_from_slice(f);
    }
    out.extend_from_slice(&[0u8; SIGNATURE_LEN]);
    Ok(out)
}

/// Reads the metadata back from the end of an extension file.
pub fn read(file: &[u8]) -> Result<Metadata, FooterError> {
    if file.len() < FOOTER_LEN {
        return Err(FooterError::NotAnExtension);
    }
    let fields = &file[file.len() - FOOTER_LEN..file.len() - SIGNATURE_LEN];
    let text = |i: usize| {
        let raw = &fields[i * FIELD_LEN..(i + 1) * FIELD_LEN];
        let end = raw.iter().position(|&b| b == 0).unwrap_or(FIELD_LEN);
        String::from_utf8_lossy(&raw[..end]).into_owned()
    };
    if text(7) != "4" {
        return Err(FooterError::NotAnExtension);
    }
    Ok(Metadata { abi: text(3), extension_version: text(4), min_capi_version: text(5), platform: text(6) })
}

/// The DuckDB platform name of the machine this runs on (`linux_amd64`, `osx_arm64`, ...).
pub fn host_platform() -> String {
    let os = match std::env::consts::OS {
        "macos" => "osx",
        other => other,
    };
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    };
    format!("{os}_{arch}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta() -> Metadata {
        Metadata {
            abi: "C_STRUCT".into(),
            extension_version: "0.1.0".into(),
            min_capi_version: "v1.5.6".into(),
            platform: "linux_amd64".into(),
        }
    }

    #[test]
    fn footer_has_the_documented_layout() {
        let bytes = footer(&meta()).unwrap();
        assert_eq!(bytes.len(), 22 + 512);
        assert_eq!(&bytes[..22], SECTION_HEADER);
        let fields = &bytes[22..22 + 256];
        assert!(fields[..96].iter().all(|&b| b == 0), "first three fields are empty");
        assert_eq!(&fields[96..104], b"C_STRUCT");
        assert_eq!(&fields[160..166], b"v1.5.6");
        assert_eq!(fields[224], b'4');
        assert!(bytes[22 + 256..].iter().all(|&b| b == 0), "unsigned: zero signature");
    }

    #[test]
    fn footer_round_trips_after_library_bytes() {
        let mut file = b"\x7fELF pretend shared library".to_vec();
        file.extend(footer(&meta()).unwrap());
        assert_eq!(read(&file).unwrap(), meta());
    }

    #[test]
    fn oversized_or_empty_fields_are_refused() {
        let mut m = meta();
        m.platform = "x".repeat(33);
        assert!(matches!(footer(&m), Err(FooterError::BadField { name: "platform", .. })));
        m.platform = String::new();
        assert!(footer(&m).is_err());
        m.platform = "a\0b".into();
        assert!(footer(&m).is_err());
    }

    #[test]
    fn plain_files_are_not_extensions() {
        assert_eq!(read(b"short"), Err(FooterError::NotAnExtension));
        assert_eq!(read(&[0u8; 600]), Err(FooterError::NotAnExtension));
    }
}
