//! JPEG 2000 (ISO/IEC 15444-1) for the finger images of DG3.
//!
//! A 500 ppi print is about 100 KB as lossless PNG, but a card's DG3 holds two of them in
//! 30 000 bytes; ISO/IEC 19794-4 (compression code 4) and ICAO 9303-10 take JPEG 2000 for it,
//! as passports do. [`encode`] writes a lossy JP2 file at the highest quality that fits a byte
//! budget; [`decode`] reads a JP2 file or a raw codestream back to a [`GreyImage`], and
//! [`decode_rgb`] a colour one (a chip's DG2 portrait, for showing it).
//!
//! The format written is the JP2 file (the box structure of 15444-1 Annex I around the
//! codestream), not a bare J2K codestream: 19794-4 leaves the image data to ISO/IEC 15444 and
//! readers of passports take both, but only JP2 can carry the scan resolution, in its capture
//! resolution box (`res ` / `resc`), as the FBI/MITRE fingerprint JP2 profile has it. The cost
//! is about 110 bytes of boxes. [`decode`] takes either form.
//!
//! The codec is OpenJPEG, the reference implementation, through `openjpeg-sys`, which builds
//! the OpenJPEG sources it ships with the C compiler (no system library). Its rate allocation
//! gives, for a target size, the layer of least distortion (post-compression rate-distortion
//! optimisation), so "the best quality that fits" is one encode at the budget, plus a
//! correction or two when the file comes out over or well under it.

use std::ffi::{c_char, c_void, CStr};
use std::ptr::{self, NonNull};

use openjpeg_sys as opj;

use crate::image::{GreyImage, MAX_SIDE};

/// The largest input [`decode`] looks at: far above any finger image (a 4000 × 4000 print is
/// 16 MB uncompressed).
pub const MAX_INPUT: usize = 16 << 20;

/// The JP2 boxes around the codestream (signature, file type, header with image header,
/// colour and resolution, codestream box header): a budget smaller than this plus a minimal
/// codestream cannot be met.
const MIN_BUDGET: usize = 256;

/// Why an image could not be written or read as JPEG 2000.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Jp2Error {
    #[error(
        "a JPEG 2000 image cannot be made to fit {max_bytes} bytes (smallest made: {smallest})"
    )]
    Budget { max_bytes: usize, smallest: usize },
    #[error("the JPEG 2000 encoder failed: {0}")]
    Encode(String),
    #[error("{0} bytes of JPEG 2000 data is more than the {MAX_INPUT} byte limit")]
    InputTooLarge(usize),
    #[error("not a JPEG 2000 file or codestream")]
    NotJpeg2000,
    #[error("not a readable JPEG 2000 image: {0}")]
    Decode(String),
    #[error("JPEG 2000 image size {width}×{height} is outside 1..={MAX_SIDE} pixels a side")]
    Size { width: u64, height: u64 },
    #[error(
        "JPEG 2000 image with {components} components of {precision} bits (signed: {signed}, \
         subsampling {dx}×{dy}); one unsigned grey component of 1-16 bits expected"
    )]
    NotGrey {
        components: u32,
        precision: u32,
        signed: bool,
        dx: u32,
        dy: u32,
    },
    #[error(
        "JPEG 2000 image with {components} components in colour space {colour_space}, \
         {precision} bits (signed: {signed}, subsampling {dx}×{dy}); grey or sRGB components \
         of 1-16 unsigned bits at full resolution expected"
    )]
    NotColour {
        components: u32,
        colour_space: i32,
        precision: u32,
        signed: bool,
        dx: u32,
        dy: u32,
    },
}

