//! The portrait's sidecar: `portrait capture` writes FACE.json next to FACE.jpg with what
//! the capture knew exactly (the image type, the eye centres the token geometry put there,
//! the checks of the frame, the officer's reason for a manual capture) and the SHA-256 of
//! the JPEG it describes. `card personalize` takes the DG2 facts from it instead of
//! guessing them again from the pixels, and only when the hash says it is the same JPEG.

use crate::{CaptureKind, CheckId, Outcome, Portrait};
use iso19794::FaceImageType;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The `format` field of the files this version writes and reads.
pub const INFO_FORMAT: &str = "idstation-portrait-info/1";

/// The ISO/IEC 19794-5 face image types a station's portrait can be (§5.7.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InfoImageType {
    /// The token crop: eyes at the §8.4 geometry.
    TokenFrontal,
    /// A whole-head picture (a manual capture's centred crop when no face was found).
    FullFrontal,
}

impl InfoImageType {
    pub fn face_image_type(self) -> FaceImageType {
        match self {
            InfoImageType::TokenFrontal => FaceImageType::TokenFrontal,
            InfoImageType::FullFrontal => FaceImageType::FullFrontal,
        }
    }
}

/// Eye centres in the portrait, pixels; right is the subject's right eye (the image's left).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InfoEyes {
    pub right: (u16, u16),
    pub left: (u16, u16),
}

/// One check's verdict on the frame the portrait came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InfoCheck {
    pub check: CheckId,
    pub outcome: Outcome,
    pub measured: Option<f32>,
}

/// The sidecar's content. See the module docs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PortraitInfo {
    pub format: String,
    pub image_type: InfoImageType,
    pub width: u32,
    pub height: u32,
    /// `None` for a full frontal image taken without a face found.
    pub eyes: Option<InfoEyes>,
    /// Lower-case hex SHA-256 of the JPEG file.
    pub jpeg_sha256: String,
    /// How it was taken; a manual capture keeps the officer's reason.
    pub capture: CaptureKind,
    pub checks: Vec<InfoCheck>,
}

/// Why a sidecar cannot be used. `Display` gives Vietnamese then English.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} / {}", self.vi(), self.en())]
pub enum InfoError {
    /// Not the JSON this version writes.
    Unreadable(String),
    /// Another format or version.
    Format(String),
    /// It describes another JPEG (the portrait was replaced or re-encoded).
    OtherJpeg,
    /// Values that cannot describe a portrait (eyes outside the image, a token without
    /// eyes, a size that is not the JPEG's).
    Inconsistent(&'static str),
}

impl InfoError {
    pub fn vi(&self) -> String {
        match self {
            InfoError::Unreadable(d) => format!("tệp thông tin ảnh không đọc được ({d})"),
            InfoError::Format(f) => format!("tệp thông tin ảnh có định dạng lạ «{f}»"),
            InfoError::OtherJpeg => {
                "tệp thông tin ảnh thuộc về một ảnh JPEG khác (mã SHA-256 không khớp)".into()
            }
            InfoError::Inconsistent(what) => format!("tệp thông tin ảnh sai: {what}"),
        }
    }

    pub fn en(&self) -> String {
        match self {
            InfoError::Unreadable(d) => format!("the portrait info file is unreadable ({d})"),
            InfoError::Format(f) => format!("the portrait info file has an unknown format \"{f}\""),
            InfoError::OtherJpeg => {
                "the portrait info file describes another JPEG (its SHA-256 does not match)".into()
            }
            InfoError::Inconsistent(what) => format!("the portrait info file is wrong: {what}"),
        }
    }
}

/// Lower-case hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    ring::digest::digest(&ring::digest::SHA256, bytes)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl PortraitInfo {
    /// The sidecar of a captured portrait.
    pub fn of(p: &Portrait) -> PortraitInfo {
        PortraitInfo {
            format: INFO_FORMAT.into(),
            image_type: match p.image_type {
                FaceImageType::TokenFrontal => InfoImageType::TokenFrontal,
                _ => InfoImageType::FullFrontal,
            },
            width: p.width,
            height: p.height,
            eyes: p.eyes.map(|(right, left)| InfoEyes { right, left }),
            jpeg_sha256: sha256_hex(&p.jpeg),
            capture: p.capture.clone(),
            checks: p
                .checks
                .iter()
                .map(|c| InfoCheck {
                    check: c.id,
                    outcome: c.outcome,
                    measured: c.measured,
                })
                .collect(),
        }
    }

    /// Where the sidecar of `jpeg` goes: the same name with `.json`.
    pub fn path_for(jpeg: &Path) -> PathBuf {
        jpeg.with_extension("json")
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("plain data serializes")
    }

    /// Reads a sidecar (at most 64 KiB of JSON: a real one is under 2 KiB).
    pub fn parse(text: &str) -> Result<PortraitInfo, InfoError> {
        if text.len() > 64 * 1024 {
            return Err(InfoError::Unreadable("larger than 64 KiB".into()));
        }
        let info: PortraitInfo =
            serde_json::from_str(text).map_err(|e| InfoError::Unreadable(e.to_string()))?;
        if info.format != INFO_FORMAT {
            return Err(InfoError::Format(info.format.chars().take(64).collect()));
        }
        Ok(info)
    }

