//! ISO/IEC 19794-4:2005 finger image record (ICAO 9303-10 §4.7.3 DG3).

use crate::{image::png_info, put_uint, Reader, RecordError};

/// Finger positions (19794-4 Table 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FingerPosition {
    Unknown,
    RightThumb,
    RightIndex,
    RightMiddle,
    RightRing,
    RightLittle,
    LeftThumb,
    LeftIndex,
    LeftMiddle,
    LeftRing,
    LeftLittle,
}

impl FingerPosition {
    pub const TEN: [FingerPosition; 10] = [
        FingerPosition::RightThumb,
        FingerPosition::RightIndex,
        FingerPosition::RightMiddle,
        FingerPosition::RightRing,
        FingerPosition::RightLittle,
        FingerPosition::LeftThumb,
        FingerPosition::LeftIndex,
        FingerPosition::LeftMiddle,
        FingerPosition::LeftRing,
        FingerPosition::LeftLittle,
    ];
    pub fn code(self) -> u8 {
        self as u8
    }
    pub fn from_code(c: u8) -> Option<FingerPosition> {
        match c {
            0 => Some(FingerPosition::Unknown),
            1..=10 => FingerPosition::TEN.get(c as usize - 1).copied(),
            _ => None,
        }
    }
    /// "right-index", "left-thumb", ...
    pub fn slug(self) -> &'static str {
        [
            "unknown",
            "right-thumb",
            "right-index",
            "right-middle",
            "right-ring",
            "right-little",
            "left-thumb",
            "left-index",
            "left-middle",
            "left-ring",
            "left-little",
        ][self as usize]
    }
    pub fn from_slug(s: &str) -> Option<FingerPosition> {
        (0..=10)
            .filter_map(FingerPosition::from_code)
            .find(|p| p.slug() == s)
    }
    pub fn name_en(self) -> &'static str {
        [
            "unknown finger",
            "right thumb",
            "right index",
            "right middle",
            "right ring",
            "right little",
            "left thumb",
            "left index",
            "left middle",
            "left ring",
            "left little",
        ][self as usize]
    }
    pub fn name_vi(self) -> &'static str {
        [
            "ngón không xác định",
            "ngón cái phải",
            "ngón trỏ phải",
            "ngón giữa phải",
            "ngón áp út phải",
            "ngón út phải",
            "ngón cái trái",
            "ngón trỏ trái",
            "ngón giữa trái",
            "ngón áp út trái",
            "ngón út trái",
        ][self as usize]
    }
}

/// Image compression algorithm (19794-4 Table 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    Uncompressed,
    BitPacked,
    Wsq,
    Jpeg,
    Jpeg2000,
    Png,
    Other(u8),
}

