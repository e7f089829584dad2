//! The precompressed twins that a server sends in place of each text asset: `.br` for browsers
//! that accept Brotli (all current ones), `.gz` for the rest. Compressing once at build time
//! allows the slowest, smallest settings, which no server could afford per request.

use crate::{Result, files};
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// Brotli's highest quality.
const BROTLI_QUALITY: i32 = 11;
/// The largest window a browser decodes (2^24 bytes); larger windows need a decoder flag.
const BROTLI_WINDOW_BITS: i32 = 24;

/// One file's bytes as stored and as sent under each encoding.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sizes {
    pub raw: u64,
    pub gzip: u64,
    pub brotli: u64,
}

impl std::ops::Add for Sizes {
    type Output = Self;

    fn add(self, other: Self) -> Self {
        Self {
            raw: self.raw + other.raw,
            gzip: self.gzip + other.gzip,
            brotli: self.brotli + other.brotli,
        }
    }
}

/// Writes `file.br` and `file.gz` beside `file` and returns the three sizes.
pub fn precompress(file: &Path) -> Result<Sizes> {
    let raw = files::read(file)?;
    let brotli = brotli(&raw)?;
    let gzip = gzip(&raw)?;
    for (twin, bytes) in [(twin(file, "br"), &brotli), (twin(file, "gz"), &gzip)] {
        files::write(&twin, bytes)?;
    }
    Ok(Sizes {
        raw: len(&raw),
        gzip: len(&gzip),
        brotli: len(&brotli),
    })
}

/// The sizes of `file` as its twins stand on disk; an error when a twin is missing.
pub fn served(file: &Path) -> Result<Sizes> {
    let size = |path: &Path| {
        fs::metadata(path).map(|meta| meta.len()).map_err(|e| {
            format!(
                "cannot read {}: {e} (cargo xtask dist writes it)",
                path.display()
            )
        })
    };
    Ok(Sizes {
        raw: size(file)?,
        gzip: size(&twin(file, "gz"))?,
        brotli: size(&twin(file, "br"))?,
    })
}

/// `app.wasm` -> `app.wasm.br`: the name servers look for (nginx's `brotli_static`, tower-http's
/// `precompressed_br`, Caddy's `precompressed`).
pub fn twin(file: &Path, encoding: &str) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".");
    name.push(encoding);
    PathBuf::from(name)
}

pub fn brotli(bytes: &[u8]) -> Result<Vec<u8>> {
    let params = brotli::enc::BrotliEncoderParams {
        quality: BROTLI_QUALITY,
        lgwin: BROTLI_WINDOW_BITS,
        size_hint: bytes.len(),
        ..Default::default()
    };
    let mut out = Vec::new();
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params)
        .map_err(|e| format!("brotli compression failed: {e}"))?;
    Ok(out)
}

/// gzip at level 9, as `gzip -9` writes it.
pub fn gzip(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder
        .write_all(bytes)
        .and_then(|()| encoder.finish())
        .map_err(|e| format!("gzip compression failed: {e}"))
}

fn len(bytes: &[u8]) -> u64 {
    bytes.len() as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read as _;

    /// Text that compresses like a loader: repeated words with some variety.
    fn sample() -> Vec<u8> {
        (0..4_000)
            .map(|i| format!("function f{i}(a) {{ return wasm.e{}(a); }}\n", i % 37))
            .collect::<String>()
            .into_bytes()
    }

    #[test]
    fn both_twins_decode_to_the_original() {
        let original = sample();
        let mut unbrotli = Vec::new();
        brotli::BrotliDecompress(
            &mut &brotli(&original).expect("compresses")[..],
            &mut unbrotli,
        )
        .expect("a standard decoder reads it");
        assert_eq!(unbrotli, original);

        let mut ungzip = Vec::new();
        flate2::read::GzDecoder::new(&gzip(&original).expect("compresses")[..])
            .read_to_end(&mut ungzip)
            .expect("gzip reads it");
        assert_eq!(ungzip, original);
    }

    #[test]
    fn brotli_beats_gzip_on_text() {
        let original = sample();
        let (br, gz) = (brotli(&original).expect("br"), gzip(&original).expect("gz"));
        assert!(br.len() < gz.len(), "br {} vs gzip {}", br.len(), gz.len());
        assert!(gz.len() < original.len() / 4);
    }

    #[test]
    fn twins_are_written_beside_the_file_and_measured() {
        let dir = std::env::temp_dir().join(format!("xtask-compress-{}", std::process::id()));
        fs::create_dir_all(&dir).expect("temp dir");
        let file = dir.join("app-1f_bg.wasm");
        fs::write(&file, sample()).expect("write");
        let written = precompress(&file).expect("precompresses");
        assert_eq!(served(&file).expect("twins exist"), written);
        assert!(dir.join("app-1f_bg.wasm.br").is_file());
        assert!(dir.join("app-1f_bg.wasm.gz").is_file());
        assert_eq!(written.raw, sample().len() as u64);
        fs::remove_file(twin(&file, "br")).expect("remove");
        assert!(
            served(&file).is_err(),
            "a missing twin is an error, not a zero"
        );
        fs::remove_dir_all(&dir).expect("clean up");
    }
}
