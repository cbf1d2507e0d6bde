//! The screens in the central area: set-up, log-in, unlock, the queue and each step.

use citizen::{Field, Sex};
use egui::{Key, Response, RichText, TextEdit, Ui};
use iso19794::FingerPosition;
use workflow::model::{CheckIn, Enrollment, FingerTaken};
use workflow::{Intent, Login, Message, Step};
use zeroize::Zeroize;

use crate::app::{App, Focus, BAD, EXCEPTIONS, OK};
use crate::form::is_date;
use crate::lang::Lang;

/// A label and a one-line text field labelled by it (screen readers and tests find the
/// field by the label's text).
pub(crate) fn text_field(
    ui: &mut Ui,
    label: &str,
    value: &mut String,
    password: bool,
    hint: &str,
) -> Response {
    let l = ui.label(label);
    ui.add(
        TextEdit::singleline(value)
            .password(password)
            .hint_text(hint)
            .desired_width(360.0),
    )
    .labelled_by(l.id)
}

pub(crate) fn entered(ui: &Ui, r: &Response) -> bool {
    r.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter))
}

fn done_line(ui: &mut Ui, text: impl Into<String>) {
    ui.colored_label(OK, format!("✔ {}", text.into()));
}

fn finger_name(lang: Lang, code: u8) -> String {
    FingerPosition::from_code(code)
        .map(|p| lang.pick(p.name_vi(), p.name_en()).to_string())
        .unwrap_or_else(|| format!("#{code}"))
}

impl App {
    pub(crate) fn first_run(&mut self, ui: &mut Ui) {
        let lang = self.lang;
        ui.heading(lang.pick("Thiết lập trạm lần đầu", "First-run set-up"));
        ui.label(lang.pick(
            "Trạm chưa có kho dữ liệu. Tạo tài khoản trưởng ca để mở trạm (mật khẩu ít nhất 8 ký tự).",
            "This station has no vault yet. Create the supervisor's account to set it up (password of at least 8 characters).",
        ));
        ui.add_space(8.0);
        let focus = self.take_focus();
        let i = &mut self.inputs;
        // The first field still empty: the name on arrival, the repeat after passwords that
        // differ (it is emptied), the password after the engine refused it.
        let target = [
            i.setup_name.trim().is_empty(),
            i.setup_password.is_empty(),
            i.setup_password2.is_empty(),
        ]
        .iter()
        .position(|empty| *empty)
        .unwrap_or(0);
        let name = text_field(
            ui,
            lang.pick("Tên trưởng ca", "Supervisor name"),
            &mut i.setup_name,
            false,
            "",
        );
        let pw = text_field(
            ui,
            lang.pick("Mật khẩu", "Password"),
            &mut i.setup_password,
            true,
            "",
        );
        let again = text_field(
            ui,
            lang.pick("Nhập lại mật khẩu", "Repeat the password"),
            &mut i.setup_password2,
            true,
            "",
        );
        if focus {
            [&name, &pw, &again][target].request_focus();
        }
        ui.add_space(6.0);
        let go = ui
            .button(lang.pick("Tạo trạm", "Set up the station"))
            .clicked()
            || entered(ui, &again);
        if go {
            let i = &mut self.inputs;
            if i.setup_name.trim().is_empty() {
                self.note = Some(Message::error(
                    "Nhập tên trưởng ca",
                    "Enter the supervisor's name",
                ));
            } else if i.setup_password != i.setup_password2 {
                self.note = Some(Message::error(
                    "Hai mật khẩu không khớp",
                    "The two passwords differ",
                ));
                i.setup_password2.zeroize();
                self.focus = Focus::Again;
            } else {
                let intent = Intent::FirstRun {
                    supervisor: i.setup_name.trim().to_string(),
                    password: std::mem::take(&mut i.setup_password),
                };
                i.setup_password2.zeroize();
                self.act(intent);
            }
        }
    }

    pub(crate) fn login(&mut self, ui: &mut Ui) {
        let lang = self.lang;
        ui.heading(lang.pick("Đăng nhập", "Log in"));
        ui.add_space(8.0);
        let focus = self.take_focus_why();
        let i = &mut self.inputs;
        // The name on arrival (the next officer may be another); after a refused log-in
        // (the password is emptied) the password.
        let to_password =
            focus == Focus::Again && !i.login_name.trim().is_empty() && i.login_password.is_empty();
        let name = text_field(
            ui,
            lang.pick("Tên cán bộ", "Officer name"),
            &mut i.login_name,
            false,
            "",
        );
        let pw = text_field(
            ui,
            lang.pick("Mật khẩu", "Password"),
            &mut i.login_password,
            true,
            "",
        );
        if focus != Focus::None {
            if to_password { &pw } else { &name }.request_focus();
        }
        ui.add_space(6.0);
        let go = ui.button(lang.pick("Đăng nhập", "Log in")).clicked() || entered(ui, &pw);
        if go {
            let intent = Intent::Login {
                name: i.login_name.trim().to_string(),
                password: std::mem::take(&mut i.login_password),
            };
            self.act(intent);
        }
    }

