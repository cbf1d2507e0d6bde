//! The station app: an egui front end on the UI-free workflow engine.
//!
//! The app never touches a device. Each frame it reads the engine's latest
//! [`workflow::Snapshot`] (cheap, never blocks) and renders it; buttons send
//! [`workflow::Intent`]s. The engine runs on a tokio runtime started before the first frame
//! and is brought up on a background thread ([`launch`]), so the window shows at once and the
//! device states arrive when the devices have answered.

mod accounts;
pub mod app;
mod checkpoint;
pub mod fonts;
pub mod form;
pub mod lang;
pub mod launch;
mod report;
mod screens;

pub use app::App;
pub use lang::Lang;
pub use launch::{launch, LaunchOptions, Started};