impl Jp2Error {
    /// A short instruction for the officer, in Vietnamese.
    pub fn message_vi(&self) -> String {
        match self {
            Jp2Error::Budget { max_bytes, .. } => {
                format!("Không nén được ảnh vân tay JPEG 2000 vừa {max_bytes} byte")
            }
            Jp2Error::Encode(_) => "Lỗi khi nén ảnh vân tay JPEG 2000".into(),
            Jp2Error::InputTooLarge(_) | Jp2Error::Size { .. } => {
                "Kích thước ảnh vân tay JPEG 2000 không hợp lệ".into()
            }
            Jp2Error::NotJpeg2000 | Jp2Error::Decode(_) => {
                "Dữ liệu không phải ảnh vân tay JPEG 2000 đọc được".into()
            }
            Jp2Error::NotGrey { .. } => "Ảnh vân tay JPEG 2000 không phải ảnh xám".into(),
            Jp2Error::NotColour { .. } => {
                "Ảnh JPEG 2000 có hệ màu hoặc cách lấy mẫu màu không hiển thị được".into()
            }
        }
    }
}

/// The JP2 signature box (15444-1 I.5.1).
const JP2_SIGNATURE: [u8; 12] = [0, 0, 0, 12, b'j', b'P', b' ', b' ', 0x0D, 0x0A, 0x87, 0x0A];
/// SOC then SIZ: the start of a raw codestream (15444-1 A.4.1, A.5.1).
const J2K_START: [u8; 4] = [0xFF, 0x4F, 0xFF, 0x51];

/// Encodes `image` as a lossy JP2 file (irreversible 9/7 wavelet, one quality layer) of at
/// most `max_bytes` bytes, at the highest quality OpenJPEG's rate allocation reaches within
/// that, with the image's resolution in a capture resolution box. At most four encodes.
pub fn encode(image: &GreyImage, max_bytes: usize) -> Result<Vec<u8>, Jp2Error> {
    if max_bytes < MIN_BUDGET {
        return Err(Jp2Error::Budget {
            max_bytes,
            smallest: 0,
        });
    }
    let res_box = resolution_box(image.ppi());
    // The codestream's share of the budget: the first guess leaves room for the boxes, later
    // ones move by what the last encode missed by.
    let overhead = 100 + res_box.len();
    let mut target = max_bytes - overhead;
    let mut best: Option<Vec<u8>> = None;
    let mut smallest = usize::MAX;
    for _ in 0..4 {
        let mut file = encode_jp2(image, target)?;
        insert_into_jp2h(&mut file, &res_box)?;
        let len = file.len();
        smallest = smallest.min(len);
        if len <= max_bytes {
            let better = best.as_ref().is_none_or(|b| len > b.len());
            if better {
                best = Some(file);
            }
            // Within 2 % of the budget (or every byte already coded): good enough.
            if len * 100 >= max_bytes * 98 || target >= image.pixels().len() {
                break;
            }
            target += max_bytes - len;
        } else {
            // Over: aim lower by the overshoot and a little more.
            // (A target at or above the raw size codes every bit plane whatever its value.)
            let over = len - max_bytes;
            let base = target.min(image.pixels().len().saturating_sub(1));
            let Some(t) = base.checked_sub(over + over / 2 + 16).filter(|t| *t >= 64) else {
                break;
            };
            target = t;
        }
    }
    best.ok_or(Jp2Error::Budget {
        max_bytes,
        smallest,
    })
}

/// The capture resolution box inside a resolution superbox (15444-1 I.5.3.7): the grid in
/// pixels per metre as N / D × 10^E. `ppi` pixels per inch is ppi × 5000 / 127 px/m, so N =
/// ppi × 50, D = 127, E = 2 up to 1310 ppi, and N = ppi × 5, E = 3 above.
fn resolution_box(ppi: u16) -> Vec<u8> {
    let ppi = u32::from(ppi.max(1));
    let (n, e) = if ppi * 50 <= u32::from(u16::MAX) {
        (ppi * 50, 2u8)
    } else {
        (ppi * 5, 3u8)
    };
    let n = u16::try_from(n).unwrap_or(u16::MAX).to_be_bytes();
    let d = 127u16.to_be_bytes();
    let mut b = Vec::with_capacity(26);
    b.extend_from_slice(&26u32.to_be_bytes());
    b.extend_from_slice(b"res ");
    b.extend_from_slice(&18u32.to_be_bytes());
    b.extend_from_slice(b"resc");
    // Vertical then horizontal.
    b.extend_from_slice(&n);
    b.extend_from_slice(&d);
    b.extend_from_slice(&n);
    b.extend_from_slice(&d);
    b.push(e);
    b.push(e);
    b
}