    pub(crate) fn locked(&mut self, ui: &mut Ui) {
        let lang = self.lang;
        ui.heading(lang.pick("Phiên làm việc đã khóa", "The session is locked"));
        if let Some(Login::Locked { officer }) = self.snap.as_ref().map(|s| &s.login) {
            ui.label(format!(
                "{} {officer}",
                lang.pick(
                    "Khóa do không thao tác. Nhập lại mật khẩu của",
                    "Locked after idle time. Enter the password of"
                )
            ));
        }
        ui.add_space(8.0);
        let focus = self.take_focus();
        let pw = text_field(
            ui,
            lang.pick("Mật khẩu", "Password"),
            &mut self.inputs.unlock_password,
            true,
            "",
        );
        if focus {
            pw.request_focus();
        }
        let go = ui.button(lang.pick("Mở khóa", "Unlock")).clicked() || entered(ui, &pw);
        if go {
            let password = std::mem::take(&mut self.inputs.unlock_password);
            self.act(Intent::Unlock { password });
        }
    }

    pub(crate) fn queue(&mut self, ui: &mut Ui) {
        let lang = self.lang;
        ui.heading(lang.pick("Hàng chờ", "Queue"));
        ui.add_space(8.0);
        let focus = self.take_focus();
        let new = ui.add_enabled(
            !self.busy(),
            egui::Button::new(RichText::new(lang.pick("Công dân mới", "New applicant")).size(18.0)),
        );
        if focus {
            new.request_focus();
        }
        if new.clicked() {
            self.act(Intent::NewApplicant);
        }
        ui.add_space(12.0);
        ui.label(RichText::new(lang.pick("Hồ sơ đang dở", "Unfinished enrollments")).strong());
        let list = self
            .snap
            .as_ref()
            .map(|s| s.resumable.clone())
            .unwrap_or_default();
        if list.is_empty() {
            ui.label(RichText::new(lang.pick("Không có hồ sơ đang dở", "None")).weak());
        }
        for r in list {
            ui.horizontal(|ui| {
                ui.monospace(&r.id);
                ui.label(lang.pick(r.step.label_vi(), r.step.label_en()));
                if ui.button(lang.pick("Tiếp tục", "Resume")).clicked() {
                    self.act(Intent::Resume(r.id.clone()));
                }
            });
        }
        // After the list, so Tab from New applicant reaches the first Resume.
        ui.add_space(12.0);
        if ui
            .button(lang.pick("Báo cáo ngày", "Daily report"))
            .on_hover_text(lang.pick(
                "Số liệu hôm nay của trạm",
                "Today's figures at this station",
            ))
            .clicked()
        {
            self.report_open = true;
            self.send(Intent::DailyReport(None));
        }
        if self.snap.as_ref().is_some_and(|s| s.supervisor)
            && ui
                .button(lang.pick("Tài khoản cán bộ", "Officer accounts"))
                .on_hover_text(lang.pick(
                    "Thêm cán bộ, mở khóa, xóa tài khoản (trưởng ca)",
                    "Add officers, lift lockouts, remove accounts (supervisors)",
                ))
                .clicked()
        {
            self.accounts_open = true;
            self.focus = Focus::Arrive;
            self.send(Intent::Accounts);
        }
    }

    pub(crate) fn step_screen(&mut self, ui: &mut Ui, step: Step) {
        let lang = self.lang;
        let Some(e) = self.snap.as_ref().and_then(|s| s.enrollment.clone()) else {
            return;
        };
        let n = Step::WORK.iter().position(|s| *s == step);
        let title = match n {
            Some(n) => format!(
                "{} {}/{}: {}",
                lang.pick("Bước", "Step"),
                n + 1,
                Step::WORK.len(),
                lang.pick(step.label_vi(), step.label_en())
            ),
            None => lang.pick(step.label_vi(), step.label_en()).to_string(),
        };
        ui.heading(title);
        ui.label(
            RichText::new(format!(
                "{} {} · {} {}",
                lang.pick("Hồ sơ", "Application"),
                e.id,
                lang.pick("số thứ tự", "queue number"),
                e.queue_number
            ))
            .weak(),
        );
        ui.separator();
        match step {
            Step::CheckIn => self.check_in(ui, &e),
            Step::Data => self.data(ui),
            Step::Portrait => self.portrait_step(ui, &e),
            Step::Fingerprints => self.fingerprints(ui, &e),
            Step::Review => self.review(ui, &e),
            Step::PrintSign => self.print_sign(ui, &e),
            Step::WriteCard => self.write_card(ui, &e),
            Step::Done => self.done(ui, &e),
            Step::Aborted => self.aborted(ui, &e),
        }
    }