impl Compression {
    fn code(self) -> u8 {
        match self {
            Compression::Uncompressed => 0,
            Compression::BitPacked => 1,
            Compression::Wsq => 2,
            Compression::Jpeg => 3,
            Compression::Jpeg2000 => 4,
            Compression::Png => 5,
            Compression::Other(c) => c,
        }
    }
    fn from_code(c: u8) -> Compression {
        match c {
            0 => Compression::Uncompressed,
            1 => Compression::BitPacked,
            2 => Compression::Wsq,
            3 => Compression::Jpeg,
            4 => Compression::Jpeg2000,
            5 => Compression::Png,
            o => Compression::Other(o),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FingerImage {
    pub position: FingerPosition,
    pub view_count: u8,
    pub view_number: u8,
    pub quality: u8,
    pub impression: u8,
    pub width: u16,
    pub height: u16,
    pub data: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FingerRecord {
    pub device_id: u16,
    pub acquisition_level: u16,
    pub scale_units: u8,
    pub scan_res: (u16, u16),
    pub image_res: (u16, u16),
    pub pixel_depth: u8,
    pub compression: Compression,
    pub fingers: Vec<FingerImage>,
}

const GENERAL_HEADER: usize = 32;
const FINGER_HEADER: usize = 14;

impl FingerRecord {
    /// One finger from a PNG (lossless, 19794-4 compression 5), size and resolution read from it.
    pub fn from_png(
        position: FingerPosition,
        quality: u8,
        png: Vec<u8>,
    ) -> Result<FingerRecord, RecordError> {
        let info = png_info(&png)?;
        let width =
            u16::try_from(info.width).map_err(|_| RecordError::Image("wider than 65535".into()))?;
        let height = u16::try_from(info.height)
            .map_err(|_| RecordError::Image("taller than 65535".into()))?;
        if info.colour_type != 0 {
            return Err(RecordError::Image("finger images must be greyscale".into()));
        }
        let ppi = info.ppi.unwrap_or((500, 500));
        Ok(FingerRecord {
            device_id: 0,
            // Image acquisition level 31: 500 ppi, 8 bits (19794-4 Table 1).
            acquisition_level: 31,
            scale_units: 1,
            scan_res: ppi,
            image_res: ppi,
            pixel_depth: info.bit_depth,
            compression: Compression::Png,
            fingers: vec![FingerImage {
                position,
                view_count: 1,
                view_number: 1,
                quality: quality.min(100),
                impression: 0,
                width,
                height,
                data: png,
            }],
        })
    }

    pub fn encode(&self) -> Result<Vec<u8>, RecordError> {
        let total = GENERAL_HEADER
            + self
                .fingers
                .iter()
                .map(|f| FINGER_HEADER + f.data.len())
                .sum::<usize>();
        let count = u8::try_from(self.fingers.len())
            .map_err(|_| RecordError::Invalid("more than 255 fingers".into()))?;
        let mut out = Vec::with_capacity(total);
        out.extend_from_slice(b"FIR\x00010\x00");
        put_uint(&mut out, total as u64, 6);
        put_uint(&mut out, self.device_id as u64, 2);
        put_uint(&mut out, self.acquisition_level as u64, 2);
        out.push(count);
        out.push(self.scale_units);
        put_uint(&mut out, self.scan_res.0 as u64, 2);
        put_uint(&mut out, self.scan_res.1 as u64, 2);
        put_uint(&mut out, self.image_res.0 as u64, 2);
        put_uint(&mut out, self.image_res.1 as u64, 2);
        out.push(self.pixel_depth);
        out.push(self.compression.code());
        put_uint(&mut out, 0, 2);
        for f in &self.fingers {
            let len = u32::try_from(FINGER_HEADER + f.data.len())
                .map_err(|_| RecordError::Invalid("finger image over 4 GiB".into()))?;
            put_uint(&mut out, len as u64, 4);
            out.push(f.position.code());
            out.push(f.view_count);
            out.push(f.view_number);
            out.push(f.quality);
            out.push(f.impression);
            put_uint(&mut out, f.width as u64, 2);
            put_uint(&mut out, f.height as u64, 2);
            out.push(0);
            out.extend_from_slice(&f.data);
        }
        Ok(out)
    }

    pub fn parse(bytes: &[u8]) -> Result<FingerRecord, RecordError> {
        let mut r = Reader::new(bytes);
        if r.bytes(4)? != b"FIR\0" {
            return Err(RecordError::BadMagic("ISO/IEC 19794-4 finger image"));
        }
        let version = r.bytes(4)?;
        if version != b"010\0" {
            return Err(RecordError::Version(
                String::from_utf8_lossy(version).into_owned(),
            ));
        }
        let declared = r.uint(6)? as usize;
        if declared != bytes.len() {
            return Err(RecordError::Length {
                declared,
                actual: bytes.len(),
            });
        }
        let device_id = r.u16()?;
        let acquisition_level = r.u16()?;
        let count = r.u8()?;
        let scale_units = r.u8()?;
        let scan_res = (r.u16()?, r.u16()?);
        let image_res = (r.u16()?, r.u16()?);
        let pixel_depth = r.u8()?;
        let compression = Compression::from_code(r.u8()?);
        r.bytes(2)?;
        let mut fingers = Vec::new();
        for _ in 0..count {
            let len = r.uint(4)? as usize;
            if len < FINGER_HEADER {
                return Err(RecordError::Invalid(format!("finger block of {len} bytes")));
            }
            let position = FingerPosition::from_code(r.u8()?).unwrap_or(FingerPosition::Unknown);
            let view_count = r.u8()?;
            let view_number = r.u8()?;
            let quality = r.u8()?;
            let impression = r.u8()?;
            let width = r.u16()?;
            let height = r.u16()?;
            r.u8()?;
            let data = r.bytes(len - FINGER_HEADER)?.to_vec();
            fingers.push(FingerImage {
                position,
                view_count,
                view_number,
                quality,
                impression,
                width,
                height,
                data,
            });
        }
        if r.pos() != bytes.len() {
            return Err(RecordError::Length {
                declared,
                actual: r.pos(),
            });
        }
        Ok(FingerRecord {
            device_id,
            acquisition_level,
            scale_units,
            scan_res,
            image_res,
            pixel_depth,
            compression,
            fingers,
        })
    }
}
