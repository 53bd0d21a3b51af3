//! SHA-256 fingerprints of input files, read through DuckDB's file system (so DuckDB's access rules, S3 and the
//! rest apply), streamed in constant memory.

use std::io::Read;

use sha2::{Digest as _, Sha256};

/// Read buffer: constant memory whatever the file size.
const CHUNK: usize = 1 << 20;

/// What one pass over a file's bytes tells.
#[derive(Debug, PartialEq, Eq)]
pub struct Digest {
    /// Hex SHA-256.
    pub sha256: String,
    /// Bytes.
    pub size: u64,
    /// The first (up to) 4 bytes: the container's magic number.
    pub head: Vec<u8>,
    /// Offset of the first NUL byte, if any: text files have none.
    pub first_nul: Option<u64>,
    /// Why a gzip or zstd file is not a complete stream (None: complete, or neither).
    pub stream_error: Option<String>,
}

/// SHA-256, size, first bytes and first NUL byte of everything `reader` yields, in one pass; for a gzip or zstd
/// file, on the way, whether its stream is complete (`crate::compressed`).
pub fn digest(reader: impl Read) -> std::io::Result<Digest> {
    let mut tap = Tap {
        inner: reader,
        hasher: Sha256::new(),
        size: 0,
        head: Vec::with_capacity(4),
        first_nul: None,
        failed: None,
    };
    let mut magic = [0u8; 4];
    let mut n = 0;
    while n < magic.len() {
        match tap.read(&mut magic[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    let kind = if magic[..n].starts_with(crate::compressed::GZIP) { crate::compressed::GZIP } else { &magic[..n] };
    let rest = if kind.len() < n { &magic[kind.len()..n] } else { &[][..] };
    let stream_error = crate::compressed::check(kind, rest.chain(&mut tap));
    if let Some(e) = tap.failed.take() {
        return Err(e);
    }
    let mut buf = vec![0u8; CHUNK];
    loop {
        match tap.read(&mut buf) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(tap.failed.take().unwrap_or(e)),
        }
    }
    let Tap { hasher, size, head, first_nul, .. } = tap;
    Ok(Digest { sha256: hex(&hasher.finalize()), size, head, first_nul, stream_error })
}

/// Passes bytes through while hashing them and noting the head and the first NUL byte.
struct Tap<R> {
    inner: R,
    hasher: Sha256,
    size: u64,
    head: Vec<u8>,
    first_nul: Option<u64>,
    /// A read error, kept apart from what a decoder makes of it.
    failed: Option<std::io::Error>,
}

impl<R: Read> Read for Tap<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let want = buf.len().min(CHUNK);
        let n = match self.inner.read(&mut buf[..want]) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => return Err(e),
            Err(e) => {
                let text = e.to_string();
                self.failed = Some(e);
                return Err(std::io::Error::other(text));
            }
        };
        let chunk = &buf[..n];
        self.hasher.update(chunk);
        if self.head.len() < 4 {
            self.head.extend(chunk.iter().take(4 - self.head.len()));
        }
        // `contains` is std's word-at-a-time memchr: the byte-by-byte search only runs on the chunk that has one.
        if self.first_nul.is_none() && chunk.contains(&0) {
            self.first_nul = chunk.iter().position(|&b| b == 0).map(|i| self.size + i as u64);
        }
        self.size += n as u64;
        Ok(n)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sha256_of(data: &[u8]) -> std::io::Result<(String, u64)> {
        digest(data).map(|d| (d.sha256, d.size))
    }

    #[test]
    fn sha256_matches_known_vectors() {
        let (h, n) = sha256_of(&b""[..]).unwrap();
        assert_eq!(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assert_eq!(n, 0);
        let (h, n) = sha256_of(&b"abc"[..]).unwrap();
        assert_eq!(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(n, 3);
    }

    #[test]
    fn digest_finds_the_head_and_the_first_nul_across_chunks() {
        let mut data = vec![b'a'; CHUNK + 10];
        data[CHUNK + 3] = 0;
        data[CHUNK + 7] = 0;
        let d = digest(&data[..]).unwrap();
        assert_eq!((d.head.as_slice(), d.first_nul, d.size), (&b"aaaa"[..], Some(CHUNK as u64 + 3), data.len() as u64));
        let d = digest(&b"ab"[..]).unwrap();
        assert_eq!((d.head.as_slice(), d.first_nul), (&b"ab"[..], None));
    }

    fn gzip(parts: &[&[u8]]) -> Vec<u8> {
        use std::io::Write;
        let mut out = Vec::new();
        for part in parts {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(part).unwrap();
            out.extend(e.finish().unwrap());
        }
        out
    }

    #[test]
    fn a_whole_gzip_passes_and_every_cut_of_it_is_caught() {
        let text: Vec<u8> = (0..20_000).flat_map(|i| format!("line {i},{}\n", i * 7).into_bytes()).collect();
        let whole = gzip(&[&text[..text.len() / 2], &text[text.len() / 2..]]);
        let d = digest(&whole[..]).unwrap();
        assert_eq!((d.stream_error, d.size), (None, whole.len() as u64));
        assert_eq!(d.sha256, hex(&<Sha256 as sha2::Digest>::digest(&whole)));
        for cut in (2..whole.len()).step_by(97).chain([whole.len() - 8, whole.len() - 1]) {
            let d = digest(&whole[..cut]).unwrap();
            assert!(d.stream_error.is_some(), "a gzip cut at byte {cut} of {} passed", whole.len());
            assert_eq!(d.size, cut as u64);
        }
        let mut tail = whole.clone();
        let n = tail.len();
        tail[n - 5] ^= 1; // the length in the trailer
        assert!(digest(&tail[..]).unwrap().stream_error.is_some());
        assert_eq!(digest(&b"plain,text\n"[..]).unwrap().stream_error, None);
    }

    #[test]
    fn sha256_streams_across_chunks() {
        let data = vec![7u8; CHUNK * 2 + 5];
        let (h, n) = sha256_of(&data[..]).unwrap();
        assert_eq!(n, data.len() as u64);
        assert_eq!(h, hex(&<Sha256 as sha2::Digest>::digest(&data)));
    }
}
