//! An 8-bit greyscale fingerprint image and its PNG form.

use std::io::Cursor;

/// The largest image accepted from a file or a sensor: far above any finger at 1000 ppi, small
/// enough that a hostile header cannot make us allocate gigabytes.
pub const MAX_SIDE: u32 = 4000;

/// 500 ppi in pixels per metre (PNG pHYs), rounded as ISO/IEC 15948 §11.3.5.3 wants integers.
const PPM_500: u32 = 19_685;

/// An 8-bit greyscale image, row-major, ridges dark on a light background.
#[derive(Clone, PartialEq, Eq)]
pub struct GreyImage {
    width: u32,
    height: u32,
    /// Resolution in pixels per inch.
    ppi: u16,
    pixels: Vec<u8>,
}

impl std::fmt::Debug for GreyImage {
    // The pixels are biometric data: never print them.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GreyImage")
            .field("width", &self.width)
            .field("height", &self.height)
            .field("ppi", &self.ppi)
            .finish_non_exhaustive()
    }
}

/// Why an image could not be made or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageError {
    #[error("image size {width}×{height} is outside 1..={MAX_SIDE} pixels a side")]
    Size { width: u32, height: u32 },
    #[error("{got} pixel bytes for a {width}×{height} image")]
    PixelCount { width: u32, height: u32, got: usize },
    #[error("not a readable PNG: {0}")]
    Png(String),
    #[error("PNG with {0} bits per sample; 8 or 16 bit greyscale or colour expected")]
    Depth(u8),
}

impl ImageError {
    /// A short instruction for the officer, in Vietnamese.
    pub fn message_vi(&self) -> String {
        match self {
            ImageError::Size { .. } | ImageError::PixelCount { .. } => {
                "Kích thước ảnh vân tay không hợp lệ".into()
            }
            ImageError::Png(_) | ImageError::Depth(_) => {
                "Tệp không phải ảnh vân tay PNG đọc được".into()
            }
        }
    }
}

impl GreyImage {
    /// An image of one grey level.
    pub fn filled(width: u32, height: u32, level: u8) -> Result<GreyImage, ImageError> {
        check_size(width, height)?;
        Ok(GreyImage {
            width,
            height,
            ppi: 500,
            pixels: vec![level; width as usize * height as usize],
        })
    }

    /// An image from row-major pixels, which must be exactly width × height bytes.
    pub fn from_pixels(width: u32, height: u32, pixels: Vec<u8>) -> Result<GreyImage, ImageError> {
        check_size(width, height)?;
        if pixels.len() != width as usize * height as usize {
            return Err(ImageError::PixelCount {
                width,
                height,
                got: pixels.len(),
            });
        }
        Ok(GreyImage {
            width,
            height,
            ppi: 500,
            pixels,
        })
    }

    /// The same image with another resolution (pixels per inch); 0 is taken as 500.
    pub fn with_ppi(mut self, ppi: u16) -> GreyImage {
        self.ppi = if ppi == 0 { 500 } else { ppi };
        self
    }

    pub fn width(&self) -> u32 {
        self.width
    }
    pub fn height(&self) -> u32 {
        self.height
    }
    pub fn ppi(&self) -> u16 {
        self.ppi
    }
    pub fn pixels(&self) -> &[u8] {
        &self.pixels
    }
    pub fn into_pixels(self) -> Vec<u8> {
        self.pixels
    }
    /// The pixel at (x, y); x and y must be inside the image.
    pub fn get(&self, x: u32, y: u32) -> u8 {
        self.pixels[y as usize * self.width as usize + x as usize]
    }