    fn check_in(&mut self, ui: &mut Ui, e: &Enrollment) {
        let lang = self.lang;
        let busy = self.busy();
        match &e.checkin {
            Some(CheckIn::Qr { code, .. }) => {
                let shown: String = code.chars().take(80).collect();
                done_line(
                    ui,
                    format!(
                        "{} {shown}",
                        lang.pick("Đã ghi nhận mã QR:", "QR code recorded:")
                    ),
                );
            }
            Some(CheckIn::Paper { photo_jpeg, .. }) => {
                done_line(
                    ui,
                    format!(
                        "{} ({} KB)",
                        lang.pick(
                            "Đã ghi nhận tờ khai giấy và ảnh chụp",
                            "Paper form and its photo recorded"
                        ),
                        photo_jpeg.len() / 1024
                    ),
                );
                // The photo as stored, for the officer to see the form is legible.
                let ctx = ui.ctx().clone();
                if !busy {
                    match self.paper.get(&ctx, "paper-form", &e.id, photo_jpeg) {
                        Some((tex, size)) => {
                            let scale = (240.0 / size.y).min(1.0);
                            ui.add(egui::Image::from_texture((tex, size * scale)));
                        }
                        None => {
                            ui.colored_label(
                                BAD,
                                lang.pick(
                                    "Ảnh tờ khai không mở được; chụp lại",
                                    "The form's photo cannot be shown; take it again",
                                ),
                            );
                        }
                    }
                }
            }
            None => {
                ui.label(lang.pick(
                    "Quét mã QR khai báo y tế của công dân, hoặc ghi nhận tờ khai giấy.",
                    "Scan the applicant's health-declaration QR code, or record the paper form.",
                ));
            }
        }
        // The camera's picture while it works (the paper form before it is photographed).
        if busy {
            let preview = self.snap.as_ref().and_then(|s| s.preview.clone());
            let ctx = ui.ctx().clone();
            if let Some(tex) = preview.as_ref().and_then(|p| self.preview_texture(&ctx, p)) {
                ui.add(egui::Image::from_texture((tex, egui::vec2(480.0, 360.0))));
            }
        }
        ui.add_space(8.0);
        let focus = self.take_focus();
        ui.group(|ui| {
            ui.label(
                RichText::new(lang.pick("Mã QR khai báo y tế", "Health-declaration QR code"))
                    .strong(),
            );
            if ui
                .add_enabled(
                    !busy,
                    egui::Button::new(
                        lang.pick("Quét mã QR bằng camera", "Scan the QR code with the camera"),
                    ),
                )
                .clicked()
            {
                self.act(Intent::ScanCheckInQr);
            }
            let qr = text_field(
                ui,
                lang.pick(
                    "Mã QR (nhập tay hoặc máy quét cầm tay)",
                    "QR code (typed or from a hand scanner)",
                ),
                &mut self.inputs.qr_text,
                false,
                "",
            );
            if focus {
                // Once the code is recorded, what comes next is Next.
                if e.checkin.is_some() && !busy {
                    self.focus_next = true;
                } else {
                    qr.request_focus();
                }
            }
            let go = ui
                .add_enabled(
                    !busy,
                    egui::Button::new(lang.pick("Ghi nhận mã QR", "Record the QR code")),
                )
                .clicked()
                || entered(ui, &qr);
            if go && !busy {
                let code = self.inputs.qr_text.trim().to_string();
                self.act(Intent::CheckInQr(code));
            }
        });
        ui.add_space(8.0);
        ui.group(|ui| {
            ui.label(
                RichText::new(lang.pick(
                    "Không có điện thoại: tờ khai giấy",
                    "No smartphone: paper declaration",
                ))
                .strong(),
            );
            let l = ui.label(lang.pick("Nội dung tờ khai giấy", "Paper declaration notes"));
            ui.add(
                TextEdit::multiline(&mut self.inputs.paper_note)
                    .desired_rows(2)
                    .desired_width(480.0),
            )
            .labelled_by(l.id);
            if ui
                .add_enabled(
                    !busy,
                    egui::Button::new(lang.pick(
                        "Ghi nhận tờ khai và chụp ảnh tờ khai",
                        "Record the form and photograph it",
                    )),
                )
                .clicked()
            {
                let note = self.inputs.paper_note.clone();
                self.act(Intent::CheckInPaper { note });
            }
        });
    }

