//! ISO/IEC 19794-5:2005 face image record, the format of ICAO 9303-10 §4.7.2 (DG2).
//!
//! ```text
//! §5.4 facial record header, 14 bytes
//!     "FAC\0" | "010\0" | record length (4) | number of facial images (2)
//! per image:
//!   §5.5 facial information, 20 bytes
//!     block length (4, this image's bytes from here to the end of its data)
//!     number of feature points (2) | gender (1) | eye colour (1) | hair colour (1)
//!     feature mask (3) | expression (2) | pose yaw, pitch, roll (3) | pose uncertainty (3)
//!   §5.6 feature points, 8 bytes each
//!     type (1) | major << 4 | minor (1) | x (2) | y (2) | reserved (2)
//!   §5.7 image information, 12 bytes
//!     face image type (1) | image data type (1) | width (2) | height (2)
//!     colour space (1) | source type (1) | device type (2) | quality (2)
//!   §5.8 image data
//! ```
//! All integers big-endian.

use crate::{image::jpeg_info, put_uint, Reader, RecordError};

/// Gender (19794-5 §5.5.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gender {
    Unspecified,
    Male,
    Female,
    Unknown,
    /// A code the 2005 edition does not define, kept so records survive a round trip.
    Other(u8),
}

impl Gender {
    pub fn code(self) -> u8 {
        match self {
            Gender::Unspecified => 0,
            Gender::Male => 1,
            Gender::Female => 2,
            Gender::Unknown => 0xFF,
            Gender::Other(c) => c,
        }
    }
    pub fn from_code(c: u8) -> Gender {
        match c {
            0 => Gender::Unspecified,
            1 => Gender::Male,
            2 => Gender::Female,
            0xFF => Gender::Unknown,
            o => Gender::Other(o),
        }
    }
}

/// Face image type (19794-5 §5.7.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaceImageType {
    Basic,
    FullFrontal,
    TokenFrontal,
    Other(u8),
}

impl FaceImageType {
    pub fn code(self) -> u8 {
        match self {
            FaceImageType::Basic => 0,
            FaceImageType::FullFrontal => 1,
            FaceImageType::TokenFrontal => 2,
            FaceImageType::Other(c) => c,
        }
    }
    pub fn from_code(c: u8) -> Self {
        match c {
            0 => FaceImageType::Basic,
            1 => FaceImageType::FullFrontal,
            2 => FaceImageType::TokenFrontal,
            o => FaceImageType::Other(o),
        }
    }
}

/// Image data type (19794-5 §5.7.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageDataType {
    Jpeg,
    Jpeg2000,
    Other(u8),
}

impl ImageDataType {
    pub fn code(self) -> u8 {
        match self {
            ImageDataType::Jpeg => 0,
            ImageDataType::Jpeg2000 => 1,
            ImageDataType::Other(c) => c,
        }
    }
    pub fn from_code(c: u8) -> Self {
        match c {
            0 => ImageDataType::Jpeg,
            1 => ImageDataType::Jpeg2000,
            o => ImageDataType::Other(o),
        }
    }
}

/// A feature point (19794-5 §5.6): an MPEG-4 facial feature point, code major << 4 | minor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeaturePoint {
    /// 1: MPEG-4 feature point.
    pub kind: u8,
    pub code: u8,
    pub x: u16,
    pub y: u16,
}

impl FeaturePoint {
    /// Feature point type 1: MPEG-4 (ISO/IEC 14496-2 Annex C).
    pub const MPEG4: u8 = 1;
    /// Feature point 12.1, the centre of the left eye (19794-5 §5.6.4, the eye and nostril
    /// centre points it adds to MPEG-4's). Left and right are the subject's, as everywhere
    /// in MPEG-4 face definitions: the left eye is on the image's right.
    pub const LEFT_EYE_CENTRE: u8 = 0xC1;
    /// Feature point 12.2, the centre of the right eye (on the image's left).
    pub const RIGHT_EYE_CENTRE: u8 = 0xC2;
}

/// One facial image with its facial information and image information blocks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaceImage {
    pub gender: Gender,
    pub eye_colour: u8,
    pub hair_colour: u8,
    /// 24 bits (§5.5.6); bit 0 says feature points are given.
    pub feature_mask: u32,
    /// §5.5.7: 0 unspecified, 1 neutral.
    pub expression: u16,
    /// Yaw, pitch, roll (§5.5.8).
    pub pose: [u8; 3],
    pub pose_uncertainty: [u8; 3],
    pub feature_points: Vec<FeaturePoint>,
    pub image_type: FaceImageType,
    pub data_type: ImageDataType,
    pub width: u16,
    pub height: u16,
    /// §5.7.5: 0 unspecified, 1 24-bit RGB, 2 YUV422, 3 8-bit greyscale, 4 other.
    pub colour_space: u8,
    /// §5.7.6: 2 static photograph from a digital still camera.
    pub source_type: u8,
    pub device_type: u16,
    pub quality: u16,
    pub data: Vec<u8>,
}

