//! ISO/IEC 19794-4:2005 finger image record, the format of ICAO 9303-10 §4.7.3 (DG3).
//!
//! ```text
//! general record header, 32 bytes
//!     "FIR\0" | "010\0" | record length (6) | capture device ID (2)
//!     image acquisition level (2) | number of fingers/palms (1) | scale units (1)
//!     horizontal, vertical scan resolution (2 + 2) | horizontal, vertical image resolution (2 + 2)
//!     pixel depth (1) | image compression algorithm (1) | reserved (2)
//! per finger: finger image header, 14 bytes
//!     finger data block length (4, header and image) | finger/palm position (1)
//!     count of views (1) | view number (1) | image quality (1) | impression type (1)
//!     horizontal line length (2) | vertical line length (2) | reserved (1)
//!   then the image data
//! ```
//! All integers big-endian.

use crate::{image::png_info, put_uint, ImageError, Reader, RecordError};

/// Finger positions, ISO/IEC 19794-4 finger position codes 0–10 (the single fingers; codes
/// 11–15 for plain multi-finger impressions and 20–38 for palms are not represented).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FingerPosition {
    Unknown = 0,
    RightThumb = 1,
    RightIndex = 2,
    RightMiddle = 3,
    RightRing = 4,
    RightLittle = 5,
    LeftThumb = 6,
    LeftIndex = 7,
    LeftMiddle = 8,
    LeftRing = 9,
    LeftLittle = 10,
}

const NAMES: [(&str, &str, &str); 11] = [
    ("unknown", "unknown finger", "Ngón không xác định"),
    ("right-thumb", "right thumb", "Ngón cái phải"),
    ("right-index", "right index finger", "Ngón trỏ phải"),
    ("right-middle", "right middle finger", "Ngón giữa phải"),
    ("right-ring", "right ring finger", "Ngón áp út phải"),
    ("right-little", "right little finger", "Ngón út phải"),
    ("left-thumb", "left thumb", "Ngón cái trái"),
    ("left-index", "left index finger", "Ngón trỏ trái"),
    ("left-middle", "left middle finger", "Ngón giữa trái"),
    ("left-ring", "left ring finger", "Ngón áp út trái"),
    ("left-little", "left little finger", "Ngón út trái"),
];

impl FingerPosition {
    /// The ten fingers in tenprint order (right thumb to right little, then left thumb to
    /// left little), which is also the order of their codes 1–10.
    pub const TENPRINT_ORDER: [FingerPosition; 10] = [
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
            _ => FingerPosition::TENPRINT_ORDER
                .get(usize::from(c).wrapping_sub(1))
                .copied(),
        }
    }
    fn names(self) -> (&'static str, &'static str, &'static str) {
        NAMES[self as usize]
    }
    /// "right-index", "left-thumb", ...: for file names and command lines.
    pub fn slug(self) -> &'static str {
        self.names().0
    }
    pub fn from_slug(s: &str) -> Option<FingerPosition> {
        (0..=10)
            .filter_map(FingerPosition::from_code)
            .find(|p| p.slug() == s)
    }
    /// "right index finger".
    pub fn name_en(self) -> &'static str {
        self.names().1
    }
    /// "Ngón trỏ phải".
    pub fn name_vi(self) -> &'static str {
        self.names().2
    }
    /// CBEFF biometric subtype of ISO/IEC 7816-11 Table C.3 (ISO/IEC 19785-1 §6.5.7), as the
    /// biometric header template's tag 82 carries it: bit 0 right, bit 1 left, bits 2–4 the
    /// finger (1 thumb, 2 index, 3 middle, 4 ring, 5 little). 0 for an unknown finger.
    pub fn cbeff_subtype(self) -> u8 {
        let code = self as u8;
        if code == 0 {
            return 0;
        }
        let side = if code <= 5 { 0x01 } else { 0x02 };
        let finger = (code - 1) % 5 + 1;
        side | (finger << 2)
    }
}