/// Top-level JP2 boxes: (type, start of the box, start of its contents, end).
fn boxes(data: &[u8]) -> impl Iterator<Item = ([u8; 4], usize, usize, usize)> + '_ {
    let mut pos = 0usize;
    std::iter::from_fn(move || {
        let header = data.get(pos..pos.checked_add(8)?)?;
        let len32 = u32::from_be_bytes([header[0], header[1], header[2], header[3]]);
        let kind = [header[4], header[5], header[6], header[7]];
        let (body, len) = match len32 {
            // To the end of the data.
            0 => (pos + 8, data.len() - pos),
            1 => {
                let ext = data.get(pos + 8..pos.checked_add(16)?)?;
                let len = u64::from_be_bytes(ext.try_into().ok()?);
                (pos + 16, usize::try_from(len).ok()?)
            }
            l => (pos + 8, usize::try_from(l).ok()?),
        };
        let end = pos
            .checked_add(len)
            .filter(|e| *e <= data.len() && *e >= body)?;
        let item = (kind, pos, body, end);
        pos = end;
        Some(item)
    })
}

/// Appends `child` to the contents of the JP2 header box and fixes its length.
fn insert_into_jp2h(file: &mut Vec<u8>, child: &[u8]) -> Result<(), Jp2Error> {
    let (start, body, end) = boxes(file)
        .find(|(kind, ..)| kind == b"jp2h")
        .map(|(_, s, b, e)| (s, b, e))
        .ok_or_else(|| Jp2Error::Encode("no JP2 header box in the encoder's output".into()))?;
    if body != start + 8 {
        return Err(Jp2Error::Encode(
            "JP2 header box with an extended length".into(),
        ));
    }
    let new_len = u32::try_from(end - start + child.len())
        .map_err(|_| Jp2Error::Encode("JP2 header box too long".into()))?;
    file.splice(end..end, child.iter().copied());
    file[start..start + 4].copy_from_slice(&new_len.to_be_bytes());
    Ok(())
}

/// The capture (or else display) resolution of a JP2 file in pixels per inch, if it gives a
/// horizontal one that makes sense.
fn read_ppi(file: &[u8]) -> Option<u16> {
    let (_, _, body, end) = boxes(file).find(|(kind, ..)| kind == b"jp2h")?;
    let header = &file[body..end];
    let (_, _, rbody, rend) = boxes(header).find(|(kind, ..)| kind == b"res ")?;
    let res = &header[rbody..rend];
    let found: Vec<_> = boxes(res).collect();
    let pick = |want: &[u8; 4]| {
        found
            .iter()
            .find(|(kind, ..)| kind == want)
            .and_then(|(_, _, b, e)| res.get(*b..*e))
            .filter(|c| c.len() == 10)
    };
    let c = pick(b"resc").or_else(|| pick(b"resd"))?;
    let hn = f64::from(u16::from_be_bytes([c[4], c[5]]));
    let hd = f64::from(u16::from_be_bytes([c[6], c[7]]));
    let he = i32::from(c[9] as i8);
    if hd == 0.0 {
        return None;
    }
    let ppm = hn / hd * 10f64.powi(he);
    let ppi = (ppm * 0.0254).round();
    (1.0..=f64::from(u16::MAX))
        .contains(&ppi)
        .then_some(ppi as u16)
}

/// Decodes a JP2 file or a raw J2K codestream of one grey component (precisions other than 8
/// bits are scaled to 8). Untrusted input: the size in the header is checked before any pixel
/// memory is allocated, and nothing in here panics.
pub fn decode(bytes: &[u8]) -> Result<GreyImage, Jp2Error> {
    let mut planes = decode_planes(bytes, Want::Grey)?;
    let (width, height) = (planes.width, planes.height);
    let grey = planes.planes.swap_remove(0);
    let img =
        GreyImage::from_pixels(width, height, grey).map_err(|e| Jp2Error::Decode(e.to_string()))?;
    Ok(img.with_ppi(planes.ppi.unwrap_or(500)))
}

