//! Ten-print capture for the enrollment station.
//!
//! One crate rather than a generator crate beside a fingerprint crate: the generator, the
//! quality measure and the minutiae matcher share the image type and the ridge maths
//! (orientation, Gabor filtering), and the virtual-sensor feeder plays generated prints. The
//! device backend on libfprint sits behind the default `libfprint` feature, so everything
//! else builds and tests without the system library.

pub mod image;
pub mod synth;

pub use image::{GreyImage, ImageError};
pub use iso19794::FingerPosition;
pub(crate) mod analysis;
pub mod minutiae;
pub mod quality;
