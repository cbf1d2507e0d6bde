//! QR codes from a camera frame or an image file: the code printed on a citizen card (read
//! at checkpoints) and the health-declaration code shown at check-in. Generic: it returns the
//! decoded texts and leaves their meaning to the caller.
//!
//! The decoder is rxing, a pure-Rust port of ZXing's QR reader (ISO/IEC 18004: finder
//! patterns, perspective sampling, Reed–Solomon correction, every segment mode, ECI and
//! UTF-8 byte segments). Everything here treats its input as untrusted:
//!
//! - a frame's size must match its bytes; frames over [`MAX_PIXELS`] are box-downscaled
//!   first, so the work per frame is bounded whatever the camera or file sends;
//! - image files are size-checked before reading ([`MAX_FILE_BYTES`]) and decoded with
//!   `image`'s limits ([`MAX_DIMENSION`], [`MAX_DECODE_ALLOC`]);
//! - at most [`MAX_CODES`] texts per frame are returned;
//! - detection and decoding run under `catch_unwind`: a decoder bug on some degenerate frame
//!   (QR decoders have had reachable assertions, e.g. rqrr's issue 54) makes that frame
//!   "unreadable", never a crash of the station.
//!
//! Every error says what happened in Vietnamese, then English.

use std::io::Read;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

/// Frames with more pixels than this are downscaled before detection (about 2.1 MP: a card
/// held to a 1080p camera still gives its QR several pixels per module).
pub const MAX_PIXELS: usize = 1920 * 1088;
/// Widest or tallest image file accepted, pixels.
pub const MAX_DIMENSION: u32 = 8192;
/// Largest image file read, bytes.
pub const MAX_FILE_BYTES: u64 = 32 * 1024 * 1024;
/// Most memory `image` may allocate decoding one file.
pub const MAX_DECODE_ALLOC: u64 = 256 * 1024 * 1024;
/// Most texts returned per frame.
pub const MAX_CODES: usize = 8;

/// Why no text came out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QrError {
    #[error("không tìm thấy mã QR trong ảnh / no QR code found in the image")]
    NoCode,
    #[error(
        "có mã QR nhưng không đọc được ({vi}) / a QR code was found but cannot be read ({en})"
    )]
    Unreadable { vi: String, en: String },
    #[error("khung hình {width}×{height} không khớp với {len} byte dữ liệu / a {width}×{height} frame does not match its {len} bytes")]
    BadFrame {
        width: usize,
        height: usize,
        len: usize,
    },
    #[error("không giải mã được ảnh (cần PNG hoặc JPEG): {0} / the image cannot be decoded (PNG or JPEG expected): {0}")]
    Image(String),
    #[error("ảnh quá lớn ({0}) / the image is too large ({0})")]
    TooLarge(String),
    #[error("không đọc được tệp {path}: {why} / cannot read the file {path}: {why}")]
    File { path: String, why: String },
}

impl QrError {
    fn unreadable(vi: impl Into<String>, en: impl Into<String>) -> Self {
        QrError::Unreadable {
            vi: vi.into(),
            en: en.into(),
        }
    }
}

/// Decodes every QR code in a greyscale frame (`width × height` bytes, row by row, 0 black,
/// 255 white). Returns the texts in the order found, without duplicates.
pub fn decode_luma(width: usize, height: usize, luma: &[u8]) -> Result<Vec<String>, QrError> {
    let bad = || QrError::BadFrame {
        width,
        height,
        len: luma.len(),
    };
    let pixels = width.checked_mul(height).ok_or_else(bad)?;
    if width == 0 || height == 0 || pixels != luma.len() {
        return Err(bad());
    }
    if pixels > MAX_PIXELS {
        let (w, h, small) = downscale(width, height, luma);
        return decode_bounded(w, h, &small);
    }
    decode_bounded(width, height, luma)
}

/// Decodes the QR codes in a PNG or JPEG file's bytes.
pub fn decode_image_bytes(bytes: &[u8]) -> Result<Vec<String>, QrError> {
    let mut reader = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| QrError::Image(e.to_string()))?;
    if reader.format().is_none() {
        return Err(QrError::Image(
            "định dạng không xác định / unknown format".into(),
        ));
    }
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_DIMENSION);
    limits.max_image_height = Some(MAX_DIMENSION);
    limits.max_alloc = Some(MAX_DECODE_ALLOC);
    reader.limits(limits);
    let img = reader.decode().map_err(|e| match e {
        image::ImageError::Limits(l) => QrError::TooLarge(format!(
            "tối đa {MAX_DIMENSION}×{MAX_DIMENSION} / at most {MAX_DIMENSION}×{MAX_DIMENSION}: {l}"
        )),
        e => QrError::Image(e.to_string()),
    })?;
    let luma = img.into_luma8();
    let (w, h) = (luma.width() as usize, luma.height() as usize);
    decode_luma(w, h, luma.as_raw())
}