/// Facial information (§5.5) and image information (§5.7) around the feature points.
const FACIAL_INFO: usize = 20;
const IMAGE_INFO: usize = 12;
const FEATURE_POINT: usize = 8;
/// Facial record header (§5.4).
const RECORD_HEADER: usize = 14;

impl FaceImage {
    pub const COLOUR_SPACE_RGB24: u8 = 1;
    pub const COLOUR_SPACE_GREY8: u8 = 3;
    pub const SOURCE_DIGITAL_STILL: u8 = 2;
    /// Feature mask bit 0: features are specified (§5.5.6).
    pub const FEATURES_SPECIFIED: u32 = 1;

    /// A face image around a JPEG, its width and height read from the JPEG frame header
    /// (baseline, extended or progressive; anything else is refused). Eye centres
    /// `(right, left)` in pixels (the subject's right eye first, on the image's left) become
    /// feature points 12.2 and 12.1 when given.
    /// Gender, colours, expression and pose are left unspecified for the caller to set.
    pub fn from_jpeg(
        jpeg: Vec<u8>,
        image_type: FaceImageType,
        eyes: Option<((u16, u16), (u16, u16))>,
    ) -> Result<FaceImage, RecordError> {
        let info = jpeg_info(&jpeg)?;
        let feature_points = match eyes {
            // In code order: 12.1 (left eye), then 12.2 (right eye).
            Some(((rx, ry), (lx, ly))) => vec![
                FeaturePoint {
                    kind: FeaturePoint::MPEG4,
                    code: FeaturePoint::LEFT_EYE_CENTRE,
                    x: lx,
                    y: ly,
                },
                FeaturePoint {
                    kind: FeaturePoint::MPEG4,
                    code: FeaturePoint::RIGHT_EYE_CENTRE,
                    x: rx,
                    y: ry,
                },
            ],
            None => Vec::new(),
        };
        let colour_space = match (info.components, info.precision) {
            (3, 8) => FaceImage::COLOUR_SPACE_RGB24,
            (1, 8) => FaceImage::COLOUR_SPACE_GREY8,
            _ => 0,
        };
        Ok(FaceImage {
            gender: Gender::Unspecified,
            eye_colour: 0,
            hair_colour: 0,
            feature_mask: if feature_points.is_empty() {
                0
            } else {
                FaceImage::FEATURES_SPECIFIED
            },
            expression: 0,
            pose: [0; 3],
            pose_uncertainty: [0; 3],
            feature_points,
            image_type,
            data_type: ImageDataType::Jpeg,
            width: info.width,
            height: info.height,
            colour_space,
            source_type: FaceImage::SOURCE_DIGITAL_STILL,
            device_type: 0,
            quality: 0,
            data: jpeg,
        })
    }

    /// The eye centres (right, left) among the feature points, when both are there.
    pub fn eyes(&self) -> Option<((u16, u16), (u16, u16))> {
        let find = |code| {
            self.feature_points
                .iter()
                .find(|p| p.kind == FeaturePoint::MPEG4 && p.code == code)
                .map(|p| (p.x, p.y))
        };
        Some((
            find(FeaturePoint::RIGHT_EYE_CENTRE)?,
            find(FeaturePoint::LEFT_EYE_CENTRE)?,
        ))
    }

    fn block_len(&self) -> Option<usize> {
        self.feature_points
            .len()
            .checked_mul(FEATURE_POINT)?
            .checked_add(FACIAL_INFO + IMAGE_INFO)?
            .checked_add(self.data.len())
    }
}

/// A face image record: one or more facial images.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaceRecord {
    pub images: Vec<FaceImage>,
}

