//! ICAO 9303, sans I/O: the TD1 machine readable zone (Part 3 and 5), Basic Access Control
//! (Part 11 §4.3, §9.7) and 3DES secure messaging (Part 11 §9.8), for the terminal and the chip.

pub mod bac;
pub mod crypto;
pub mod mrz;
pub mod sm;
