//! Just enough of JPEG and PNG to learn an image's size without decoding it.

use crate::RecordError;

/// Width and height from a JPEG's start-of-frame marker (ITU-T T.81 §B.2.2).
pub fn jpeg_dimensions(jpeg: &[u8]) -> Result<(u16, u16), RecordError> {
    let bad = |why: &str| RecordError::Image(format!("not a JPEG: {why}"));
    if jpeg.get(..2) != Some(&[0xFF, 0xD8]) {
        return Err(bad("no SOI marker"));
    }
    let mut i = 2;
    loop {
        // Skip fill bytes before a marker.
        while jpeg.get(i) == Some(&0xFF) && jpeg.get(i + 1) == Some(&0xFF) {
            i += 1;
        }
        let (Some(&0xFF), Some(&marker)) = (jpeg.get(i), jpeg.get(i + 1)) else {
            return Err(bad("marker expected"));
        };
        i += 2;
        match marker {
            0xD8 | 0x01 | 0xD0..=0xD7 => continue,
            0xD9 | 0xDA => return Err(bad("no frame header before the image data")),
            _ => {}
        }
        let len = match (jpeg.get(i), jpeg.get(i + 1)) {
            (Some(h), Some(l)) => u16::from_be_bytes([*h, *l]) as usize,
            _ => return Err(bad("truncated segment")),
        };
        if len < 2 {
            return Err(bad("segment length below 2"));
        }
        // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
        if (0xC0..=0xCF).contains(&marker) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) {
            let seg = jpeg
                .get(i + 2..i + len)
                .ok_or_else(|| bad("truncated frame header"))?;
            if seg.len() < 5 {
                return Err(bad("short frame header"));
            }
            let h = u16::from_be_bytes([seg[1], seg[2]]);
            let w = u16::from_be_bytes([seg[3], seg[4]]);
            if w == 0 || h == 0 {
                return Err(bad("zero width or height"));
            }
            return Ok((w, h));
        }
        i += len;
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PngInfo {
    pub width: u32,
    pub height: u32,
    pub bit_depth: u8,
    pub colour_type: u8,
    /// Pixels per inch from pHYs, when it gives pixels per metre.
    pub ppi: Option<(u16, u16)>,
}

/// IHDR and pHYs of a PNG (ISO/IEC 15948 §11.2.2, §11.3.5.3).
pub fn png_info(png: &[u8]) -> Result<PngInfo, RecordError> {
    let bad = |why: &str| RecordError::Image(format!("not a PNG: {why}"));
    if png.get(..8) != Some(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        return Err(bad("no PNG signature"));
    }
    let mut i = 8;
    let mut info: Option<PngInfo> = None;
    while let Some(head) = png.get(i..i + 8) {
        let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
        let kind = &head[4..8];
        let body = png
            .get(i + 8..i + 8 + len)
            .ok_or_else(|| bad("truncated chunk"))?;
        match kind {
            b"IHDR" if body.len() == 13 => {
                let width = u32::from_be_bytes([body[0], body[1], body[2], body[3]]);
                let height = u32::from_be_bytes([body[4], body[5], body[6], body[7]]);
                if width == 0 || height == 0 {
                    return Err(bad("zero width or height"));
                }
                info = Some(PngInfo {
                    width,
                    height,
                    bit_depth: body[8],
                    colour_type: body[9],
                    ppi: None,
                });
            }
            b"pHYs" if body.len() == 9 && body[8] == 1 => {
                let x = u32::from_be_bytes([body[0], body[1], body[2], body[3]]);
                let y = u32::from_be_bytes([body[4], body[5], body[6], body[7]]);
                let ppi =
                    |ppm: u32| ((ppm as f64 * 0.0254).round() as u32).min(u16::MAX as u32) as u16;
                if let Some(i) = info.as_mut() {
                    i.ppi = Some((ppi(x), ppi(y)));
                }
            }
            b"IDAT" | b"IEND" => break,
            _ => {}
        }
        i += 12 + len;
    }
    info.ok_or_else(|| bad("no IHDR chunk"))
}