    fn data(&mut self, ui: &mut Ui) {
        let lang = self.lang;
        ui.label(lang.pick(
            "Nhập 20 mục thông tin. Ngày nhập dạng DD/MM/YYYY. Mục có * là bắt buộc.",
            "Enter the 20 fields. Dates as DD/MM/YYYY. Fields marked * are required.",
        ));
        ui.add_space(4.0);
        // Prefill from the former card's QR code (typed by a hand scanner, or the camera).
        let busy = self.busy();
        ui.horizontal(|ui| {
            let l = ui.label(lang.pick("Mã QR thẻ cũ", "Former card's QR code"));
            let qr = ui
                .add(
                    TextEdit::singleline(&mut self.inputs.former_qr)
                        .hint_text(lang.pick("để điền sẵn", "to prefill"))
                        .desired_width(360.0),
                )
                .labelled_by(l.id);
            let typed = !self.inputs.former_qr.trim().is_empty();
            let fill = ui
                .add_enabled(
                    typed && !busy,
                    egui::Button::new(lang.pick("Điền từ thẻ cũ", "Prefill")),
                )
                .clicked()
                || typed && entered(ui, &qr);
            let scan = ui
                .add_enabled(
                    !busy,
                    egui::Button::new(lang.pick("Quét mã QR thẻ cũ", "Scan the former card")),
                )
                .clicked();
            if fill || scan {
                // What was typed goes first, so the QR fields land on top of it.
                self.save_draft(true);
                let qr_text = fill.then(|| self.inputs.former_qr.trim().to_string());
                let n = self.act(Intent::PrefillFromFormerCard {
                    qr_text,
                    scan: !fill,
                });
                self.prefill_after = Some(n);
            }
        });
        ui.add_space(6.0);
        let validation = self
            .snap
            .as_ref()
            .map(|s| s.validation.clone())
            .unwrap_or_default();
        // The first field on arrival. When the focus comes back (the data checked by Enter
        // in the last field): the first field with a problem, else Next once the engine
        // holds exactly this record.
        let focus = match self.take_focus_why() {
            Focus::None => None,
            Focus::Arrive => Some(Field::ALL[0]),
            Focus::Again => {
                let problem = Field::ALL.into_iter().find(|f| {
                    self.inputs.form_errors.iter().any(|(g, _, _)| g == f)
                        || validation.iter().any(|(k, _, _)| k == f.json_key())
                });
                let held = self
                    .snap
                    .as_ref()
                    .and_then(|s| s.enrollment.as_ref())
                    .and_then(|e| e.record.as_ref())
                    .is_some_and(|r| {
                        self.inputs
                            .form
                            .to_record()
                            .is_ok_and(|f| f.normalized() == *r)
                    });
                if problem.is_none() && held {
                    self.focus_next = true;
                }
                problem.or((!held).then_some(Field::ALL[0]))
            }
        };
        let mut edited = false;
        // Enter in the last field checks the data, as the button below does.
        let mut check = false;
        let inputs = &mut self.inputs;
        ui.columns(2, |cols| {
            for (c, ui) in cols.iter_mut().enumerate() {
                egui::Grid::new(("data-form", c))
                    .num_columns(2)
                    .spacing([8.0, 6.0])
                    .show(ui, |ui| {
                        for (i, field) in Field::ALL.into_iter().enumerate().skip(c * 10).take(10) {
                            let label = lang.pick(field.label_vi(), field.label_en());
                            let label_resp = ui
                                .horizontal(|ui| {
                                    let l = ui.label(label);
                                    if field.is_required() {
                                        ui.colored_label(BAD, "*");
                                    }
                                    l
                                })
                                .inner;
                            ui.vertical(|ui| {
                                if field == Field::Sex {
                                    ui.horizontal(|ui| {
                                        for sex in [Sex::Male, Sex::Female] {
                                            let r = ui.radio_value(
                                                &mut inputs.form.sex,
                                                Some(sex),
                                                lang.pick(sex.label_vi(), sex.label_en()),
                                            );
                                            if focus == Some(field) && sex == Sex::Male {
                                                r.request_focus();
                                            }
                                            edited |= r.changed();
                                        }
                                    });
                                } else {
                                    let hint = match field {
                                        Field::DateOfExpiry => lang.pick(
                                            "DD/MM/YYYY (trống: không thời hạn)",
                                            "DD/MM/YYYY (empty: no expiry)",
                                        ),
                                        f if is_date(f) => "DD/MM/YYYY",
                                        _ => "",
                                    };
                                    let r = ui
                                        .add(
                                            TextEdit::singleline(inputs.form.text_mut(field))
                                                .hint_text(hint)
                                                .desired_width(ui.available_width().max(120.0)),
                                        )
                                        .labelled_by(label_resp.id);
                                    if focus == Some(field) {
                                        r.request_focus();
                                    }
                                    edited |= r.changed();
                                    check |= i + 1 == Field::ALL.len() && entered(ui, &r);
                                }
                                for (_, vi, en) in
                                    inputs.form_errors.iter().filter(|(f, _, _)| *f == field)
                                {
                                    ui.colored_label(BAD, lang.pick(vi, en));
                                }
                                for (_, vi, en) in
                                    validation.iter().filter(|(k, _, _)| k == field.json_key())
                                {
                                    // The engine's messages start with the field's label,
                                    // which is right beside the field.
                                    let text = lang.pick(vi, en);
                                    let text =
                                        text.strip_prefix(&format!("{label}: ")).unwrap_or(text);
                                    ui.colored_label(BAD, text);
                                }
                            });
                            ui.end_row();
                        }
                    });
            }
        });
        if edited {
            self.next_after = None;
            self.inputs.form_errors.clear();
        }
        ui.add_space(6.0);
        if ui
            .add_enabled(
                !busy,
                egui::Button::new(lang.pick("Kiểm tra thông tin", "Check the data")),
            )
            .clicked()
            || check && !busy
        {
            self.submit_form();
        }
    }

