//! The enrollment workflow, with no UI: one explicit state machine ([`model`]) run by an
//! engine on tokio ([`engine`]) that drives the station's device traits ([`devices`]) and
//! keeps every enrollment in the encrypted vault. The station app renders the engine's
//! snapshots and sends it intents; `idstation enroll --scenario` drives the very same engine
//! headless ([`scenario`]); [`report`] makes the daily report from the vault.

pub mod checkpoint;
pub mod config;
pub mod devices;
pub mod dg3;
pub mod engine;
pub mod model;
pub mod report;
pub mod scenario;

pub use checkpoint::{CheckpointResult, CrossingRow, FieldComparison, Presented};
pub use config::StationConfig;
pub use devices::{Devices, StationKeys};
pub use engine::{AccountRow, Engine, Handle, Intent, Login, Message, Snapshot};
pub use model::{Enrollment, Step};