    /// Whether this sidecar describes `jpeg`: the same bytes (SHA-256), the same size, eyes
    /// inside the image, and eyes for a token image.
    pub fn check(&self, jpeg: &[u8]) -> Result<(), InfoError> {
        if !self.jpeg_sha256.eq_ignore_ascii_case(&sha256_hex(jpeg)) {
            return Err(InfoError::OtherJpeg);
        }
        let size = iso19794::jpeg_info(jpeg)
            .map_err(|_| InfoError::Inconsistent("the JPEG cannot be read"))?;
        if (u32::from(size.width), u32::from(size.height)) != (self.width, self.height) {
            return Err(InfoError::Inconsistent(
                "width and height are not the JPEG's",
            ));
        }
        match (self.image_type, self.eyes) {
            (InfoImageType::TokenFrontal, None) => {
                return Err(InfoError::Inconsistent("a token image without eye centres"))
            }
            (_, Some(e)) => {
                let inside =
                    |(x, y): (u16, u16)| u32::from(x) < self.width && u32::from(y) < self.height;
                if !inside(e.right) || !inside(e.left) {
                    return Err(InfoError::Inconsistent("eye centres outside the image"));
                }
                // The subject's right eye is on the image's left.
                if e.right.0 >= e.left.0 {
                    return Err(InfoError::Inconsistent(
                        "the right eye is not left of the left eye",
                    ));
                }
            }
            (InfoImageType::FullFrontal, None) => {}
        }
        Ok(())
    }

    /// The eye centres as `iso19794::FaceImage::from_jpeg` takes them.
    pub fn eye_centres(&self) -> Option<((u16, u16), (u16, u16))> {
        self.eyes.map(|e| (e.right, e.left))
    }

    /// The officer's reason, for a manual capture.
    pub fn manual_reason(&self) -> Option<&str> {
        match &self.capture {
            CaptureKind::Manual { reason } => Some(reason),
            CaptureKind::Auto { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg(w: u32, h: u32, shade: u8) -> Vec<u8> {
        let img = image::RgbImage::from_pixel(w, h, image::Rgb([shade, shade, shade]));
        crate::token::encode_jpeg(&img, 80).unwrap()
    }

    fn info_for(bytes: &[u8]) -> PortraitInfo {
        PortraitInfo {
            format: INFO_FORMAT.into(),
            image_type: InfoImageType::TokenFrontal,
            width: 40,
            height: 52,
            eyes: Some(InfoEyes {
                right: (15, 24),
                left: (25, 24),
            }),
            jpeg_sha256: sha256_hex(bytes),
            capture: CaptureKind::Manual {
                reason: "bó bột tay / arm in a cast".into(),
            },
            checks: vec![InfoCheck {
                check: CheckId::LowerFace,
                outcome: Outcome::Fail,
                measured: Some(0.4),
            }],
        }
    }

    #[test]
    fn round_trips_and_describes_only_its_own_jpeg() {
        let a = jpeg(40, 52, 100);
        let info = info_for(&a);
        let text = info.to_json();
        assert!(text.contains("\"token_frontal\"") && text.contains("\"lower_face\""));
        let back = PortraitInfo::parse(&text).unwrap();
        assert_eq!(back, info);
        back.check(&a).unwrap();
        assert_eq!(back.eye_centres(), Some(((15, 24), (25, 24))));
        assert_eq!(back.manual_reason(), Some("bó bột tay / arm in a cast"));
        assert_eq!(
            back.image_type.face_image_type(),
            FaceImageType::TokenFrontal
        );
        // Another JPEG (re-encoded, replaced) is not the one described.
        assert_eq!(back.check(&jpeg(40, 52, 101)), Err(InfoError::OtherJpeg));
        // SHA-256 of "abc" (FIPS 180-2 appendix B.1).
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn refuses_sidecars_that_cannot_describe_the_portrait() {
        let a = jpeg(40, 52, 100);
        let bad = |f: &dyn Fn(&mut PortraitInfo)| {
            let mut i = info_for(&a);
            f(&mut i);
            i.check(&a).unwrap_err()
        };
        assert!(matches!(bad(&|i| i.width = 41), InfoError::Inconsistent(_)));
        assert!(matches!(
            bad(&|i| i.eyes = None),
            InfoError::Inconsistent(_)
        ));
        assert!(matches!(
            bad(&|i| i.eyes = Some(InfoEyes {
                right: (15, 24),
                left: (40, 24)
            })),
            InfoError::Inconsistent(_)
        ));
        // Swapped eyes: the right eye is on the image's left.
        assert!(matches!(
            bad(&|i| i.eyes = Some(InfoEyes {
                right: (25, 24),
                left: (15, 24)
            })),
            InfoError::Inconsistent(_)
        ));
        // A full frontal image without eye centres is fine.
        let mut full = info_for(&a);
        full.image_type = InfoImageType::FullFrontal;
        full.eyes = None;
        full.check(&a).unwrap();

        let text = info_for(&a).to_json();
        for (broken, what) in [
            (
                text.replace(INFO_FORMAT, "idstation-portrait-info/9"),
                "format",
            ),
            (text.replace("token_frontal", "basic"), "json"),
            (text.replace("\"width\"", "\"extra\": 1, \"width\""), "json"),
            (text[..text.len() / 2].to_string(), "json"),
            ("x".repeat(70_000), "json"),
            (String::new(), "json"),
        ] {
            let e = PortraitInfo::parse(&broken).unwrap_err();
            match what {
                "format" => assert!(matches!(e, InfoError::Format(_)), "{e}"),
                _ => assert!(matches!(e, InfoError::Unreadable(_)), "{e}"),
            }
            assert!(e.to_string().contains(" / "), "{e}");
        }
        // A non-JPEG with the right hash is still refused.
        let not_jpeg = b"not a jpeg".to_vec();
        let mut i = info_for(&not_jpeg);
        i.width = 40;
        assert!(matches!(
            i.check(&not_jpeg),
            Err(InfoError::Inconsistent(_))
        ));
    }
}