    fn portrait_step(&mut self, ui: &mut Ui, e: &Enrollment) {
        let lang = self.lang;
        let busy = self.busy();
        let preview = self.snap.as_ref().and_then(|s| s.preview.clone());
        let ctx = ui.ctx().clone();
        ui.horizontal_top(|ui| {
            let size = egui::vec2(480.0, 360.0);
            match preview.as_ref().and_then(|p| self.preview_texture(&ctx, p)) {
                Some(tex) => {
                    ui.add(egui::Image::from_texture((tex, size)));
                }
                None => {
                    let (rect, _) = ui.allocate_exact_size(size, egui::Sense::hover());
                    ui.painter()
                        .rect_filled(rect, 4.0, egui::Color32::from_gray(30));
                    ui.put(
                        rect,
                        egui::Label::new(
                            RichText::new(
                                lang.pick("Chưa có hình từ camera", "No camera picture yet"),
                            )
                            .size(16.0)
                            .color(egui::Color32::from_gray(160)),
                        ),
                    );
                }
            }
            ui.vertical(|ui| {
                ui.label(
                    RichText::new(lang.pick("Kiểm tra ảnh (ICAO)", "Portrait checks (ICAO)"))
                        .strong(),
                );
                match &preview {
                    None => {
                        ui.label(
                            RichText::new(lang.pick(
                                "Bấm Chụp để bật camera",
                                "Press Capture to start the camera",
                            ))
                            .weak(),
                        );
                    }
                    Some(p) => {
                        for c in &p.checks {
                            let (mark, colour) = if c.passed { ("✔", OK) } else { ("✘", BAD) };
                            ui.colored_label(
                                colour,
                                format!("{mark} {}", lang.pick(&c.name_vi, &c.name_en)),
                            );
                            if let (false, Some(i)) = (c.passed, &c.instruction) {
                                ui.label(RichText::new(format!("    {}", lang.msg(i))).small());
                            }
                        }
                        ui.label(format!(
                            "{} {}",
                            lang.pick("Khung hình đạt liên tiếp:", "Compliant frames in a row:"),
                            p.run
                        ));
                    }
                }
            });
            if let Some(p) = &e.portrait {
                ui.vertical(|ui| {
                    ui.label(RichText::new(lang.pick("Ảnh đã chụp", "Portrait taken")).strong());
                    if let Some((tex, size)) = self.portrait_texture(&ctx, &e.id, &p.token_jpeg) {
                        let scale = (200.0 / size.y).min(1.0);
                        ui.add(egui::Image::from_texture((tex, size * scale)));
                    }
                    match &p.manual_reason {
                        None => ui.label(
                            lang.pick("Tự động, đạt mọi tiêu chí", "Automatic, all checks passed"),
                        ),
                        Some(r) => {
                            ui.label(format!("{} {r}", lang.pick("Chụp thủ công:", "Manual:")))
                        }
                    };
                });
            }
        });
        ui.add_space(8.0);
        let focus = self.take_focus();
        let capture = ui.add_enabled(
            !busy,
            egui::Button::new(lang.pick(
                "Chụp (tự động khi đạt)",
                "Capture (automatic when compliant)",
            )),
        );
        if focus {
            if e.portrait.is_some() && !busy {
                self.focus_next = true;
            } else {
                capture.request_focus();
            }
        }
        if capture.clicked() {
            self.act(Intent::CapturePortrait);
        }
        ui.add_space(6.0);
        let reason = text_field(
            ui,
            lang.pick("Lý do chụp thủ công", "Reason for a manual capture"),
            &mut self.inputs.manual_reason,
            false,
            lang.pick(
                "ví dụ: công dân khuyết tật, không nhìn thẳng được",
                "e.g. the applicant cannot face the camera",
            ),
        );
        let manual = ui.add_enabled(
            !busy && !self.inputs.manual_reason.trim().is_empty(),
            egui::Button::new(lang.pick("Chụp thủ công", "Manual capture")),
        );
        if manual.clicked() || (entered(ui, &reason) && !busy) {
            let reason = self.inputs.manual_reason.trim().to_string();
            self.act(Intent::ManualPortrait { reason });
        }
    }

