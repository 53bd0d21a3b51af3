//! Whether a compressed file is complete. DuckDB's readers can take a stream that was cut short as the whole file
//! when the cut falls where a block ends (zstd: about one random cut in ten; gzip: rarely), and the rows before the
//! cut would land as the whole bill. So cbh checks the stream itself while it hashes the file: a gzip file is
//! decompressed to nowhere, each member's CRC-32 and length checked (flate2); a zstd file is walked frame by frame
//! and block by block (RFC 8878), so it must end exactly where its last frame does.

use std::io::{self, Read};

/// What the bytes after the first are, and why they are not a complete stream (None: complete).
pub fn check(magic: &[u8], rest: impl Read) -> Option<String> {
    let all = magic.chain(rest);
    let result = if magic == GZIP {
        let mut decoder = flate2::read::MultiGzDecoder::new(io::BufReader::with_capacity(1 << 20, all));
        io::copy(&mut decoder, &mut io::sink()).map(|_| ())
    } else if magic == ZSTD {
        zstd_frames(io::BufReader::with_capacity(1 << 20, all))
    } else {
        return None;
    };
    result.err().map(|e| match e.kind() {
        io::ErrorKind::UnexpectedEof => "the stream ends early".to_string(),
        _ => e.to_string(),
    })
}

/// The first bytes of a gzip stream.
pub const GZIP: &[u8] = &[0x1f, 0x8b];
/// The first bytes of a zstd frame (little-endian 0xFD2FB528).
pub const ZSTD: &[u8] = &[0x28, 0xb5, 0x2f, 0xfd];

fn zstd_frames(mut r: impl Read) -> io::Result<()> {
    let mut first = true;
    loop {
        let mut magic = [0u8; 4];
        let n = read_some(&mut r, &mut magic)?;
        if n == 0 && !first {
            return Ok(());
        }
        if n < 4 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        first = false;
        match u32::from_le_bytes(magic) {
            0xFD2F_B528 => zstd_frame(&mut r)?,
            0x184D_2A50..=0x184D_2A5F => {
                let size = u32::from_le_bytes(take::<4>(&mut r)?);
                skip(&mut r, u64::from(size))?;
            }
            _ => return Err(io::Error::other("bytes that are not a zstd frame follow a frame")),
        }
    }
}

fn zstd_frame(r: &mut impl Read) -> io::Result<()> {
    let [descriptor] = take::<1>(r)?;
    let single_segment = descriptor & 0x20 != 0;
    let checksum = descriptor & 0x04 != 0;
    let dictionary = [0, 1, 2, 4][usize::from(descriptor & 0x03)];
    let content_size = match descriptor >> 6 {
        0 => u64::from(single_segment),
        1 => 2,
        2 => 4,
        _ => 8,
    };
    if descriptor & 0x08 != 0 {
        return Err(io::Error::other("a zstd frame header has its reserved bit set"));
    }
    skip(r, u64::from(!single_segment) + dictionary + content_size)?;
    loop {
        let header = take::<3>(r)?;
        let header = u32::from(header[0]) | u32::from(header[1]) << 8 | u32::from(header[2]) << 16;
        let last = header & 1 != 0;
        let size = u64::from(header >> 3);
        match (header >> 1) & 3 {
            0 | 2 => skip(r, size)?,
            1 => skip(r, 1)?,
            _ => return Err(io::Error::other("a zstd block has the reserved type")),
        }
        if last {
            return skip(r, if checksum { 4 } else { 0 });
        }
    }
}

fn read_some(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

fn take<const N: usize>(r: &mut impl Read) -> io::Result<[u8; N]> {
    let mut buf = [0u8; N];
    r.read_exact(&mut buf)?;
    Ok(buf)
}

fn skip(r: &mut impl Read, n: u64) -> io::Result<()> {
    if io::copy(&mut r.take(n), &mut io::sink())? < n {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A zstd frame by hand: header without content size or checksum flags beyond `checksum`, and raw blocks.
    fn zstd(blocks: &[&[u8]], checksum: bool) -> Vec<u8> {
        let mut out = ZSTD.to_vec();
        out.push(if checksum { 0x04 } else { 0x00 });
        out.push(0x58); // window descriptor
        for (i, b) in blocks.iter().enumerate() {
            let last = u32::from(i + 1 == blocks.len());
            let header = last | ((b.len() as u32) << 3);
            out.extend(&header.to_le_bytes()[..3]);
            out.extend(*b);
        }
        if checksum {
            out.extend([1, 2, 3, 4]);
        }
        out
    }

    fn verdict(bytes: &[u8]) -> Option<String> {
        check(&bytes[..bytes.len().min(4)], &bytes[bytes.len().min(4)..])
    }

    #[test]
    fn a_whole_zstd_stream_passes_and_every_cut_is_caught() {
        let mut two = zstd(&[b"a,b\n1,2\n", b"3,4\n"], true);
        two.extend([0x50, 0x2a, 0x4d, 0x18, 2, 0, 0, 0, 9, 9]); // a skippable frame
        two.extend(zstd(&[b"5,6\n"], false));
        assert_eq!(verdict(&two), None);
        for cut in 4..two.len() {
            let frame_end = [zstd(&[b"a,b\n1,2\n", b"3,4\n"], true).len(), two.len() - zstd(&[b"5,6\n"], false).len()];
            if frame_end.contains(&cut) {
                continue; // a cut between whole frames is a whole (shorter) stream: only gzip's trailer says more
            }
            assert!(verdict(&two[..cut]).is_some(), "a zstd cut at byte {cut} of {} passed", two.len());
        }
        let mut garbage = two.clone();
        garbage.extend(b"junk");
        assert!(verdict(&garbage).is_some());
    }

    #[test]
    fn real_zstd_output_is_walked_to_its_end() {
        // `printf 'a,b\n1,2\n' | zstd -c | xxd -i` (zstd 1.5, with its content checksum)
        let real = [
            0x28, 0xb5, 0x2f, 0xfd, 0x04, 0x58, 0x41, 0x00, 0x00, 0x61, 0x2c, 0x62, 0x0a, 0x31, 0x2c, 0x32, 0x0a, 0x35,
            0xe7, 0xca, 0xce,
        ];
        assert_eq!(verdict(&real), None);
        assert!(verdict(&real[..real.len() - 1]).is_some());
    }

    #[test]
    fn other_bytes_are_not_judged() {
        assert_eq!(verdict(b"plain,text\n"), None);
    }
}
