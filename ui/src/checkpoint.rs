//! The checkpoint screen: verify a presented card by its QR code (typed by a hand scanner,
//! or scanned by the camera) or by its typed ID number and dates, then its chip; the
//! verdict in large type, the chip's portrait, the card's fields beside the chip's, and the
//! day's crossings.

use egui::{Color32, RichText, TextEdit, Ui};
use vault::Direction;
use workflow::{CheckpointResult, Intent};

use crate::app::{App, Texture, BAD, OK};

/// What the officer types on the checkpoint screen.
pub(crate) struct CheckpointInputs {
    pub qr: String,
    pub id_number: String,
    pub birth: String,
    pub expiry: String,
    pub direction: Direction,
    pub checkpoint: String,
}

impl Default for CheckpointInputs {
    fn default() -> Self {
        CheckpointInputs {
            qr: String::new(),
            id_number: String::new(),
            birth: String::new(),
            expiry: String::new(),
            direction: Direction::In,
            checkpoint: String::new(),
        }
    }
}

/// The verdict colour of a card read but not proven genuine (amber).
const NOT_PROVEN: Color32 = Color32::from_rgb(0xd0, 0x8a, 0x00);

/// A labelled one-line field (the label names it for screen readers and tests).
fn field(ui: &mut Ui, label: &str, value: &mut String, hint: &str, width: f32) -> egui::Response {
    let l = ui.label(label);
    ui.add(
        TextEdit::singleline(value)
            .hint_text(hint)
            .desired_width(width),
    )
    .labelled_by(l.id)
}

/// A typed date as the engine takes it: DD/MM/YYYY (or DD.MM.YYYY…) as its digits,
/// DDMMYYYY. Text without digits is passed as typed, so an empty expiry (no expiry),
/// "<<<<<<" or "none" reach the engine as such and a slip such as "abc" is an error there,
/// not silently a card without expiry.
fn typed_date(s: &str) -> String {
    if s.chars().any(|c| c.is_ascii_digit()) {
        s.chars().filter(char::is_ascii_digit).collect()
    } else {
        s.trim().to_string()
    }
}