/// An 8-bit RGB picture decoded from JPEG 2000, row by row, three bytes a pixel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RgbPicture {
    pub width: u32,
    pub height: u32,
    pub rgb: Vec<u8>,
}

/// Decodes a colour or grey JP2 file or raw J2K codestream to RGB, for showing a chip's
/// portrait (ICAO 9303-10 lets DG2 hold JPEG 2000, and many issuers use it). Takes one grey
/// component or three colour components (a fourth, alpha, and a second, grey alpha, are
/// dropped), each unsigned, of 1-16 bits, at full resolution; the colour space must be sRGB,
/// grey or unspecified (a codestream's own colour transform is undone by OpenJPEG). YCC
/// colour spaces and sub-sampled components are refused with [`Jp2Error::NotColour`] rather
/// than shown in wrong colours. Untrusted input, as [`decode`].
pub fn decode_rgb(bytes: &[u8]) -> Result<RgbPicture, Jp2Error> {
    let p = decode_planes(bytes, Want::Colour)?;
    let rgb = match p.planes.as_slice() {
        [g] => g.iter().flat_map(|v| [*v, *v, *v]).collect(),
        [r, g, b] => r
            .iter()
            .zip(g)
            .zip(b)
            .flat_map(|((r, g), b)| [*r, *g, *b])
            .collect(),
        _ => return Err(Jp2Error::Decode("no component decoded".into())),
    };
    Ok(RgbPicture {
        width: p.width,
        height: p.height,
        rgb,
    })
}

/// What [`decode_planes`] is asked for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Want {
    Grey,
    Colour,
}

/// The components a decode kept, each scaled to 8 bits at full resolution.
struct Planes {
    width: u32,
    height: u32,
    planes: Vec<Vec<u8>>,
    ppi: Option<u16>,
}

/// Which components of `comps` to keep (their count) for `want`, or why none can be.
fn components_to_keep(
    comps: &[opj::opj_image_comp_t],
    colour_space: i32,
    want: Want,
) -> Result<usize, Jp2Error> {
    let usable = |c: &opj::opj_image_comp_t| {
        c.sgnd == 0 && c.dx == 1 && c.dy == 1 && (1..=16).contains(&c.prec)
    };
    let described = |c: Option<&opj::opj_image_comp_t>| {
        (
            comps.len() as u32,
            c.map_or(0, |c| c.prec),
            c.is_some_and(|c| c.sgnd != 0),
            c.map_or(0, |c| c.dx),
            c.map_or(0, |c| c.dy),
        )
    };
    match want {
        Want::Grey => match comps {
            [c] if usable(c) => Ok(1),
            _ => {
                let (components, precision, signed, dx, dy) = described(comps.first());
                Err(Jp2Error::NotGrey {
                    components,
                    precision,
                    signed,
                    dx,
                    dy,
                })
            }
        },
        Want::Colour => {
            let keep = match comps.len() {
                1 | 2 => 1,
                3 | 4 => 3,
                _ => 0,
            };
            let bad = comps[..keep.min(comps.len())].iter().find(|c| !usable(c));
            // OPJ_CLRSPC_UNSPECIFIED 0, SRGB 1, GRAY 2; SYCC 3, EYCC 4, CMYK 5, UNKNOWN -1.
            let space_ok = match keep {
                1 => matches!(colour_space, 0 | 2),
                _ => matches!(colour_space, 0 | 1),
            };
            if keep == 0 || bad.is_some() || !space_ok {
                let (components, precision, signed, dx, dy) = described(bad.or(comps.first()));
                return Err(Jp2Error::NotColour {
                    components,
                    colour_space,
                    precision,
                    signed,
                    dx,
                    dy,
                });
            }
            Ok(keep)
        }
    }
}