/// Image compression algorithm (19794-4 general record header), the codes of the 2005 edition
/// (Table 3), which records of version "010" carry: 0 uncompressed, 1 uncompressed bit-packed,
/// 2 WSQ, 3 JPEG, 4 JPEG 2000, 5 PNG. (The 2011 edition renumbers: 4 JPEG 2000 lossy, 5 JPEG
/// 2000 lossless, 6 PNG; its records are version "020", which `parse` refuses.)
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
    pub fn code(self) -> u8 {
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
    pub fn from_code(c: u8) -> Compression {
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

/// One finger view: the finger image header and its image data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FingerImage {
    pub position: FingerPosition,
    pub view_count: u8,
    pub view_number: u8,
    /// 0–100.
    pub quality: u8,
    /// 0 live-scan plain, 1 live-scan rolled, 2 non-live-scan plain, 3 non-live-scan rolled.
    pub impression: u8,
    /// Horizontal line length: pixels per line.
    pub width: u16,
    /// Vertical line length: number of lines.
    pub height: u16,
    pub data: Vec<u8>,
}

/// A finger image record: the general record header and one or more finger images.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FingerRecord {
    pub device_id: u16,
    /// Image acquisition setting level: 31 for 500 ppi, 8 bits.
    pub acquisition_level: u16,
    /// 1 pixels per inch, 2 pixels per centimetre.
    pub scale_units: u8,
    /// Capture device resolution (horizontal, vertical).
    pub scan_res: (u16, u16),
    /// Image resolution (horizontal, vertical).
    pub image_res: (u16, u16),
    /// Bits per pixel.
    pub pixel_depth: u8,
    pub compression: Compression,
    pub fingers: Vec<FingerImage>,
}

const GENERAL_HEADER: usize = 32;
const FINGER_HEADER: usize = 14;
/// The record length field is 6 bytes.
const MAX_RECORD: u64 = (1 << 48) - 1;

impl FingerRecord {
    pub const SCALE_PPI: u8 = 1;
    pub const IMPRESSION_LIVE_SCAN_PLAIN: u8 = 0;

    /// A record of one finger from a greyscale PNG, stored as PNG (compression 5: lossless,
    /// which 19794-4 and ICAO 9303-10 allow for DG3). Width, height and bit depth come from the
    /// IHDR chunk, the resolution from pHYs when it gives one (500 ppi otherwise). The image
    /// itself is not decoded.
    pub fn from_png(
        position: FingerPosition,
        quality: u8,
        png: Vec<u8>,
    ) -> Result<FingerRecord, RecordError> {
        if quality > 100 {
            return Err(RecordError::Quality(quality));
        }
        let info = png_info(&png)?;
        if info.colour_type != 0 {
            return Err(ImageError::NotGreyscale(info.colour_type).into());
        }
        let (Ok(width), Ok(height)) = (u16::try_from(info.width), u16::try_from(info.height))
        else {
            return Err(ImageError::TooLarge {
                width: info.width,
                height: info.height,
            }
            .into());
        };
        let ppi = match info.ppi {
            Some((x, y)) if x > 0 && y > 0 => {
                let fit = |v: u32| u16::try_from(v).map_err(|_| ImageError::Resolution(v));
                (fit(x)?, fit(y)?)
            }
            _ => (500, 500),
        };
        Ok(FingerRecord::single(
            position,
            quality,
            Compression::Png,
            info.bit_depth,
            (width, height),
            ppi,
            png,
        ))
    }

    /// A record of one finger stored as JPEG 2000 (compression 4, ISO/IEC 15444-1: a JP2 file
    /// or a raw codestream), 8 bits per pixel, as ICAO 9303-10 allows for DG3 and passports
    /// use to fit two fingers in a chip's file. The image is neither decoded nor checked
    /// against `width` × `height`: the caller made it (e.g. `fingerprint::jp2::encode`).
    /// `ppi` is the (horizontal, vertical) resolution; it sets the acquisition level as
    /// [`FingerRecord::from_png`] does.
    pub fn from_jpeg2000(
        position: FingerPosition,
        quality: u8,
        bytes: Vec<u8>,
        width: u16,
        height: u16,
        ppi: (u16, u16),
    ) -> Result<FingerRecord, RecordError> {
        if quality > 100 {
            return Err(RecordError::Quality(quality));
        }
        if width == 0 || height == 0 {
            return Err(RecordError::OutOfRange("image size"));
        }
        if ppi.0 == 0 || ppi.1 == 0 {
            return Err(RecordError::OutOfRange("resolution"));
        }
        if bytes.is_empty() {
            return Err(RecordError::OutOfRange("JPEG 2000 image data"));
        }
        Ok(FingerRecord::single(
            position,
            quality,
            Compression::Jpeg2000,
            8,
            (width, height),
            ppi,
            bytes,
        ))
    }