impl App {
    pub(crate) fn checkpoint(&mut self, ui: &mut Ui) {
        let lang = self.lang;
        let busy = self.busy();
        let snap = self.snap.clone();
        let result = snap.as_ref().and_then(|s| s.checkpoint.clone());
        let crossings = snap.map(|s| s.crossings).unwrap_or_default();
        ui.heading(lang.pick("Kiểm soát ra vào", "Checkpoint"));
        ui.add_space(4.0);
        let mut verify: Option<Intent> = None;
        ui.columns(2, |cols| {
            let ui = &mut cols[0];
            let focus = self.take_focus();
            let c = &mut self.checkpoint_inputs;
            let qr = field(
                ui,
                lang.pick(
                    "Mã QR trên thẻ (máy quét cầm tay)",
                    "QR code on the card (hand scanner)",
                ),
                &mut c.qr,
                "001234567890|…",
                380.0,
            );
            if focus {
                qr.request_focus();
            }
            let qr_entered = qr.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            let scan = ui
                .add_enabled(
                    !busy,
                    egui::Button::new(lang.pick("Quét mã QR bằng camera", "Scan the QR code")),
                )
                .clicked();
            ui.add_space(4.0);
            ui.label(
                RichText::new(lang.pick(
                    "Hoặc nhập số định danh và ngày (khi không đọc được mã QR):",
                    "Or type the ID number and dates (when the QR code cannot be read):",
                ))
                .weak(),
            );
            field(
                ui,
                lang.pick("Số định danh", "ID number"),
                &mut c.id_number,
                "",
                200.0,
            );
            field(
                ui,
                lang.pick("Ngày sinh", "Date of birth"),
                &mut c.birth,
                "DD/MM/YYYY",
                200.0,
            );
            field(
                ui,
                lang.pick("Có giá trị đến", "Date of expiry"),
                &mut c.expiry,
                lang.pick(
                    "DD/MM/YYYY (trống: không thời hạn)",
                    "DD/MM/YYYY (empty: no expiry)",
                ),
                200.0,
            );
            ui.add_space(4.0);
            ui.horizontal(|ui| {
                ui.label(lang.pick("Hướng:", "Direction:"));
                ui.radio_value(&mut c.direction, Direction::In, lang.pick("Vào", "In"));
                ui.radio_value(&mut c.direction, Direction::Out, lang.pick("Ra", "Out"));
            });
            field(
                ui,
                lang.pick("Mã chốt", "Checkpoint"),
                &mut c.checkpoint,
                "CHOT-01",
                200.0,
            );
            ui.add_space(6.0);
            let go = ui
                .add_enabled(
                    !busy,
                    egui::Button::new(
                        RichText::new(lang.pick("Kiểm tra thẻ", "Verify the card")).size(18.0),
                    ),
                )
                .clicked();
            let (direction, checkpoint) = (c.direction, c.checkpoint.clone());
            if scan {
                verify = Some(Intent::CheckpointVerify {
                    qr_text: None,
                    typed: None,
                    scan: true,
                    direction,
                    checkpoint,
                });
            } else if go || qr_entered {
                let (qr_text, typed) = if !c.qr.trim().is_empty() {
                    (Some(c.qr.trim().to_string()), None)
                } else if !c.id_number.trim().is_empty() {
                    (
                        None,
                        Some((
                            c.id_number.trim().to_string(),
                            typed_date(&c.birth),
                            typed_date(&c.expiry),
                        )),
                    )
                } else {
                    (None, None)
                };
                verify = Some(Intent::CheckpointVerify {
                    qr_text,
                    typed,
                    scan: false,
                    direction,
                    checkpoint,
                });
            }

            let ui = &mut cols[1];
            match &result {
                Some(r) => self.verdict(ui, r),
                None => {
                    ui.label(
                        RichText::new(lang.pick("Chưa kiểm tra thẻ nào", "No card verified yet"))
                            .weak(),
                    );
                }
            }
        });
        if let Some(intent) = verify {
            self.act(intent);
        }
        ui.add_space(10.0);
        ui.separator();
        ui.horizontal(|ui| {
            ui.label(
                RichText::new(lang.pick("Lượt qua chốt hôm nay", "Today's crossings")).strong(),
            );
            if ui.button(lang.pick("Cập nhật", "Refresh")).clicked() {
                self.send(Intent::CheckpointHistory);
            }
        });
        if crossings.is_empty() {
            ui.label(RichText::new(lang.pick("Chưa có lượt nào", "None yet")).weak());
            return;
        }
        egui::Grid::new("crossings")
            .striped(true)
            .num_columns(7)
            .spacing([14.0, 4.0])
            .show(ui, |ui| {
                for h in [
                    lang.pick("Giờ", "Time"),
                    lang.pick("Hướng", "Direction"),
                    lang.pick("Chốt", "Checkpoint"),
                    lang.pick("Cán bộ", "Officer"),
                    lang.pick("Số định danh", "ID number"),
                    lang.pick("Họ và tên", "Full name"),
                    lang.pick("Kết quả", "Result"),
                ] {
                    ui.label(RichText::new(h).strong());
                }
                ui.end_row();
                for r in &crossings {
                    ui.label(&r.time);
                    ui.label(lang.pick(&r.direction_vi, &r.direction_en));
                    ui.label(&r.checkpoint);
                    ui.label(&r.officer);
                    ui.monospace(&r.id_number);
                    ui.label(&r.full_name);
                    if r.verified {
                        ui.colored_label(OK, lang.pick("✔ Hợp lệ", "✔ Verified"));
                    } else {
                        let alerts: Vec<&str> = r.alerts.iter().map(|m| lang.msg(m)).collect();
                        ui.colored_label(BAD, format!("✘ {}", alerts.join("; ")));
                    }
                    ui.end_row();
                }
            });
    }