fn decode_planes(bytes: &[u8], want: Want) -> Result<Planes, Jp2Error> {
    if bytes.len() > MAX_INPUT {
        return Err(Jp2Error::InputTooLarge(bytes.len()));
    }
    let (format, ppi) = if bytes.starts_with(&JP2_SIGNATURE) {
        (opj::CODEC_FORMAT::OPJ_CODEC_JP2, read_ppi(bytes))
    } else if bytes.starts_with(&J2K_START) {
        (opj::CODEC_FORMAT::OPJ_CODEC_J2K, None)
    } else {
        return Err(Jp2Error::NotJpeg2000);
    };
    let mut messages = Messages::default();
    let codec = Codec::new(format, true, &mut messages)
        .ok_or_else(|| Jp2Error::Decode("OpenJPEG has no decoder".into()))?;
    let stream = Stream::reader(bytes)
        .ok_or_else(|| Jp2Error::Decode("OpenJPEG stream not created".into()))?;
    let failed = |messages: &Messages| Jp2Error::Decode(messages.last());
    // SAFETY: `codec` and `stream` are live handles from OpenJPEG, the parameters are
    // initialised by OpenJPEG itself, and the image pointer is only used while non-null and
    // owned by `Image`, which destroys it once. The colour space is read as the C `int` it
    // is, so a value outside the Rust enum's cases is no undefined behaviour.
    unsafe {
        let mut params = std::mem::zeroed::<opj::opj_dparameters_t>();
        opj::opj_set_default_decoder_parameters(&mut params);
        if opj::opj_setup_decoder(codec.0.as_ptr(), &mut params) == 0 {
            return Err(failed(&messages));
        }
        opj::opj_decoder_set_strict_mode(codec.0.as_ptr(), 1);
        let mut raw: *mut opj::opj_image_t = ptr::null_mut();
        let ok = opj::opj_read_header(stream.0.as_ptr(), codec.0.as_ptr(), &mut raw);
        let image = Image::new(raw);
        if ok == 0 {
            return Err(failed(&messages));
        }
        let image = image.ok_or_else(|| failed(&messages))?;
        let header = &*image.0.as_ptr();
        let width = u64::from(header.x1.saturating_sub(header.x0));
        let height = u64::from(header.y1.saturating_sub(header.y0));
        if width == 0 || height == 0 || width > u64::from(MAX_SIDE) || height > u64::from(MAX_SIDE)
        {
            return Err(Jp2Error::Size { width, height });
        }
        let comps = if header.comps.is_null() {
            &[][..]
        } else {
            std::slice::from_raw_parts(header.comps, header.numcomps as usize)
        };
        let colour_space = ptr::addr_of!((*image.0.as_ptr()).color_space)
            .cast::<i32>()
            .read();
        let keep = components_to_keep(comps, colour_space, want)?;
        if opj::opj_decode(codec.0.as_ptr(), stream.0.as_ptr(), image.0.as_ptr()) == 0
            || opj::opj_end_decompress(codec.0.as_ptr(), stream.0.as_ptr()) == 0
        {
            return Err(failed(&messages));
        }
        let header = &*image.0.as_ptr();
        if (header.numcomps as usize) < keep || header.comps.is_null() {
            return Err(Jp2Error::Decode("no component decoded".into()));
        }
        let comps = std::slice::from_raw_parts(header.comps, keep);
        let n = width as usize * height as usize;
        let mut planes = Vec::with_capacity(keep);
        for c in comps {
            if c.data.is_null() || u64::from(c.w) != width || u64::from(c.h) != height {
                return Err(Jp2Error::Decode(format!(
                    "decoded component is {}×{}, the header said {width}×{height}",
                    c.w, c.h
                )));
            }
            let data = std::slice::from_raw_parts(c.data, n);
            let max = (1i64 << c.prec.clamp(1, 16)) - 1;
            planes.push(
                data.iter()
                    .map(|v| {
                        let v = i64::from(*v).clamp(0, max);
                        ((v * 255 + max / 2) / max) as u8
                    })
                    .collect(),
            );
        }
        Ok(Planes {
            width: width as u32,
            height: height as u32,
            planes,
            ppi,
        })
    }
}