    fn fingerprints(&mut self, ui: &mut Ui, e: &Enrollment) {
        let lang = self.lang;
        let busy = self.busy();
        let prompt = self.snap.as_ref().and_then(|s| s.finger.clone());
        let focus = self.take_focus();
        match &prompt {
            None => {
                if focus {
                    self.focus_next = true;
                }
                done_line(
                    ui,
                    lang.pick(
                        "Đã lấy đủ vân tay; bấm Tiếp theo",
                        "All fingers are taken; press Next",
                    ),
                );
            }
            Some(f) => {
                ui.label(
                    RichText::new(format!(
                        "{} {}",
                        lang.pick("Ngón hiện tại:", "Current finger:"),
                        finger_name(lang, f.position)
                    ))
                    .size(18.0)
                    .strong(),
                );
                let g = lang.msg(&f.guidance);
                if f.guidance.error {
                    ui.colored_label(BAD, g);
                } else {
                    ui.label(g);
                }
                ui.horizontal(|ui| {
                    ui.label(lang.pick("Chất lượng", "Quality"));
                    let q = f.last_quality.unwrap_or(0);
                    let text = match f.last_quality {
                        Some(q) => {
                            format!("{q} / {} {}", lang.pick("ngưỡng", "threshold"), f.threshold)
                        }
                        None => format!("— / {} {}", lang.pick("ngưỡng", "threshold"), f.threshold),
                    };
                    let fill = match f.last_quality {
                        None => ui.visuals().widgets.inactive.bg_fill,
                        Some(q) if q >= f.threshold => OK,
                        Some(_) => BAD,
                    };
                    let bar = ui.add(
                        egui::ProgressBar::new(f32::from(q) / 100.0)
                            .desired_width(300.0)
                            .fill(fill)
                            .text(text),
                    );
                    // The threshold as a mark across the bar.
                    let x = bar.rect.left() + bar.rect.width() * f32::from(f.threshold) / 100.0;
                    ui.painter().vline(
                        x,
                        bar.rect.y_range(),
                        egui::Stroke::new(2.0, ui.visuals().strong_text_color()),
                    );
                });
                ui.label(format!(
                    "{} {}/{}",
                    lang.pick("Lần thử:", "Attempts:"),
                    f.attempts,
                    f.max_attempts
                ));
                ui.horizontal(|ui| {
                    let capture = ui.add_enabled(
                        !busy,
                        egui::Button::new(lang.pick("Lấy vân tay", "Capture finger")),
                    );
                    if focus {
                        capture.request_focus();
                    }
                    if capture.clicked() {
                        self.act(Intent::CaptureFinger);
                    }
                    if f.officer_decision {
                        let accept = ui.add_enabled(
                            !busy,
                            egui::Button::new(
                                lang.pick("Nhận ảnh chất lượng thấp", "Accept low quality"),
                            ),
                        );
                        if accept.clicked() {
                            self.act(Intent::AcceptLowQuality);
                        }
                    }
                });
                ui.add_space(6.0);
                ui.group(|ui| {
                    ui.label(
                        RichText::new(lang.pick(
                            "Ngoại lệ (không lấy được ngón này)",
                            "Exception (this finger cannot be taken)",
                        ))
                        .strong(),
                    );
                    let kind = &mut self.inputs.exception_kind;
                    ui.horizontal(|ui| {
                        for (i, (_, vi, en)) in EXCEPTIONS.iter().enumerate() {
                            ui.radio_value(kind, i, lang.pick(vi, en));
                        }
                    });
                    let reason = text_field(
                        ui,
                        lang.pick("Lý do ngoại lệ", "Reason for the exception"),
                        &mut self.inputs.exception_reason,
                        false,
                        "",
                    );
                    let typed = !self.inputs.exception_reason.trim().is_empty();
                    let ok = ui.add_enabled(
                        !busy && typed,
                        egui::Button::new(lang.pick("Ghi ngoại lệ", "Record the exception")),
                    );
                    // Enter in the reason, the form's last field, records it too.
                    if ok.clicked() || !busy && typed && entered(ui, &reason) {
                        let kind = EXCEPTIONS
                            .get(self.inputs.exception_kind)
                            .map_or("unusable", |k| k.0)
                            .to_string();
                        let reason = std::mem::take(&mut self.inputs.exception_reason);
                        self.act(Intent::FingerException { kind, reason });
                    }
                });
            }
        }
        ui.add_space(8.0);
        ui.label(RichText::new(lang.pick("Mười ngón", "The ten fingers")).strong());
        let current = prompt.as_ref().map(|f| f.position);
        let required = self.station_fingers();
        let mut retake = None;
        egui::Grid::new("ten-fingers").striped(true).show(ui, |ui| {
            for code in 1u8..=10 {
                ui.label(finger_name(lang, code));
                let taken = e.finger(code).is_some();
                match e.finger(code) {
                    Some(FingerTaken::Captured {
                        quality, attempts, ..
                    }) => ui.colored_label(
                        OK,
                        format!(
                            "✔ {} {quality} ({attempts} {})",
                            lang.pick("chất lượng", "quality"),
                            lang.pick("lần", "attempts")
                        ),
                    ),
                    Some(FingerTaken::AcceptedLowQuality { quality, .. }) => ui.colored_label(
                        egui::Color32::from_rgb(0xd0, 0x90, 0x20),
                        format!(
                            "⚠ {} {quality}",
                            lang.pick(
                                "chất lượng thấp, cán bộ chấp nhận:",
                                "low quality accepted by the officer:"
                            )
                        ),
                    ),
                    Some(FingerTaken::Exception { kind, reason }) => {
                        let k = EXCEPTIONS
                            .iter()
                            .find(|x| x.0 == kind)
                            .map_or(kind.as_str(), |x| lang.pick(x.1, x.2));
                        ui.colored_label(BAD, format!("✘ {k}: {reason}"))
                    }
                    None if current == Some(code) => ui.label(
                        RichText::new(format!("▶ {}", lang.pick("đang lấy", "now"))).strong(),
                    ),
                    None if required.contains(&code) => {
                        ui.label(RichText::new(lang.pick("chưa lấy", "not taken")).weak())
                    }
                    None => ui.label(
                        RichText::new(
                            lang.pick("trạm không lấy ngón này", "not taken at this station"),
                        )
                        .weak(),
                    ),
                };
                // A capture or an exception can be taken again (a wrong finger placed, an
                // exception recorded by mistake); the button names the finger, so each is
                // told apart by a screen reader and by Tab.
                if taken {
                    let name = FingerPosition::from_code(code)
                        .map(|p| lang.pick(p.name_vi(), p.name_en()).to_lowercase())
                        .unwrap_or_else(|| format!("#{code}"));
                    let b = ui
                        .add_enabled(
                            !busy,
                            egui::Button::new(format!(
                                "{} {name}",
                                lang.pick("Lấy lại", "Retake the")
                            )),
                        )
                        .on_hover_text(lang.pick(
                            "Xóa ảnh hoặc ngoại lệ của ngón này và lấy lại; phiếu đã in phải in lại",
                            "Clears this finger's capture or exception to take it again; a printed sheet must be printed again",
                        ));
                    if b.clicked() {
                        retake = Some(code);
                    }
                } else {
                    ui.label("");
                }
                ui.end_row();
            }
        });
        if let Some(code) = retake {
            self.act(Intent::RetakeFinger(code));
        }
    }

