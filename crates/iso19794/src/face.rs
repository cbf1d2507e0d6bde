//! ISO/IEC 19794-5:2005 face image record (ICAO 9303-10 §4.7.2 DG2).

use crate::{image::jpeg_dimensions, put_uint, Reader, RecordError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gender {
    Unspecified,
    Male,
    Female,
    Unknown,
}

impl Gender {
    fn code(self) -> u8 {
        match self {
            Gender::Unspecified => 0,
            Gender::Male => 1,
            Gender::Female => 2,
            Gender::Unknown => 0xFF,
        }
    }
    fn from_code(c: u8) -> Gender {
        match c {
            1 => Gender::Male,
            2 => Gender::Female,
            0xFF => Gender::Unknown,
            _ => Gender::Unspecified,
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
    fn code(self) -> u8 {
        match self {
            FaceImageType::Basic => 0,
            FaceImageType::FullFrontal => 1,
            FaceImageType::TokenFrontal => 2,
            FaceImageType::Other(c) => c,
        }
    }
    fn from_code(c: u8) -> Self {
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
    fn code(self) -> u8 {
        match self {
            ImageDataType::Jpeg => 0,
            ImageDataType::Jpeg2000 => 1,
            ImageDataType::Other(c) => c,
        }
    }
    fn from_code(c: u8) -> Self {
        match c {
            0 => ImageDataType::Jpeg,
            1 => ImageDataType::Jpeg2000,
            o => ImageDataType::Other(o),
        }
    }
}

/// A feature point (19794-5 §5.6): MPEG-4 point code major<<4 | minor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeaturePoint {
    pub kind: u8,
    pub code: u8,
    pub x: u16,
    pub y: u16,
}

impl FeaturePoint {
    /// MPEG-4 feature point 12.1: centre of the right eye.
    pub const RIGHT_EYE_CENTRE: u8 = 0xC1;
    /// MPEG-4 feature point 12.2: centre of the left eye.
    pub const LEFT_EYE_CENTRE: u8 = 0xC2;
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaceImage {
    pub gender: Gender,
    pub eye_colour: u8,
    pub hair_colour: u8,
    pub feature_mask: u32,
    pub expression: u16,
    pub pose: [u8; 3],
    pub pose_uncertainty: [u8; 3],
    pub feature_points: Vec<FeaturePoint>,
    pub image_type: FaceImageType,
    pub data_type: ImageDataType,
    pub width: u16,
    pub height: u16,
    pub colour_space: u8,
    pub source_type: u8,
    pub device_type: u16,
    pub quality: u16,
    pub data: Vec<u8>,
}

impl FaceImage {
    /// A face image from a JPEG, its size read from the JPEG itself; eye centres (right, left)
    /// become feature points 12.1 and 12.2 when known.
    pub fn from_jpeg(
        jpeg: Vec<u8>,
        image_type: FaceImageType,
        eyes: Option<((u16, u16), (u16, u16))>,
    ) -> Result<FaceImage, RecordError> {
        let (width, height) = jpeg_dimensions(&jpeg)?;
        let feature_points = eyes
            .map(|((rx, ry), (lx, ly))| {
                vec![
                    FeaturePoint {
                        kind: 1,
                        code: FeaturePoint::RIGHT_EYE_CENTRE,
                        x: rx,
                        y: ry,
                    },
                    FeaturePoint {
                        kind: 1,
                        code: FeaturePoint::LEFT_EYE_CENTRE,
                        x: lx,
                        y: ly,
                    },
                ]
            })
            .unwrap_or_default();
        Ok(FaceImage {
            gender: Gender::Unspecified,
            eye_colour: 0,
            hair_colour: 0,
            // Bit 0: features present (19794-5 §5.5.6) when any feature point is given.
            feature_mask: if feature_points.is_empty() { 0 } else { 1 },
            expression: 0,
            pose: [0; 3],
            pose_uncertainty: [0; 3],
            feature_points,
            image_type,
            data_type: ImageDataType::Jpeg,
            width,
            height,
            colour_space: 1, // 24-bit RGB
            source_type: 2,  // digital still camera (19794-5 Table 10)
            device_type: 0,
            quality: 0,
            data: jpeg,
        })
    }

    fn block_len(&self) -> usize {
        20 + 8 * self.feature_points.len() + 12 + self.data.len()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaceRecord {
    pub images: Vec<FaceImage>,
}

const FACE_HEADER: usize = 14;

impl FaceRecord {
    pub fn encode(&self) -> Result<Vec<u8>, RecordError> {
        let total = FACE_HEADER + self.images.iter().map(FaceImage::block_len).sum::<usize>();
        let count = u16::try_from(self.images.len())
            .map_err(|_| RecordError::Invalid("too many images".into()))?;
        if total > u32::MAX as usize {
            return Err(RecordError::Invalid("record over 4 GiB".into()));
        }
        let mut out = Vec::with_capacity(total);
        out.extend_from_slice(b"FAC\x00010\x00");
        put_uint(&mut out, total as u64, 4);
        put_uint(&mut out, count as u64, 2);
        for img in &self.images {
            let points = u16::try_from(img.feature_points.len())
                .map_err(|_| RecordError::Invalid("too many points".into()))?;
            put_uint(&mut out, img.block_len() as u64, 4);
            put_uint(&mut out, points as u64, 2);
            out.push(img.gender.code());
            out.push(img.eye_colour);
            out.push(img.hair_colour);
            put_uint(&mut out, img.feature_mask as u64, 3);
            put_uint(&mut out, img.expression as u64, 2);
            out.extend_from_slice(&img.pose);
            out.extend_from_slice(&img.pose_uncertainty);
            for p in &img.feature_points {
                out.push(p.kind);
                out.push(p.code);
                put_uint(&mut out, p.x as u64, 2);
                put_uint(&mut out, p.y as u64, 2);
                put_uint(&mut out, 0, 2);
            }
            out.push(img.image_type.code());
            out.push(img.data_type.code());
            put_uint(&mut out, img.width as u64, 2);
            put_uint(&mut out, img.height as u64, 2);
            out.push(img.colour_space);
            out.push(img.source_type);
            put_uint(&mut out, img.device_type as u64, 2);
            put_uint(&mut out, img.quality as u64, 2);
            out.extend_from_slice(&img.data);
        }
        Ok(out)
    }

    pub fn parse(bytes: &[u8]) -> Result<FaceRecord, RecordError> {
        let mut r = Reader::new(bytes);
        if r.bytes(4)? != b"FAC\0" {
            return Err(RecordError::BadMagic("ISO/IEC 19794-5 face"));
        }
        let version = r.bytes(4)?;
        if version != b"010\0" {
            return Err(RecordError::Version(
                String::from_utf8_lossy(version).into_owned(),
            ));
        }
        let declared = r.uint(4)? as usize;
        if declared != bytes.len() {
            return Err(RecordError::Length {
                declared,
                actual: bytes.len(),
            });
        }
        let count = r.u16()?;
        let mut images = Vec::new();
        for _ in 0..count {
            let start = r.pos();
            let block = r.uint(4)? as usize;
            let points = r.u16()? as usize;
            let gender = Gender::from_code(r.u8()?);
            let eye_colour = r.u8()?;
            let hair_colour = r.u8()?;
            let feature_mask = r.uint(3)? as u32;
            let expression = r.u16()?;
            let pose: [u8; 3] = r
                .bytes(3)?
                .try_into()
                .map_err(|_| RecordError::Truncated(r.pos()))?;
            let pose_uncertainty: [u8; 3] = r
                .bytes(3)?
                .try_into()
                .map_err(|_| RecordError::Truncated(r.pos()))?;
            let header = 20usize
                .checked_add(points.checked_mul(8).ok_or(RecordError::Truncated(start))?)
                .ok_or(RecordError::Truncated(start))?
                + 12;
            if block < header || start.checked_add(block).is_none_or(|end| end > bytes.len()) {
                return Err(RecordError::Invalid(format!(
                    "facial block of {block} bytes does not fit the record"
                )));
            }
            let mut feature_points = Vec::with_capacity(points);
            for _ in 0..points {
                let kind = r.u8()?;
                let code = r.u8()?;
                let x = r.u16()?;
                let y = r.u16()?;
                r.bytes(2)?;
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
            let data = r.bytes(block - header)?.to_vec();
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