/// One JP2 encode with the codestream aimed at `target` bytes.
fn encode_jp2(image: &GreyImage, target: usize) -> Result<Vec<u8>, Jp2Error> {
    let (w, h) = (image.width(), image.height());
    let raw = image.pixels().len();
    let mut messages = Messages::default();
    let failed = |messages: &Messages| Jp2Error::Encode(messages.last());
    // SAFETY: the image and codec are created and destroyed through their owners here; the
    // component data written is exactly w × h samples, which OpenJPEG allocated for the
    // component of that size; the output buffer outlives the stream that writes into it.
    unsafe {
        let mut comp = std::mem::zeroed::<opj::opj_image_cmptparm_t>();
        comp.dx = 1;
        comp.dy = 1;
        comp.w = w;
        comp.h = h;
        comp.prec = 8;
        comp.sgnd = 0;
        let img = Image::new(opj::opj_image_create(
            1,
            &mut comp,
            opj::COLOR_SPACE::OPJ_CLRSPC_GRAY,
        ))
        .ok_or_else(|| Jp2Error::Encode("OpenJPEG image not created".into()))?;
        {
            let i = &mut *img.0.as_ptr();
            i.x0 = 0;
            i.y0 = 0;
            i.x1 = w;
            i.y1 = h;
            let c = &mut *i.comps;
            if c.data.is_null() {
                return Err(Jp2Error::Encode("OpenJPEG image without data".into()));
            }
            let data = std::slice::from_raw_parts_mut(c.data, raw);
            for (d, p) in data.iter_mut().zip(image.pixels()) {
                *d = i32::from(*p);
            }
        }
        let mut params = std::mem::zeroed::<opj::opj_cparameters_t>();
        opj::opj_set_default_encoder_parameters(&mut params);
        params.irreversible = 1;
        params.tcp_numlayers = 1;
        params.cp_disto_alloc = 1;
        // Rate as a compression ratio over the 8-bit raw image; 0 codes every bit plane.
        params.tcp_rates[0] = if target >= raw {
            0.0
        } else {
            raw as f32 / target as f32
        };
        // Five decomposition levels (the 15444-1 default), fewer for a small image: each
        // level halves the lowest band, which must keep at least one sample.
        let min_side = w.min(h).max(1);
        params.numresolution = (min_side.ilog2() + 1).min(6) as i32;
        let codec = Codec::new(opj::CODEC_FORMAT::OPJ_CODEC_JP2, false, &mut messages)
            .ok_or_else(|| Jp2Error::Encode("OpenJPEG has no encoder".into()))?;
        if opj::opj_setup_encoder(codec.0.as_ptr(), &mut params, img.0.as_ptr()) == 0 {
            return Err(failed(&messages));
        }
        let mut out = WriteBuf {
            data: Vec::with_capacity(target + 512),
            pos: 0,
        };
        let stream = Stream::writer(&mut out)
            .ok_or_else(|| Jp2Error::Encode("OpenJPEG stream not created".into()))?;
        let ok = opj::opj_start_compress(codec.0.as_ptr(), img.0.as_ptr(), stream.0.as_ptr()) != 0
            && opj::opj_encode(codec.0.as_ptr(), stream.0.as_ptr()) != 0
            && opj::opj_end_compress(codec.0.as_ptr(), stream.0.as_ptr()) != 0;
        // opj_end_compress flushed the stream into `out`; it must be gone before `out` is read.
        drop(stream);
        if !ok {
            return Err(failed(&messages));
        }
        Ok(out.data)
    }
}

/// The error and warning messages OpenJPEG reports, kept for the error returned.
#[derive(Default)]
struct Messages(Vec<String>);

impl Messages {
    fn last(&self) -> String {
        self.0
            .last()
            .map(|m| m.trim().to_string())
            .unwrap_or_else(|| "OpenJPEG failed without a message".into())
    }
}

extern "C" fn on_error(msg: *const c_char, data: *mut c_void) {
    if msg.is_null() || data.is_null() {
        return;
    }
    // SAFETY: `data` is the `Messages` registered with the codec, which outlives it, and
    // OpenJPEG passes a NUL-terminated message.
    let (messages, text) = unsafe { (&mut *(data as *mut Messages), CStr::from_ptr(msg)) };
    if messages.0.len() < 16 {
        messages.0.push(text.to_string_lossy().into_owned());
    }
}

extern "C" fn ignore(_msg: *const c_char, _data: *mut c_void) {}