/// Decodes the QR codes in a PNG or JPEG file.
pub fn decode_image_file(path: &Path) -> Result<Vec<String>, QrError> {
    let file_err = |why: String| QrError::File {
        path: path.display().to_string(),
        why,
    };
    let f = std::fs::File::open(path).map_err(|e| file_err(e.to_string()))?;
    let len = f.metadata().map_err(|e| file_err(e.to_string()))?.len();
    if len > MAX_FILE_BYTES {
        return Err(QrError::TooLarge(format!(
            "{len} byte, tối đa {MAX_FILE_BYTES} / {len} bytes, at most {MAX_FILE_BYTES}"
        )));
    }
    let mut bytes = Vec::with_capacity(len as usize);
    // take(): a file that grows while read (a pipe, /dev/zero) still stops at the limit.
    f.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| file_err(e.to_string()))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(QrError::TooLarge(format!(
            "hơn {MAX_FILE_BYTES} byte / over {MAX_FILE_BYTES} bytes"
        )));
    }
    decode_image_bytes(&bytes)
}

/// Box-averages the frame by the smallest integer factor that brings it under
/// [`MAX_PIXELS`].
fn downscale(width: usize, height: usize, luma: &[u8]) -> (usize, usize, Vec<u8>) {
    let mut k = 2usize;
    while (width / k) * (height / k) > MAX_PIXELS {
        k += 1;
    }
    let (w, h) = ((width / k).max(1), (height / k).max(1));
    let mut out = vec![0u8; w * h];
    let area = (k * k) as u32;
    for (y, row) in out.chunks_exact_mut(w).enumerate() {
        for (x, px) in row.iter_mut().enumerate() {
            let mut sum = 0u32;
            for dy in 0..k {
                let start = (y * k + dy) * width + x * k;
                sum += luma[start..start + k]
                    .iter()
                    .map(|&v| u32::from(v))
                    .sum::<u32>();
            }
            *px = (sum / area) as u8;
        }
    }
    (w, h, out)
}

/// Detection and decoding of a frame already within [`MAX_PIXELS`].
fn decode_bounded(width: usize, height: usize, luma: &[u8]) -> Result<Vec<String>, QrError> {
    use rxing::{BarcodeFormat, DecodeHints, Exceptions};
    let hints = || DecodeHints {
        PossibleFormats: Some(std::collections::HashSet::from([BarcodeFormat::QR_CODE])),
        TryHarder: Some(true),
        ..DecodeHints::default()
    };
    // Frames are at most MAX_PIXELS, so both dimensions fit u32.
    let (w, h) = (width as u32, height as u32);
    let bitmap = || {
        rxing::Luma8LuminanceSource::new(luma.to_vec(), w, h)
            .map(|src| rxing::BinaryBitmap::new(rxing::common::HybridBinarizer::new(src)))
    };
    let run = catch_unwind(AssertUnwindSafe(
        || -> Result<Vec<rxing::RXingResult>, Exceptions> {
            use rxing::multi::MultipleBarcodeReader;
            use rxing::Reader;
            // Every code in the frame (several finder-pattern triples)…
            let many = rxing::multi::qrcode::QRCodeMultiReader::new()
                .decode_multiple_with_hints(&mut bitmap()?, &hints());
            match many {
                Ok(found) if !found.is_empty() => Ok(found),
                // …or the single reader, which also tells a code it could not decode (checksum,
                // format) from no code at all.
                _ => rxing::qrcode::QRCodeReader::new()
                    .decode_with_hints(&mut bitmap()?, &hints())
                    .map(|r| vec![r]),
            }
        },
    ));
    let found = match run {
        Err(_) => {
            return Err(QrError::unreadable(
                "bộ giải mã không xử lý được khung hình này",
                "the decoder could not process this frame",
            ))
        }
        Ok(Err(Exceptions::NotFoundException(_))) => return Err(QrError::NoCode),
        Ok(Err(
            e @ (Exceptions::ChecksumException(_)
            | Exceptions::FormatException(_)
            | Exceptions::ReedSolomonException(_)),
        )) => {
            return Err(QrError::unreadable(
                format!("mã bị hỏng, mờ hoặc bị che: {e}"),
                format!("damaged, blurred or covered code: {e}"),
            ))
        }
        Ok(Err(e)) => {
            return Err(QrError::unreadable(
                format!("lỗi giải mã: {e}"),
                format!("decoder error: {e}"),
            ))
        }
        Ok(Ok(found)) => found,
    };
    let mut texts: Vec<String> = Vec::new();
    for r in found {
        let t = r.getText();
        if !t.is_empty() && !texts.iter().any(|k| k == t) && texts.len() < MAX_CODES {
            texts.push(t.to_string());
        }
    }
    if texts.is_empty() {
        return Err(QrError::unreadable("mã QR rỗng", "the QR code is empty"));
    }
    Ok(texts)
}

#[cfg(test)]
mod tests;