    fn review(&mut self, ui: &mut Ui, e: &Enrollment) {
        let lang = self.lang;
        let ctx = ui.ctx().clone();
        ui.label(lang.pick(
            "Kiểm tra lại toàn bộ hồ sơ trước khi in phiếu.",
            "Check the whole enrollment before the sheet is printed.",
        ));
        ui.add_space(6.0);
        ui.horizontal_top(|ui| {
            if let Some(r) = &e.record {
                egui::Grid::new("review-fields")
                    .striped(true)
                    .num_columns(2)
                    .show(ui, |ui| {
                        for field in Field::ALL {
                            ui.label(
                                RichText::new(lang.pick(field.label_vi(), field.label_en())).weak(),
                            );
                            let mut v = r.field_text(field);
                            if field == Field::Sex {
                                v = lang.pick(r.sex.label_vi(), r.sex.label_en()).to_string();
                            }
                            ui.label(v);
                            ui.end_row();
                        }
                    });
            }
            ui.vertical(|ui| {
                if let Some(p) = &e.portrait {
                    if let Some((tex, size)) = self.portrait_texture(&ctx, &e.id, &p.token_jpeg) {
                        let scale = (220.0 / size.y).min(1.0);
                        ui.add(egui::Image::from_texture((tex, size * scale)));
                    }
                }
                let taken = e.fingers.iter().filter(|(_, f)| f.png().is_some()).count();
                let exceptions = e.fingers.len() - taken;
                ui.label(format!(
                    "{} {taken} {}, {exceptions} {}",
                    lang.pick("Vân tay:", "Fingerprints:"),
                    lang.pick("ngón đã lấy", "taken"),
                    lang.pick("ngoại lệ", "exceptions")
                ));
                let checkin = match &e.checkin {
                    Some(CheckIn::Qr { .. }) => lang.pick("Tiếp nhận: mã QR", "Check-in: QR code"),
                    Some(CheckIn::Paper { .. }) => {
                        lang.pick("Tiếp nhận: tờ khai giấy", "Check-in: paper form")
                    }
                    None => "",
                };
                ui.label(checkin);
            });
        });
        // Nothing to type here: Next has the focus.
        if self.take_focus() {
            self.focus_next = true;
        }
    }