struct Codec(NonNull<opj::opj_codec_t>);

impl Codec {
    /// A codec whose errors go to `messages`, which must outlive it.
    fn new(format: opj::CODEC_FORMAT, decoder: bool, messages: &mut Messages) -> Option<Codec> {
        // SAFETY: creating a codec has no preconditions; the handlers get a pointer to
        // `messages`, which the caller keeps alive longer than the codec.
        unsafe {
            let raw = if decoder {
                opj::opj_create_decompress(format)
            } else {
                opj::opj_create_compress(format)
            };
            let codec = Codec(NonNull::new(raw)?);
            let data = messages as *mut Messages as *mut c_void;
            opj::opj_set_error_handler(codec.0.as_ptr(), Some(on_error), data);
            opj::opj_set_warning_handler(codec.0.as_ptr(), Some(ignore), ptr::null_mut());
            opj::opj_set_info_handler(codec.0.as_ptr(), Some(ignore), ptr::null_mut());
            Some(codec)
        }
    }
}

impl Drop for Codec {
    fn drop(&mut self) {
        // SAFETY: the codec was created by OpenJPEG and is destroyed once, here.
        unsafe { opj::opj_destroy_codec(self.0.as_ptr()) }
    }
}

struct Image(NonNull<opj::opj_image_t>);

impl Image {
    fn new(raw: *mut opj::opj_image_t) -> Option<Image> {
        NonNull::new(raw).map(Image)
    }
}

impl Drop for Image {
    fn drop(&mut self) {
        // SAFETY: the image was created by OpenJPEG and is destroyed once, here.
        unsafe { opj::opj_image_destroy(self.0.as_ptr()) }
    }
}

struct Stream(NonNull<opj::opj_stream_t>);

impl Drop for Stream {
    fn drop(&mut self) {
        // SAFETY: destroys the stream once (a reader's `ReadBuf` with it); a writer's buffer
        // is the caller's, kept alive until the stream is dropped.
        unsafe { opj::opj_stream_destroy(self.0.as_ptr()) }
    }
}

struct ReadBuf<'a> {
    data: &'a [u8],
    pos: usize,
}

struct WriteBuf {
    data: Vec<u8>,
    pos: usize,
}

/// The size of OpenJPEG's own stream buffer.
const STREAM_BUFFER: usize = 1 << 16;

impl Stream {
    /// A stream reading `data`, which must outlive it.
    fn reader(data: &[u8]) -> Option<Stream> {
        let user = Box::into_raw(Box::new(ReadBuf { data, pos: 0 }));
        // SAFETY: the stream owns `user` from here and frees it with `free_read`.
        unsafe {
            let Some(raw) = NonNull::new(opj::opj_stream_create(STREAM_BUFFER, 1)) else {
                drop(Box::from_raw(user));
                return None;
            };
            opj::opj_stream_set_user_data(raw.as_ptr(), user as *mut c_void, Some(free_read));
            opj::opj_stream_set_user_data_length(raw.as_ptr(), data.len() as u64);
            opj::opj_stream_set_read_function(raw.as_ptr(), Some(read));
            opj::opj_stream_set_skip_function(raw.as_ptr(), Some(read_skip));
            opj::opj_stream_set_seek_function(raw.as_ptr(), Some(read_seek));
            Some(Stream(raw))
        }
    }

    /// A stream writing into `out`, which must outlive it.
    fn writer(out: &mut WriteBuf) -> Option<Stream> {
        // SAFETY: `out` outlives the stream (the caller drops the stream first); nothing is
        // freed by the stream.
        unsafe {
            let raw = NonNull::new(opj::opj_stream_create(STREAM_BUFFER, 0))?;
            opj::opj_stream_set_user_data(raw.as_ptr(), out as *mut WriteBuf as *mut c_void, None);
            opj::opj_stream_set_write_function(raw.as_ptr(), Some(write));
            opj::opj_stream_set_skip_function(raw.as_ptr(), Some(write_skip));
            opj::opj_stream_set_seek_function(raw.as_ptr(), Some(write_seek));
            Some(Stream(raw))
        }
    }
}

