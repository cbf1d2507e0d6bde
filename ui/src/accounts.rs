//! A supervisor's officer accounts (from the queue): who may log in at this station, who is
//! locked out after wrong passwords (lifted here after checking the officer in person), a
//! new account with its first password, and removal with a confirmation. Officers do not
//! see this screen; the engine refuses its intents to them too.

use egui::{Grid, RichText, Ui};
use workflow::{Intent, Message};
use zeroize::Zeroize;

use crate::app::{App, BAD, OK};
use crate::screens::{entered, text_field};

impl App {
    pub(crate) fn accounts(&mut self, ui: &mut Ui) {
        let lang = self.lang;
        let list = self
            .snap
            .as_ref()
            .map(|s| s.accounts.clone())
            .unwrap_or_default();
        if self.back_and_refresh(ui, Intent::Accounts) {
            self.accounts_open = false;
            self.inputs.account_remove = None;
        }
        ui.heading(lang.pick("Tài khoản cán bộ", "Officer accounts"));
        ui.add_space(6.0);
        let mut intent = None;
        Grid::new("accounts")
            .striped(true)
            .num_columns(4)
            .spacing([16.0, 6.0])
            .show(ui, |ui| {
                for h in [
                    lang.pick("Tên đăng nhập", "User name"),
                    lang.pick("Vai trò", "Role"),
                    lang.pick("Trạng thái", "Status"),
                    "",
                ] {
                    ui.label(RichText::new(h).strong());
                }
                ui.end_row();
                for a in &list {
                    ui.label(&a.name);
                    ui.label(if a.supervisor {
                        lang.pick("Trưởng ca", "Supervisor")
                    } else {
                        lang.pick("Cán bộ", "Officer")
                    });
                    match &a.locked_until {
                        Some(t) => ui.colored_label(
                            BAD,
                            format!("{} {t}", lang.pick("Bị khóa đến", "Locked until")),
                        ),
                        None => ui.colored_label(OK, lang.pick("Hoạt động", "Active")),
                    };
                    ui.horizontal(|ui| {
                        if a.locked_until.is_some()
                            && ui
                                .button(lang.pick("Mở khóa", "Lift the lockout"))
                                .clicked()
                        {
                            intent = Some(Intent::ClearLockout(a.id));
                        }
                        if a.is_self {
                            ui.label(RichText::new(lang.pick("(bạn)", "(you)")).weak());
                        } else if self.inputs.account_remove == Some(a.id) {
                            ui.colored_label(
                                BAD,
                                format!("{} {}?", lang.pick("Xóa", "Remove"), a.name),
                            );
                            if ui
                                .button(lang.pick("Xác nhận xóa", "Confirm removal"))
                                .clicked()
                            {
                                intent = Some(Intent::RemoveAccount(a.id));
                            }
                            if ui.button(lang.pick("Thôi", "Keep")).clicked() {
                                self.inputs.account_remove = None;
                            }
                        } else if ui.button(lang.pick("Xóa…", "Remove…")).clicked() {
                            self.inputs.account_remove = Some(a.id);
                        }
                    });
                    ui.end_row();
                }
            });
        if let Some(i) = intent {
            self.inputs.account_remove = None;
            self.act(i);
        }

        ui.add_space(16.0);
        ui.label(RichText::new(lang.pick("Tài khoản mới", "New account")).strong());
        let i = &mut self.inputs;
        text_field(
            ui,
            lang.pick("Tên đăng nhập mới", "New user name"),
            &mut i.account_name,
            false,
            "",
        );
        text_field(
            ui,
            lang.pick(
                "Mật khẩu đầu tiên (ít nhất 8 ký tự)",
                "First password (8 characters or more)",
            ),
            &mut i.account_password,
            true,
            "",
        );
        let again = text_field(
            ui,
            lang.pick("Nhập lại mật khẩu đầu tiên", "Repeat the first password"),
            &mut i.account_password2,
            true,
            "",
        );
        ui.checkbox(
            &mut i.account_supervisor,
            lang.pick(
                "Trưởng ca (được quản lý tài khoản)",
                "Supervisor (may manage accounts)",
            ),
        );
        ui.add_space(6.0);
        let go = ui
            .add_enabled(
                !self.busy(),
                egui::Button::new(lang.pick("Thêm tài khoản", "Add the account")),
            )
            .clicked()
            || entered(ui, &again);
        if go {
            let i = &mut self.inputs;
            if i.account_name.trim().is_empty() {
                self.note = Some(Message::error("Nhập tên đăng nhập", "Enter the user name"));
            } else if i.account_password != i.account_password2 {
                self.note = Some(Message::error(
                    "Hai mật khẩu không khớp",
                    "The two passwords differ",
                ));
                i.account_password2.zeroize();
            } else {
                let intent = Intent::AddAccount {
                    name: std::mem::take(&mut i.account_name).trim().to_string(),
                    password: std::mem::take(&mut i.account_password),
                    supervisor: std::mem::take(&mut i.account_supervisor),
                };
                i.account_password2.zeroize();
                self.act(intent);
            }
        }
    }
}