    /// The image as an 8-bit greyscale PNG with its resolution in pHYs, which is what
    /// `iso19794::FingerRecord::from_png` takes for DG3.
    pub fn to_png(&self) -> Vec<u8> {
        let mut out = Vec::new();
        {
            let mut encoder = png::Encoder::new(&mut out, self.width, self.height);
            encoder.set_color(png::ColorType::Grayscale);
            encoder.set_depth(png::BitDepth::Eight);
            let ppm = if self.ppi == 500 {
                PPM_500
            } else {
                (f64::from(self.ppi) / 0.0254).round() as u32
            };
            encoder.set_pixel_dims(Some(png::PixelDimensions {
                xppu: ppm,
                yppu: ppm,
                unit: png::Unit::Meter,
            }));
            // Writing into a Vec cannot fail, and the header was checked at construction;
            // an error here would be a bug in the png crate, so fall back to nothing.
            let Ok(mut writer) = encoder.write_header() else {
                return Vec::new();
            };
            if writer.write_image_data(&self.pixels).is_err() {
                return Vec::new();
            }
            if writer.finish().is_err() {
                return Vec::new();
            }
        }
        out
    }

    /// Reads a PNG of any colour type (colour is turned to grey by luma) at 8 or 16 bits.
    /// Untrusted input: size is checked before the pixels are allocated.
    pub fn from_png(bytes: &[u8]) -> Result<GreyImage, ImageError> {
        let mut decoder = png::Decoder::new_with_limits(
            Cursor::new(bytes),
            png::Limits {
                bytes: (MAX_SIDE as usize * MAX_SIDE as usize) * 8,
            },
        );
        decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
        let mut reader = decoder
            .read_info()
            .map_err(|e| ImageError::Png(e.to_string()))?;
        let info = reader.info();
        let (width, height) = (info.width, info.height);
        check_size(width, height)?;
        let ppi = match info.pixel_dims {
            Some(png::PixelDimensions {
                xppu,
                unit: png::Unit::Meter,
                ..
            }) if xppu > 0 => u16::try_from((u64::from(xppu) * 254 + 5000) / 10000).unwrap_or(500),
            _ => 500,
        };
        let mut buf = vec![0; reader.output_buffer_size()];
        let frame = reader
            .next_frame(&mut buf)
            .map_err(|e| ImageError::Png(e.to_string()))?;
        if frame.bit_depth != png::BitDepth::Eight {
            return Err(ImageError::Depth(frame.bit_depth as u8));
        }
        let channels = frame.color_type.samples();
        let line = frame.line_size;
        let mut pixels = Vec::with_capacity(width as usize * height as usize);
        for row in buf.chunks(line).take(height as usize) {
            for px in row.chunks(channels).take(width as usize) {
                let grey = match (frame.color_type, px) {
                    (png::ColorType::Rgb | png::ColorType::Rgba, [r, g, b, ..]) => {
                        // ITU-R BT.601 luma.
                        ((299 * u32::from(*r) + 587 * u32::from(*g) + 114 * u32::from(*b)) / 1000)
                            as u8
                    }
                    (_, [g, ..]) => *g,
                    (_, []) => 0,
                };
                pixels.push(grey);
            }
        }
        GreyImage::from_pixels(width, height, pixels).map(|i| i.with_ppi(ppi))
    }
}

fn check_size(width: u32, height: u32) -> Result<(), ImageError> {
    if width == 0 || height == 0 || width > MAX_SIDE || height > MAX_SIDE {
        return Err(ImageError::Size { width, height });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn png_round_trip_keeps_pixels_and_500_ppi() {
        let pixels: Vec<u8> = (0..40 * 30).map(|i| (i * 7 % 256) as u8).collect();
        let img = GreyImage::from_pixels(40, 30, pixels).unwrap();
        let back = GreyImage::from_png(&img.to_png()).unwrap();
        assert_eq!(back, img);
        assert_eq!(back.ppi(), 500);
    }

    #[test]
    fn garbage_and_wrong_sizes_are_errors() {
        assert!(GreyImage::from_png(b"not a png").is_err());
        assert!(GreyImage::from_png(&[]).is_err());
        assert!(GreyImage::from_pixels(2, 2, vec![0; 3]).is_err());
        assert!(GreyImage::filled(0, 10, 0).is_err());
        assert!(GreyImage::filled(MAX_SIDE + 1, 10, 0).is_err());
        let mut png = GreyImage::filled(8, 8, 9).unwrap().to_png();
        png.truncate(png.len() / 2);
        assert!(GreyImage::from_png(&png).is_err());
    }
}