extern "C" fn free_read(user: *mut c_void) {
    if !user.is_null() {
        // SAFETY: `user` is the box made in `Stream::reader`, freed once by OpenJPEG.
        drop(unsafe { Box::from_raw(user as *mut ReadBuf) });
    }
}

extern "C" fn read(buffer: *mut c_void, n: usize, user: *mut c_void) -> usize {
    if buffer.is_null() || user.is_null() {
        return usize::MAX;
    }
    // SAFETY: `user` is the stream's `ReadBuf`; OpenJPEG gives a buffer of `n` bytes.
    let src = unsafe { &mut *(user as *mut ReadBuf) };
    let rest = src.data.get(src.pos..).unwrap_or(&[]);
    if rest.is_empty() {
        return usize::MAX; // end of stream
    }
    let k = rest.len().min(n);
    let dst = unsafe { std::slice::from_raw_parts_mut(buffer as *mut u8, k) };
    dst.copy_from_slice(&rest[..k]);
    src.pos += k;
    k
}

extern "C" fn read_skip(n: i64, user: *mut c_void) -> i64 {
    // SAFETY: `user` is the stream's `ReadBuf`.
    let Some(src) = (unsafe { (user as *mut ReadBuf).as_mut() }) else {
        return -1;
    };
    match usize::try_from(n)
        .ok()
        .and_then(|n| src.pos.checked_add(n))
        .filter(|end| *end <= src.data.len())
    {
        Some(end) => {
            src.pos = end;
            n
        }
        None => -1,
    }
}

extern "C" fn read_seek(to: i64, user: *mut c_void) -> i32 {
    // SAFETY: `user` is the stream's `ReadBuf`.
    let Some(src) = (unsafe { (user as *mut ReadBuf).as_mut() }) else {
        return 0;
    };
    match usize::try_from(to).ok().filter(|t| *t <= src.data.len()) {
        Some(t) => {
            src.pos = t;
            1
        }
        None => 0,
    }
}

extern "C" fn write(buffer: *mut c_void, n: usize, user: *mut c_void) -> usize {
    if buffer.is_null() || user.is_null() {
        return usize::MAX;
    }
    // SAFETY: `user` is the stream's `WriteBuf`; OpenJPEG gives `n` bytes to write.
    let dst = unsafe { &mut *(user as *mut WriteBuf) };
    let src = unsafe { std::slice::from_raw_parts(buffer as *const u8, n) };
    let end = dst.pos + n;
    if dst.data.len() < end {
        dst.data.resize(end, 0);
    }
    dst.data[dst.pos..end].copy_from_slice(src);
    dst.pos = end;
    n
}

extern "C" fn write_skip(n: i64, user: *mut c_void) -> i64 {
    // SAFETY: `user` is the stream's `WriteBuf`.
    let Some(dst) = (unsafe { (user as *mut WriteBuf).as_mut() }) else {
        return -1;
    };
    match usize::try_from(n).ok().and_then(|n| dst.pos.checked_add(n)) {
        Some(end) => {
            dst.pos = end;
            n
        }
        None => -1,
    }
}

extern "C" fn write_seek(to: i64, user: *mut c_void) -> i32 {
    // SAFETY: `user` is the stream's `WriteBuf`.
    let Some(dst) = (unsafe { (user as *mut WriteBuf).as_mut() }) else {
        return 0;
    };
    match usize::try_from(to) {
        Ok(t) => {
            dst.pos = t;
            1
        }
        Err(_) => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolution_box_round_trips_through_read_ppi() {
        for ppi in [250u16, 500, 1000, 2000] {
            let img = GreyImage::filled(64, 48, 200).unwrap().with_ppi(ppi);
            let jp2 = encode(&img, 4000).unwrap();
            assert_eq!(read_ppi(&jp2), Some(ppi), "{ppi} ppi");
            assert_eq!(decode(&jp2).unwrap().ppi(), ppi);
        }
    }

    #[test]
    fn tiny_budget_is_refused() {
        let img = GreyImage::filled(64, 48, 200).unwrap();
        assert!(matches!(encode(&img, 10), Err(Jp2Error::Budget { .. })));
    }
}
