//! Fonts with full Vietnamese coverage.
//!
//! Vietnamese stacks tone marks on vowels that already carry a diacritic (ế, ặ, ữ) and uses
//! precomposed letters from Latin Extended Additional (U+1EA0–U+1EF9). egui's bundled fonts
//! do not promise those, so a system font that has them all goes first in both families;
//! egui's own fonts stay behind it for symbols and emoji.

use std::path::PathBuf;
use std::sync::Arc;

use egui::{FontData, FontDefinitions, FontFamily};

/// Proportional fonts tried in order (Debian: fonts-dejavu-core, fonts-noto-core).
pub const PROPORTIONAL: &[&str] = &[
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
];

/// Monospace fonts tried in order.
pub const MONOSPACE: &[&str] = &[
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
    "/usr/share/fonts/truetype/noto/NotoSansMono-Regular.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationMono-Regular.ttf",
];

/// Letters a station font must draw: every Vietnamese vowel with every tone, đ/Đ.
pub const VIETNAMESE_SAMPLE: &str =
    "aàáảãạăằắẳẵặâầấẩẫậeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộơờớởỡợuùúủũụưừứửữựyỳýỷỹỵđ\
AÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬEÈÉẺẼẸÊỀẾỂỄỆIÌÍỈĨỊOÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢUÙÚỦŨỤƯỪỨỬỮỰYỲÝỶỸỴĐ";

/// What [`install`] loaded.
#[derive(Debug, Clone, Default)]
pub struct Installed {
    pub proportional: Option<PathBuf>,
    pub monospace: Option<PathBuf>,
}

fn first_readable(env: Option<PathBuf>, candidates: &[&str]) -> Option<(PathBuf, Vec<u8>)> {
    env.into_iter()
        .chain(candidates.iter().map(PathBuf::from))
        .find_map(|p| std::fs::read(&p).ok().map(|bytes| (p, bytes)))
}

/// Loads the first readable font and puts it first in `family`; its path, if one loaded.
fn put_first(
    defs: &mut FontDefinitions,
    family: FontFamily,
    name: &str,
    env: Option<PathBuf>,
    candidates: &[&str],
) -> Option<PathBuf> {
    let (path, bytes) = first_readable(env, candidates)?;
    defs.font_data
        .insert(name.into(), Arc::new(FontData::from_owned(bytes)));
    defs.families
        .entry(family)
        .or_default()
        .insert(0, name.into());
    Some(path)
}

/// Puts a system font with Vietnamese coverage first in both families. `IDSTATION_UI_FONT`
/// names another proportional font file. Without one, egui's defaults stay and a warning
/// goes to stderr (some tone marks may then be missing).
pub fn install(ctx: &egui::Context) -> Installed {
    let env = std::env::var_os("IDSTATION_UI_FONT").map(PathBuf::from);
    let mut defs = FontDefinitions::default();
    let out = Installed {
        proportional: put_first(
            &mut defs,
            FontFamily::Proportional,
            "station-sans",
            env,
            PROPORTIONAL,
        ),
        monospace: put_first(
            &mut defs,
            FontFamily::Monospace,
            "station-mono",
            None,
            MONOSPACE,
        ),
    };
    if out.proportional.is_none() {
        eprintln!(
            "idstation-station: cảnh báo: không thấy phông chữ tiếng Việt ({}); dùng phông mặc định / \
             warning: no font with Vietnamese coverage found ({}); using egui's defaults \
             (install fonts-dejavu-core)",
            PROPORTIONAL.join(", "),
            PROPORTIONAL.join(", ")
        );
    }
    ctx.set_fonts(defs);
    out
}