    /// One live-scan plain view, scanned and stored at `ppi`.
    fn single(
        position: FingerPosition,
        quality: u8,
        compression: Compression,
        pixel_depth: u8,
        (width, height): (u16, u16),
        ppi: (u16, u16),
        data: Vec<u8>,
    ) -> FingerRecord {
        // Image acquisition setting levels (19794-4 Table 1): 10 at 125 ppi, 20 at 250 ppi,
        // 31 at 500 ppi, 41 at 1000 ppi; the level of the lower of the two resolutions.
        let acquisition_level = match ppi.0.min(ppi.1) {
            1000.. => 41,
            500.. => 31,
            250.. => 20,
            _ => 10,
        };
        FingerRecord {
            device_id: 0,
            acquisition_level,
            scale_units: FingerRecord::SCALE_PPI,
            scan_res: ppi,
            image_res: ppi,
            pixel_depth,
            compression,
            fingers: vec![FingerImage {
                position,
                view_count: 1,
                view_number: 1,
                quality,
                impression: FingerRecord::IMPRESSION_LIVE_SCAN_PLAIN,
                width,
                height,
                data,
            }],
        }
    }

    pub fn encode(&self) -> Result<Vec<u8>, RecordError> {
        if self.fingers.is_empty() {
            return Err(RecordError::NoImages);
        }
        let count = u8::try_from(self.fingers.len()).map_err(|_| RecordError::TooMany {
            what: "finger images",
            max: u8::MAX.into(),
        })?;
        let mut total = GENERAL_HEADER;
        for f in &self.fingers {
            let block = f.data.len().checked_add(FINGER_HEADER);
            // The finger data block length is 4 bytes.
            if block.and_then(|b| u32::try_from(b).ok()).is_none() {
                return Err(RecordError::TooLarge);
            }
            total = total
                .checked_add(FINGER_HEADER + f.data.len())
                .ok_or(RecordError::TooLarge)?;
        }
        if total as u64 > MAX_RECORD {
            return Err(RecordError::TooLarge);
        }
        let mut out = Vec::with_capacity(total);
        out.extend_from_slice(b"FIR\x00010\x00");
        put_uint(&mut out, total as u64, 6);
        put_uint(&mut out, self.device_id.into(), 2);
        put_uint(&mut out, self.acquisition_level.into(), 2);
        out.push(count);
        out.push(self.scale_units);
        put_uint(&mut out, self.scan_res.0.into(), 2);
        put_uint(&mut out, self.scan_res.1.into(), 2);
        put_uint(&mut out, self.image_res.0.into(), 2);
        put_uint(&mut out, self.image_res.1.into(), 2);
        out.push(self.pixel_depth);
        out.push(self.compression.code());
        put_uint(&mut out, 0, 2); // reserved
        for f in &self.fingers {
            put_uint(&mut out, (FINGER_HEADER + f.data.len()) as u64, 4);
            out.push(f.position.code());
            out.push(f.view_count);
            out.push(f.view_number);
            out.push(f.quality);
            out.push(f.impression);
            put_uint(&mut out, f.width.into(), 2);
            put_uint(&mut out, f.height.into(), 2);
            out.push(0); // reserved
            out.extend_from_slice(&f.data);
        }
        Ok(out)
    }

    /// Parses a whole record: the length fields must agree with each other and with `bytes`.
    pub fn parse(bytes: &[u8]) -> Result<FingerRecord, RecordError> {
        let mut r = Reader::new(bytes);
        if r.bytes(4)? != b"FIR\0" {
            return Err(RecordError::BadMagic("ISO/IEC 19794-4 finger image"));
        }
        let version = r.array::<4>()?;
        if &version != b"010\0" {
            return Err(RecordError::Version(version));
        }
        let declared = r.uint(6)?;
        if declared != bytes.len() as u64 {
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
        r.bytes(2)?; // reserved
        if count == 0 {
            return Err(RecordError::NoImages);
        }
        let mut fingers = Vec::new();
        for index in 0..usize::from(count) {
            let start = r.pos();
            let block = r.uint(4)?;
            let data_len = usize::try_from(block)
                .ok()
                .filter(|b| {
                    *b >= FINGER_HEADER && start.checked_add(*b).is_some_and(|e| e <= bytes.len())
                })
                .map(|b| b - FINGER_HEADER)
                .ok_or(RecordError::BlockLength {
                    index,
                    declared: block,
                })?;
            let code = r.u8()?;
            let position =
                FingerPosition::from_code(code).ok_or(RecordError::FingerPosition(code))?;
            let view_count = r.u8()?;
            let view_number = r.u8()?;
            let quality = r.u8()?;
            let impression = r.u8()?;
            let width = r.u16()?;
            let height = r.u16()?;
            r.u8()?; // reserved
            let data = r.bytes(data_len)?.to_vec();
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