    fn print_sign(&mut self, ui: &mut Ui, e: &Enrollment) {
        let lang = self.lang;
        let busy = self.busy();
        ui.label(lang.pick(
            "In phiếu thu nhận thông tin; công dân kiểm tra và ký. Nếu công dân báo sai, bấm Sửa thông tin.",
            "Print the information sheet; the applicant checks and signs it. If the applicant finds a mistake, press Correction.",
        ));
        ui.add_space(6.0);
        let focus = self.take_focus();
        let print = ui.add_enabled(
            !busy,
            egui::Button::new(lang.pick("In phiếu", "Print the sheet")),
        );
        // What comes next: print, then the signature, then Next.
        if focus && e.printed.is_none() {
            print.request_focus();
        }
        if print.clicked() {
            self.act(Intent::Print);
        }
        if let Some(p) = &e.printed {
            done_line(
                ui,
                format!(
                    "{} {} ({} {})",
                    lang.pick("Đã in trên", "Printed on"),
                    p.printer,
                    lang.pick("lệnh số", "job"),
                    p.job_id
                ),
            );
        }
        ui.add_space(6.0);
        let signed = ui.add_enabled(
            !busy && e.printed.is_some() && !e.signed,
            egui::Button::new(lang.pick("Công dân đã ký", "Applicant has signed")),
        );
        if focus && e.printed.is_some() {
            if e.signed {
                self.focus_next = true;
            } else {
                signed.request_focus();
            }
        }
        if signed.clicked() {
            self.act(Intent::ConfirmSigned);
        }
        if e.signed {
            done_line(
                ui,
                lang.pick("Công dân đã ký phiếu", "The applicant signed the sheet"),
            );
        }
        ui.add_space(6.0);
        if ui
            .add_enabled(
                !busy,
                egui::Button::new(lang.pick("Sửa thông tin", "Correction")),
            )
            .clicked()
        {
            self.act(Intent::Correction);
        }
    }

    fn write_card(&mut self, ui: &mut Ui, e: &Enrollment) {
        let lang = self.lang;
        let busy = self.busy();
        ui.label(
            RichText::new(lang.pick(
                "Đặt thẻ trắng vào đầu đọc, rồi bấm Ghi thẻ.",
                "Put a blank card in the reader, then press Write card.",
            ))
            .size(18.0),
        );
        ui.label(lang.pick(
            "Thẻ được ghi, khóa, đọc lại và kiểm tra chữ ký; không rút thẻ khi đang ghi.",
            "The card is written, locked, read back and its signature checked; do not pull it while writing.",
        ));
        ui.add_space(6.0);
        let focus = self.take_focus();
        let write = ui.add_enabled(
            !busy && e.card.is_none(),
            egui::Button::new(lang.pick("Ghi thẻ", "Write card")),
        );
        if focus {
            write.request_focus();
        }
        if write.clicked() {
            self.act(Intent::WriteCard);
        }
        if let Some(p) = self
            .snap
            .as_ref()
            .and_then(|s| s.busy.as_ref())
            .and_then(|b| b.progress)
        {
            ui.add(
                egui::ProgressBar::new(p)
                    .desired_width(480.0)
                    .show_percentage(),
            );
        }
    }

    fn done(&mut self, ui: &mut Ui, e: &Enrollment) {
        let lang = self.lang;
        let busy = self.busy();
        if let Some(c) = &e.card {
            ui.colored_label(
                OK,
                RichText::new(
                    lang.pick("Thẻ đã cấp và kiểm tra hợp lệ", "Card issued and verified"),
                )
                .size(20.0)
                .strong(),
            );
            ui.label(format!(
                "{} {}",
                lang.pick("Số thẻ:", "Document number:"),
                c.document_number
            ));
            ui.label(format!(
                "{} {} · {} APDU · {} ms",
                lang.pick("Đầu đọc:", "Reader:"),
                c.reader,
                c.apdus,
                c.millis
            ));
        }
        ui.add_space(8.0);
        let focus = self.take_focus();
        let receipt = ui.add_enabled(
            !busy,
            egui::Button::new(lang.pick("In giấy hẹn", "Print the receipt")),
        );
        if receipt.clicked() {
            self.act(Intent::PrintReceipt);
        }
        if let Some(p) = &e.receipt {
            done_line(
                ui,
                format!(
                    "{} {}",
                    lang.pick("Đã in giấy hẹn, lệnh số", "Receipt printed, job"),
                    p.job_id
                ),
            );
        }
        ui.add_space(8.0);
        let close = ui.add_enabled(!busy, egui::Button::new(lang.pick("Đóng hồ sơ", "Close")));
        // The receipt first, then Close.
        if focus {
            if e.receipt.is_none() {
                &receipt
            } else {
                &close
            }
            .request_focus();
        }
        if close.clicked() {
            self.act(Intent::Close);
        }
    }

    fn aborted(&mut self, ui: &mut Ui, e: &Enrollment) {
        let lang = self.lang;
        ui.colored_label(
            BAD,
            RichText::new(lang.pick("Hồ sơ đã hủy", "Enrollment aborted"))
                .size(20.0)
                .strong(),
        );
        if let Some(r) = &e.abort_reason {
            ui.label(format!("{} {r}", lang.pick("Lý do:", "Reason:")));
        }
        ui.add_space(8.0);
        let focus = self.take_focus();
        let close = ui.button(lang.pick("Đóng hồ sơ", "Close"));
        if focus {
            close.request_focus();
        }
        if close.clicked() {
            self.act(Intent::Close);
        }
    }
}