    fn verdict(&mut self, ui: &mut Ui, r: &CheckpointResult) {
        let lang = self.lang;
        if r.verified {
            ui.label(
                RichText::new(lang.pick("THẺ HỢP LỆ", "CARD VERIFIED"))
                    .size(40.0)
                    .strong()
                    .color(OK),
            );
        } else {
            // Not proven (nothing found wrong, but no proof either) is amber, not the red of
            // a card found forged.
            let (head, mark, colour) = if r.not_proven {
                (
                    lang.pick("CHƯA CHỨNG MINH ĐƯỢC THẺ THẬT", "NOT PROVEN GENUINE"),
                    "⚠",
                    NOT_PROVEN,
                )
            } else {
                (lang.pick("CẢNH BÁO", "ALERT"), "✘", BAD)
            };
            ui.label(RichText::new(head).size(40.0).strong().color(colour));
            for a in &r.alerts {
                ui.label(
                    RichText::new(format!("{mark} {}", lang.msg(a)))
                        .size(16.0)
                        .color(colour),
                );
            }
        }
        if let Some(e) = &r.log_error {
            // The verdict stands, but the crossing is not in the log: the officer must know.
            ui.label(
                RichText::new(format!(
                    "⚠ {}: {}",
                    lang.pick("CHƯA GHI NHẬT KÝ LƯỢT NÀY", "THIS CROSSING IS NOT LOGGED"),
                    lang.msg(e)
                ))
                .size(16.0)
                .strong()
                .color(BAD),
            );
        }
        // What could not be checked (no CRL for this card's CSCA…): shown, not an alert.
        for n in &r.notes {
            ui.label(
                RichText::new(format!("ℹ {}", lang.msg(n)))
                    .size(14.0)
                    .color(NOT_PROVEN),
            );
        }
        ui.label(RichText::new(format!("{} ms", r.millis)).small().weak());
        ui.add_space(6.0);
        ui.horizontal_top(|ui| {
            let tex = r
                .portrait_jpeg
                .as_deref()
                .and_then(|j| self.chip_portrait(ui.ctx(), r, j));
            match tex {
                Some((id, size)) => {
                    let scale = (200.0 / size.y).min(1.0);
                    ui.image(egui::load::SizedTexture::new(id, size * scale));
                }
                None => {
                    let (rect, _) =
                        ui.allocate_exact_size(egui::vec2(150.0, 200.0), egui::Sense::hover());
                    ui.painter()
                        .rect_filled(rect, 4.0, ui.visuals().extreme_bg_color);
                    ui.painter().text(
                        rect.center(),
                        egui::Align2::CENTER_CENTER,
                        if r.portrait_jpeg.is_some() {
                            lang.pick(
                                "Ảnh trong chip\nkhông đọc được",
                                "Chip portrait\nnot readable",
                            )
                        } else {
                            lang.pick("Không có ảnh", "No portrait")
                        },
                        egui::FontId::proportional(13.0),
                        Color32::GRAY,
                    );
                }
            }
            egui::Grid::new("comparisons")
                .striped(true)
                .num_columns(3)
                .spacing([10.0, 4.0])
                .show(ui, |ui| {
                    ui.label(RichText::new(lang.pick("Mục", "Field")).strong());
                    ui.label(RichText::new(lang.pick("Trên thẻ / mã QR", "Card / QR")).strong());
                    ui.label(RichText::new(lang.pick("Trong chip", "In the chip")).strong());
                    ui.end_row();
                    for c in &r.comparisons {
                        let colour = if c.matches {
                            ui.visuals().text_color()
                        } else {
                            BAD
                        };
                        ui.label(lang.pick(&c.label_vi, &c.label_en));
                        ui.colored_label(colour, &c.claimed);
                        let chip = c.chip.clone().unwrap_or_else(|| "—".to_string());
                        let mark = if c.matches { "" } else { " ✘" };
                        ui.colored_label(colour, format!("{chip}{mark}"));
                        ui.end_row();
                    }
                });
        });
    }

    /// The chip's portrait decoded once per verification; `None` for what cannot be shown.
    fn chip_portrait(
        &mut self,
        ctx: &egui::Context,
        r: &CheckpointResult,
        bytes: &[u8],
    ) -> Option<(egui::TextureId, egui::Vec2)> {
        // A crossing that could not be logged has no id: its bytes tell it apart (FNV-1a,
        // a few microseconds for a DG2 portrait).
        let key = match r.crossing_id {
            Some(id) => (format!("crossing-{id}"), bytes.len()),
            None => {
                let h = bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
                    (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
                });
                (format!("unlogged-{h:016x}"), bytes.len())
            }
        };
        if self.chip_portrait_failed.as_ref() == Some(&key) {
            return None;
        }
        if self.chip_portrait.as_ref().is_none_or(|t| t.key != key) {
            self.chip_portrait = None;
            let Some(picture) = portrait_picture(bytes) else {
                // Tried once per verification, not every frame.
                self.chip_portrait_failed = Some(key);
                return None;
            };
            let handle = ctx.load_texture("chip-portrait", picture, egui::TextureOptions::LINEAR);
            self.chip_portrait = Some(Texture { key, handle });
        }
        self.chip_portrait
            .as_ref()
            .map(|t| (t.handle.id(), t.handle.size_vec2()))
    }
}