impl FaceRecord {
    pub fn encode(&self) -> Result<Vec<u8>, RecordError> {
        if self.images.is_empty() {
            return Err(RecordError::NoImages);
        }
        let count = u16::try_from(self.images.len()).map_err(|_| RecordError::TooMany {
            what: "facial images",
            max: u16::MAX.into(),
        })?;
        let mut total = RECORD_HEADER;
        for img in &self.images {
            if img.feature_points.len() > usize::from(u16::MAX) {
                return Err(RecordError::TooMany {
                    what: "feature points",
                    max: u16::MAX.into(),
                });
            }
            if img.feature_mask > 0xFF_FFFF {
                return Err(RecordError::OutOfRange("feature mask (24 bits)"));
            }
            let block = img.block_len().ok_or(RecordError::TooLarge)?;
            total = total.checked_add(block).ok_or(RecordError::TooLarge)?;
        }
        // §5.4: the record length, and so every block length, is 4 bytes.
        if u32::try_from(total).is_err() {
            return Err(RecordError::TooLarge);
        }
        let mut out = Vec::with_capacity(total);
        out.extend_from_slice(b"FAC\x00010\x00");
        put_uint(&mut out, total as u64, 4);
        put_uint(&mut out, count.into(), 2);
        for img in &self.images {
            // Checked above: the block fits, the point count fits 2 bytes.
            let block = img.block_len().unwrap_or(0);
            put_uint(&mut out, block as u64, 4);
            put_uint(&mut out, img.feature_points.len() as u64, 2);
            out.push(img.gender.code());
            out.push(img.eye_colour);
            out.push(img.hair_colour);
            put_uint(&mut out, img.feature_mask.into(), 3);
            put_uint(&mut out, img.expression.into(), 2);
            out.extend_from_slice(&img.pose);
            out.extend_from_slice(&img.pose_uncertainty);
            for p in &img.feature_points {
                out.push(p.kind);
                out.push(p.code);
                put_uint(&mut out, p.x.into(), 2);
                put_uint(&mut out, p.y.into(), 2);
                put_uint(&mut out, 0, 2);
            }
            out.push(img.image_type.code());
            out.push(img.data_type.code());
            put_uint(&mut out, img.width.into(), 2);
            put_uint(&mut out, img.height.into(), 2);
            out.push(img.colour_space);
            out.push(img.source_type);
            put_uint(&mut out, img.device_type.into(), 2);
            put_uint(&mut out, img.quality.into(), 2);
            out.extend_from_slice(&img.data);
        }
        Ok(out)
    }

    /// Parses a whole record: the length fields must agree with each other and with `bytes`.
    pub fn parse(bytes: &[u8]) -> Result<FaceRecord, RecordError> {
        let mut r = Reader::new(bytes);
        if r.bytes(4)? != b"FAC\0" {
            return Err(RecordError::BadMagic("ISO/IEC 19794-5 face image"));
        }
        let version = r.array::<4>()?;
        if &version != b"010\0" {
            return Err(RecordError::Version(version));
        }
        let declared = r.uint(4)?;
        if declared != bytes.len() as u64 {
            return Err(RecordError::Length {
                declared,
                actual: bytes.len(),
            });
        }
        let count = r.u16()?;
        if count == 0 {
            return Err(RecordError::NoImages);
        }
        let mut images = Vec::new();
        for index in 0..usize::from(count) {
            let start = r.pos();
            let block = r.uint(4)?;
            let points = usize::from(r.u16()?);
            // The block must hold its fixed parts and points and end inside the record.
            let fixed = FACIAL_INFO + IMAGE_INFO + points * FEATURE_POINT;
            let data_len = usize::try_from(block)
                .ok()
                .filter(|b| *b >= fixed && start.checked_add(*b).is_some_and(|e| e <= bytes.len()))
                .map(|b| b - fixed)
                .ok_or(RecordError::BlockLength {
                    index,
                    declared: block,
                })?;
            let gender = Gender::from_code(r.u8()?);
            let eye_colour = r.u8()?;
            let hair_colour = r.u8()?;
            let feature_mask = r.uint(3)? as u32;
            let expression = r.u16()?;
            let pose = r.array()?;
            let pose_uncertainty = r.array()?;
            let mut feature_points = Vec::with_capacity(points);
            for _ in 0..points {
                let kind = r.u8()?;
                let code = r.u8()?;
                let x = r.u16()?;
                let y = r.u16()?;
                r.bytes(2)?; // reserved
                feature_points.push(FeaturePoint { kind, code, x, y });
            }
            let image_type = FaceImageType::from_code(r.u8()?);
            let data_type = ImageDataType::from_code(r.u8()?);
            let width = r.u16()?;
            let height = r.u16()?;
            let colour_space = r.u8()?;
            let source_type = r.u8()?;
            let device_type = r.u16()?;
            let quality = r.u16()?;
            let data = r.bytes(data_len)?.to_vec();
            images.push(FaceImage {
                gender,
                eye_colour,
                hair_colour,
                feature_mask,
                expression,
                pose,
                pose_uncertainty,
                feature_points,
                image_type,
                data_type,
                width,
                height,
                colour_space,
                source_type,
                device_type,
                quality,
                data,
            });
        }
        if r.pos() != bytes.len() {
            return Err(RecordError::Length {
                declared,
                actual: r.pos(),
            });
        }
        Ok(FaceRecord { images })
    }
}
