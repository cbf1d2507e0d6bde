//! Just enough of JPEG and PNG to learn an image's size without decoding it. Both walkers read
//! untrusted bytes: every offset is checked, every step advances, nothing is allocated.

/// Why an image file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageError {
    #[error("not a JPEG file (no SOI marker FF D8)")]
    NotJpeg,
    #[error("not a PNG file (bad signature)")]
    NotPng,
    #[error("{0} truncated")]
    Truncated(&'static str),
    #[error("malformed JPEG: {0}")]
    BadJpeg(&'static str),
    #[error("JPEG process SOF{0} is not supported (baseline, extended or progressive DCT only)")]
    UnsupportedJpeg(u8),
    #[error("JPEG has no frame header before its scan data")]
    NoFrameHeader,
    #[error("malformed PNG: {0}")]
    BadPng(&'static str),
    #[error("PNG chunk {0} fails its CRC")]
    BadCrc(&'static str),
    #[error("image has zero width or height")]
    ZeroSize,
    #[error("image of {width} x {height} pixels exceeds 65535 in one dimension")]
    TooLarge { width: u32, height: u32 },
    #[error("finger images must be greyscale (PNG colour type 0), found colour type {0}")]
    NotGreyscale(u8),
    #[error("resolution of {0} pixels per inch is out of range")]
    Resolution(u32),
}

/// What a JPEG frame header says (ITU-T T.81 §B.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JpegInfo {
    pub width: u16,
    pub height: u16,
    /// Number of image components Nf: 1 greyscale, 3 colour.
    pub components: u8,
    /// Sample precision P in bits.
    pub precision: u8,
    /// n of the SOFn marker: 0 baseline, 1 extended sequential, 2 progressive.
    pub process: u8,
}

/// Width, height and components from a JPEG's SOF0, SOF1 or SOF2 frame header.
///
/// Walks the marker segments of ITU-T T.81 §B.1.1 from SOI to the first SOFn: markers are FF xx
/// (any number of FF fill bytes before), standalone markers (SOI, RSTm, TEM) carry no length,
/// every other segment carries a 2-byte length that counts itself.
pub fn jpeg_info(jpeg: &[u8]) -> Result<JpegInfo, ImageError> {
    if jpeg.get(..2) != Some(&[0xFF, 0xD8][..]) {
        return Err(ImageError::NotJpeg);
    }
    let mut i = 2usize;
    loop {
        if jpeg.get(i) != Some(&0xFF) {
            return Err(match jpeg.get(i) {
                None => ImageError::NoFrameHeader,
                Some(_) => ImageError::BadJpeg("marker expected"),
            });
        }
        // T.81 §B.1.1.2: fill bytes FF may precede a marker.
        while jpeg.get(i + 1) == Some(&0xFF) {
            i += 1;
        }
        let marker = *jpeg.get(i + 1).ok_or(ImageError::NoFrameHeader)?;
        i += 2;
        match marker {
            0x00 => return Err(ImageError::BadJpeg("stuffed zero outside scan data")),
            // Standalone markers: TEM, RST0–7, SOI.
            0x01 | 0xD0..=0xD8 => continue,
            // EOI or SOS before any frame header.
            0xD9 | 0xDA => return Err(ImageError::NoFrameHeader),
            _ => {}
        }
        let len = match (jpeg.get(i), jpeg.get(i + 1)) {
            (Some(h), Some(l)) => usize::from(u16::from_be_bytes([*h, *l])),
            _ => return Err(ImageError::Truncated("JPEG segment")),
        };
        if len < 2 {
            return Err(ImageError::BadJpeg("segment length below 2"));
        }
        let segment = jpeg
            .get(i + 2..i + len)
            .ok_or(ImageError::Truncated("JPEG segment"))?;
        match marker {
            // SOF0 baseline, SOF1 extended sequential, SOF2 progressive (Huffman coding).
            0xC0..=0xC2 => {
                // T.81 §B.2.2 frame header: P (1), Y (2), X (2), Nf (1), components.
                let [p, y0, y1, x0, x1, nf, ..] = *segment else {
                    return Err(ImageError::BadJpeg("short frame header"));
                };
                let height = u16::from_be_bytes([y0, y1]);
                let width = u16::from_be_bytes([x0, x1]);
                if width == 0 || height == 0 {
                    // Y = 0 defers the height to a DNL segment; ICAO readers do not expect that.
                    return Err(ImageError::ZeroSize);
                }
                return Ok(JpegInfo {
                    width,
                    height,
                    components: nf,
                    precision: p,
                    process: marker - 0xC0,
                });
            }
            // Other SOFn: lossless, hierarchical and arithmetic-coded processes. C4 (DHT),
            // C8 (JPG) and CC (DAC) are not frame headers.
            0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF => {
                return Err(ImageError::UnsupportedJpeg(marker - 0xC0));
            }
            _ => i += len,
        }
    }
}

/// What a PNG's IHDR and pHYs chunks say (ISO/IEC 15948 §11.2.2, §11.3.5.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PngInfo {
    pub width: u32,
    pub height: u32,
    pub bit_depth: u8,
    /// 0 greyscale, 2 truecolour, 3 indexed, 4 greyscale with alpha, 6 truecolour with alpha.
    pub colour_type: u8,
    /// Pixels per inch (x, y) from pHYs when it is given in pixels per metre.
    pub ppi: Option<(u32, u32)>,
}

const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

/// Reads IHDR (which must come first) and pHYs (if it comes before the image data) of a PNG,
/// checking the signature (§5.2), the chunk layout (§5.3: length 4, type 4, data, CRC 4) and the
/// CRCs of the chunks it reads.
pub fn png_info(png: &[u8]) -> Result<PngInfo, ImageError> {
    if png.get(..8) != Some(&PNG_SIGNATURE[..]) {
        return Err(ImageError::NotPng);
    }
    let mut i = 8usize;
    let mut info: Option<PngInfo> = None;
    loop {
        let Some(&[l0, l1, l2, l3, t0, t1, t2, t3]) = png.get(i..i + 8) else {
            // A PNG ends with IEND; running out of bytes first is a truncation.
            return match info {
                Some(_) => Err(ImageError::Truncated("PNG")),
                None => Err(ImageError::BadPng("no IHDR chunk")),
            };
        };
        let len = u32::from_be_bytes([l0, l1, l2, l3]);
        if len > 0x7FFF_FFFF {
            return Err(ImageError::BadPng("chunk length above 2^31-1"));
        }
        let len = len as usize;
        let kind = [t0, t1, t2, t3];
        // Type and data, which the CRC covers, then the CRC.
        let end = (i + 8)
            .checked_add(len)
            .ok_or(ImageError::Truncated("PNG chunk"))?;
        let (Some(typed), Some(&[c0, c1, c2, c3])) =
            (png.get(i + 4..end), png.get(end..end.saturating_add(4)))
        else {
            return Err(ImageError::Truncated("PNG chunk"));
        };
        let body = typed.get(4..).unwrap_or_default();
        let crc_ok = || u32::from_be_bytes([c0, c1, c2, c3]) == crc32(typed);
        match (&kind, info.as_mut()) {
            (b"IHDR", None) => {
                if !crc_ok() {
                    return Err(ImageError::BadCrc("IHDR"));
                }
                let &[w0, w1, w2, w3, h0, h1, h2, h3, bit_depth, colour_type, _, _, _] = body
                else {
                    return Err(ImageError::BadPng("IHDR is not 13 bytes"));
                };
                let width = u32::from_be_bytes([w0, w1, w2, w3]);
                let height = u32::from_be_bytes([h0, h1, h2, h3]);
                if width == 0 || height == 0 {
                    return Err(ImageError::ZeroSize);
                }
                // §11.2.2 Table 11.1: allowed bit depths per colour type.
                let depth_ok = match colour_type {
                    0 => matches!(bit_depth, 1 | 2 | 4 | 8 | 16),
                    3 => matches!(bit_depth, 1 | 2 | 4 | 8),
                    2 | 4 | 6 => matches!(bit_depth, 8 | 16),
                    _ => false,
                };
                if !depth_ok {
                    return Err(ImageError::BadPng("bit depth and colour type do not match"));
                }
                info = Some(PngInfo {
                    width,
                    height,
                    bit_depth,
                    colour_type,
                    ppi: None,
                });
            }
            (_, None) => return Err(ImageError::BadPng("IHDR is not the first chunk")),
            (b"IHDR", Some(_)) => return Err(ImageError::BadPng("second IHDR chunk")),
            (b"pHYs", Some(found)) => {
                if !crc_ok() {
                    return Err(ImageError::BadCrc("pHYs"));
                }
                let &[x0, x1, x2, x3, y0, y1, y2, y3, unit] = body else {
                    return Err(ImageError::BadPng("pHYs is not 9 bytes"));
                };
                // Unit 1: pixels per metre; unit 0 gives only the aspect ratio.
                if unit == 1 {
                    let x = u32::from_be_bytes([x0, x1, x2, x3]);
                    let y = u32::from_be_bytes([y0, y1, y2, y3]);
                    found.ppi = Some((ppm_to_ppi(x), ppm_to_ppi(y)));
                }
            }
            // pHYs must precede the image data (§11.3.5.3), so nothing more to learn.
            (b"IDAT" | b"IEND", Some(found)) => return Ok(*found),
            _ => {}
        }
        i = end + 4;
    }
}

/// Pixels per metre to pixels per inch, rounded: 19685 px/m is 500 ppi.
fn ppm_to_ppi(ppm: u32) -> u32 {
    ((u64::from(ppm) * 254 + 5000) / 10000) as u32
}

/// CRC-32 of ISO 3309 as PNG uses it (§5.3, Annex D), bitwise: chunks read here are tiny.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for b in data {
        crc ^= u32::from(*b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_of_iend() {
        // Every PNG ends with 0000 0000 "IEND" AE42 6082.
        assert_eq!(crc32(b"IEND"), 0xAE42_6082);
    }

    #[test]
    fn ppi_rounding() {
        assert_eq!(ppm_to_ppi(19685), 500);
        assert_eq!(ppm_to_ppi(39370), 1000);
        assert_eq!(ppm_to_ppi(0), 0);
        assert_eq!(ppm_to_ppi(u32::MAX), 109_092_169);
    }
}