/// The largest chip portrait shown, a side: a DG2 portrait is a few hundred pixels.
const MAX_PORTRAIT_SIDE: u32 = 4000;

/// A chip's DG2 portrait as a picture: JPEG, or JPEG 2000 (a JP2 file or a raw codestream),
/// which many issuers' cards hold. The chip is untrusted: `None` for anything that does not
/// decode, or is larger than [`MAX_PORTRAIT_SIDE`] a side, without allocating for it first.
pub(crate) fn portrait_picture(bytes: &[u8]) -> Option<egui::ColorImage> {
    const JP2: [u8; 12] = [0, 0, 0, 12, b'j', b'P', b' ', b' ', 0x0D, 0x0A, 0x87, 0x0A];
    const J2K: [u8; 4] = [0xFF, 0x4F, 0xFF, 0x51];
    if bytes.starts_with(&JP2) || bytes.starts_with(&J2K) {
        let pic = fingerprint::jp2::decode_rgb(bytes).ok()?;
        let size = [pic.width as usize, pic.height as usize];
        return Some(egui::ColorImage::from_rgb(size, &pic.rgb));
    }
    let mut reader =
        image::ImageReader::with_format(std::io::Cursor::new(bytes), image::ImageFormat::Jpeg);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_PORTRAIT_SIDE);
    limits.max_image_height = Some(MAX_PORTRAIT_SIDE);
    reader.limits(limits);
    let img = reader.decode().ok()?.into_rgb8();
    let size = [img.width() as usize, img.height() as usize];
    Some(egui::ColorImage::from_rgb(size, img.as_raw()))
}

#[cfg(test)]
mod tests {
    use super::{portrait_picture, typed_date};

    /// What the officer types reaches the engine as it can read it: dates as digits, the
    /// ways of saying "no expiry" as typed (the engine takes empty as <<<<<<).
    #[test]
    fn typed_dates_keep_the_ways_of_saying_no_expiry() {
        assert_eq!(typed_date("12/05/2035"), "12052035");
        assert_eq!(typed_date(" 12.05.2035 "), "12052035");
        assert_eq!(typed_date(""), "");
        assert_eq!(typed_date("<<<<<<"), "<<<<<<");
        assert_eq!(typed_date(" none "), "none");
        assert_eq!(typed_date("abc"), "abc");
    }

    fn data(name: &str) -> Vec<u8> {
        std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../tests/data")
                .join(name),
        )
        .unwrap()
    }

    /// What a chip may hold in DG2 shows: the station's JPEG, another issuer's colour JP2
    /// file, a grey raw codestream; each at its size, the JP2 in colour.
    #[test]
    fn chip_portraits_in_jpeg_and_jpeg_2000_are_shown() {
        for name in ["portrait.jpg", "portrait.jp2", "portrait-grey.j2k"] {
            let pic = portrait_picture(&data(name)).unwrap_or_else(|| panic!("{name}"));
            assert_eq!(pic.size, [300, 400], "{name}");
        }
        let jp2 = portrait_picture(&data("portrait.jp2")).unwrap();
        let (r, b) = jp2.pixels.iter().fold((0u64, 0u64), |(r, b), p| {
            (r + u64::from(p.r()), b + u64::from(p.b()))
        });
        assert!(
            r > b + 20 * 300 * 400,
            "red {r}, blue {b}: the astronaut's portrait is warm"
        );
    }

    /// Junk, a truncated JPEG 2000 file, and a JPEG claiming 60 000 pixels a side are not
    /// shown (the screen shows "not readable" instead), and nothing panics.
    #[test]
    fn unreadable_or_oversized_chip_portraits_are_not_shown() {
        let jp2 = data("portrait.jp2");
        assert!(portrait_picture(b"").is_none());
        assert!(portrait_picture(b"not a picture").is_none());
        assert!(portrait_picture(&jp2[..jp2.len() / 2]).is_none());
        let mut jpeg = data("portrait.jpg");
        // The baseline frame header (SOF0): FF C0, length, precision, then height and width.
        let at = jpeg.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
        jpeg[at + 5..at + 9].copy_from_slice(&[0xEA, 0x60, 0xEA, 0x60]);
        assert!(portrait_picture(&jpeg).is_none());
    }
}
