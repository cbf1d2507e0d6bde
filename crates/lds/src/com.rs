//! EF.COM (9303-10 §4.6.1):
//!
//! ```text
//! 60 L
//!    5F01 04 "aabb"     LDS version: aa version, bb update level ("0107" for LDS 1.7)
//!    5F36 06 "aabbcc"   Unicode version ("040000" for 4.0.0)
//!    5C L  tags         tag list: the tag of each data group present
//! ```

use crate::{DataGroup, In, LdsError};
use iso7816::tlv;

const FILE: &str = "EF.COM";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Com {
    /// "0107" for LDS 1.7.
    pub lds_version: String,
    /// "040000" for Unicode 4.0.0.
    pub unicode_version: String,
    pub data_groups: Vec<DataGroup>,
}

fn check_digits(value: &str, what: &'static str, n: usize) -> Result<(), LdsError> {
    if value.len() == n && value.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(LdsError::ComVersion(what, n))
    }
}

fn check_unique(groups: &[DataGroup]) -> Result<(), LdsError> {
    for (i, dg) in groups.iter().enumerate() {
        if groups.get(..i).is_some_and(|before| before.contains(dg)) {
            return Err(LdsError::DuplicateDataGroup(*dg));
        }
    }
    Ok(())
}

impl Com {
    /// LDS 1.7, Unicode 4.0.0.
    pub fn new(data_groups: Vec<DataGroup>) -> Com {
        Com {
            lds_version: "0107".into(),
            unicode_version: "040000".into(),
            data_groups,
        }
    }

    pub fn encode(&self) -> Result<Vec<u8>, LdsError> {
        check_digits(&self.lds_version, "the LDS version", 4)?;
        check_digits(&self.unicode_version, "the Unicode version", 6)?;
        check_unique(&self.data_groups)?;
        // Every data group tag is one byte (9303-10 Table 33).
        let tags: Vec<u8> = self
            .data_groups
            .iter()
            .map(|d| d.tag().to_be_bytes()[3])
            .collect();
        let parts = [
            tlv::encode(0x5F01, self.lds_version.as_bytes()),
            tlv::encode(0x5F36, self.unicode_version.as_bytes()),
            tlv::encode(0x5C, &tags),
        ];
        Ok(tlv::encode_constructed(
            0x60,
            parts.iter().map(Vec::as_slice),
        ))
    }

    pub fn parse(bytes: &[u8]) -> Result<Com, LdsError> {
        let com = tlv::parse_exact(bytes, 0x60).file(FILE)?;
        let text = |tag, what, n| -> Result<String, LdsError> {
            let value = com.child(tag).file(FILE)?.value;
            let s = std::str::from_utf8(value).map_err(|_| LdsError::ComVersion(what, n))?;
            check_digits(s, what, n)?;
            Ok(s.to_owned())
        };
        let lds_version = text(0x5F01, "the LDS version", 4)?;
        let unicode_version = text(0x5F36, "the Unicode version", 6)?;
        let data_groups = com
            .child(0x5C)
            .file(FILE)?
            .value
            .iter()
            .map(|t| DataGroup::from_tag((*t).into()).ok_or(LdsError::UnknownDataGroupTag(*t)))
            .collect::<Result<Vec<_>, _>>()?;
        check_unique(&data_groups)?;
        Ok(Com {
            lds_version,
            unicode_version,
            data_groups,
        })
    }
}
