//! Fitting the applicant's finger images into DG3.

use iso19794::{FingerPosition, FingerRecord};

/// Why a finger image cannot go on the chip.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{vi} / {en}")]
pub struct FingerImageError {
    pub vi: String,
    pub en: String,
}

/// Finger images (lossless PNG, 500 ppi) for the positions the profile stores, as
/// ISO/IEC 19794-4 records with their quality score. When the PNGs do not fit the
/// profile's DG3 size they go on the chip as JPEG 2000 (19794-4 compression 4, as passports
/// carry them), each fitted to its share of DG3. `prints` gives each position's PNG; the
/// profile's positions without one are left out.
pub fn records_for_dg3(
    profile: &profiles::Profile,
    prints: &[(FingerPosition, Vec<u8>)],
) -> Result<Vec<FingerRecord>, FingerImageError> {
    let mut chosen = Vec::new();
    for &code in &profile.fingers_on_chip {
        let Some(pos) = FingerPosition::from_code(code) else {
            continue;
        };
        let Some((_, png)) = prints.iter().find(|(p, _)| *p == pos) else {
            continue;
        };
        let named = |e: &dyn std::fmt::Display| FingerImageError {
            vi: format!("{}: {e}", pos.name_vi()),
            en: format!("{}: {e}", pos.name_en()),
        };
        let image = fingerprint::GreyImage::from_png(png).map_err(|e| named(&e))?;
        let quality = fingerprint::quality::assess(&image).score;
        chosen.push((pos, quality, png.clone(), image));
    }
    let n = chosen.len().max(1);
    let dg3_size = profile.file("DG3").map_or(0, |f| f.max_size);
    // DG3 and biometric template headers take about 100 bytes per finger and 16 in all.
    let share = dg3_size.saturating_sub(16) / n;
    let budget = share.saturating_sub(100);
    let png_total: usize = chosen.iter().map(|(_, _, png, _)| png.len() + 100).sum();
    let mut out = Vec::new();
    for (pos, quality, png, image) in chosen {
        let named = |e: &dyn std::fmt::Display| FingerImageError {
            vi: format!("{}: {e}", pos.name_vi()),
            en: format!("{}: {e}", pos.name_en()),
        };
        let record = if png_total + 16 <= dg3_size {
            FingerRecord::from_png(pos, quality, png).map_err(|e| named(&e))?
        } else {
            let j2k = fingerprint::jp2::encode(&image, budget).map_err(|e| named(&e))?;
            let dims = |v: u32| u16::try_from(v).map_err(|_| named(&"image too large"));
            FingerRecord::from_jpeg2000(
                pos,
                quality,
                j2k,
                dims(image.width())?,
                dims(image.height())?,
                (image.ppi(), image.ppi()),
            )
            .map_err(|e| named(&e))?
        };
        out.push(record);
    }
    Ok(out)
}
