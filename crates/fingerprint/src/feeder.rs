//! Client for libfprint's `virtual_image` sensor: with FP_VIRTUAL_IMAGE=/path/to/socket in
//! its environment, libfprint listens on that UNIX socket once the device is opened. Each
//! message is two native-endian i32: (width, height) followed by width × height grey bytes
//! is an image; a negative first value is a command (libfprint's drivers/virtual-image.c):
//! −1 retry (reason), −2 fatal error (FpDeviceError code), −3 automatic finger on/off
//! around images (0|1), −4 finger off/on (0|1), −5 device removed.

use std::io::{self, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::image::GreyImage;
use crate::sensor::RetryReason;

/// libfprint refuses images above 5000 pixels a side.
const LIBFPRINT_MAX_SIDE: u32 = 5000;

pub struct Feeder {
    stream: UnixStream,
}

impl Feeder {
    /// Connects to the virtual sensor's socket, waiting up to `timeout` for libfprint to
    /// open it (the socket appears when the device is opened).
    pub fn connect(path: &Path, timeout: Duration) -> io::Result<Feeder> {
        let until = Instant::now() + timeout;
        loop {
            match UnixStream::connect(path) {
                Ok(stream) => {
                    stream.set_write_timeout(Some(Duration::from_secs(10)))?;
                    return Ok(Feeder { stream });
                }
                Err(e) if Instant::now() >= until => return Err(e),
                Err(_) => std::thread::sleep(Duration::from_millis(20)),
            }
        }
    }

    fn header(&mut self, a: i32, b: i32) -> io::Result<()> {
        let mut buf = [0u8; 8];
        buf[..4].copy_from_slice(&a.to_ne_bytes());
        buf[4..].copy_from_slice(&b.to_ne_bytes());
        self.stream.write_all(&buf)
    }

    /// Puts a finger with this image on the sensor.
    pub fn image(&mut self, image: &GreyImage) -> io::Result<()> {
        if image.width() > LIBFPRINT_MAX_SIDE || image.height() > LIBFPRINT_MAX_SIDE {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "image too large for libfprint",
            ));
        }
        self.header(image.width() as i32, image.height() as i32)?;
        self.stream.write_all(image.pixels())?;
        self.stream.flush()
    }

    /// Makes the sensor report a retry.
    pub fn retry(&mut self, reason: RetryReason) -> io::Result<()> {
        self.header(-1, reason.code())
    }

    /// Makes the sensor fail the capture with an FpDeviceError code.
    pub fn fatal_error(&mut self, code: i32) -> io::Result<()> {
        self.header(-2, code)
    }

    /// Whether images bring their own finger-on before and finger-off after (the default).
    pub fn automatic_finger(&mut self, on: bool) -> io::Result<()> {
        self.header(-3, i32::from(on))
    }

    /// Reports the finger placed or lifted.
    pub fn finger(&mut self, present: bool) -> io::Result<()> {
        self.header(-4, i32::from(present))
    }

    /// Makes the device disappear, as if unplugged.
    pub fn remove_device(&mut self) -> io::Result<()> {
        self.header(-5, 0)
    }
}
