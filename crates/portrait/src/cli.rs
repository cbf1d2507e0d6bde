//! `idstation portrait …`: the lead's binary mounts [`PortraitCommand`] as a subcommand and
//! calls [`run`]. Errors print in Vietnamese and English (`PortraitError`'s `Display`).

use crate::{
    capture, read_image, Analysis, Analyzer, CaptureKind, CaptureSettings, CheckId, Outcome,
    OutputSpec, PortraitError, PortraitInfo,
};
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

/// Portrait commands.
#[derive(Debug, Clone, PartialEq, clap::Subcommand)]
pub enum PortraitCommand {
    /// Check one image against the ICAO portrait rules and print every check with its
    /// measured value (exit status non-zero when any check fails).
    Check {
        /// The image (JPEG, PNG, BMP, PPM).
        image: PathBuf,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// List the webcams (v4l:N) with the formats each offers.
    Cameras,
    /// Capture a portrait from a camera: when every check passes on K frames in a row, the
    /// sharpest is cropped to the ICAO token image and written as JPEG, with a sidecar
    /// (OUT with .json) holding the image type, the eye centres, the JPEG's SHA-256 and the
    /// checks, which `card personalize` uses for DG2.
    Capture {
        /// `virtual:DIR` (image files played as a stream) or `v4l:N` (webcam N).
        #[arg(long)]
        camera: String,
        /// The webcam's format, WIDTHxHEIGHT[@FPS] (default 640x480; the camera gets the
        /// closest it offers; see `portrait cameras`). v4l:N only.
        #[arg(long, value_parser = parse_format)]
        format: Option<camera::FrameFormat>,
        /// Where to write the token JPEG (for DG2); the sidecar goes beside it (.json).
        #[arg(long)]
        out: PathBuf,
        /// Where to write the full frame JPEG (for the local record).
        #[arg(long)]
        full: Option<PathBuf>,
        /// Compliant frames in a row before capturing.
        #[arg(long, default_value_t = 5)]
        frames: usize,
        /// Give up after this many frames.
        #[arg(long)]
        max_frames: Option<u64>,
        /// Largest token JPEG, bytes.
        #[arg(long, default_value_t = 20 * 1024)]
        budget: usize,
        /// Token image width, pixels (height is 4/3 of it).
        #[arg(long, default_value_t = 360)]
        width: u32,
        /// The officer's manual capture, with the reason kept in the sidecar: the first frame
        /// is checked and taken whatever the checks say (without a face found: a centred
        /// full frontal crop without eye points).
        #[arg(long)]
        manual_reason: Option<String>,
    },
}

fn parse_format(text: &str) -> Result<camera::FrameFormat, String> {
    camera::FrameFormat::parse(text).map_err(|e| e.to_string())
}

/// Runs a portrait command, printing to stdout (progress to stderr).
pub fn run(cmd: PortraitCommand) -> Result<(), PortraitError> {
    let mut out = std::io::stdout().lock();
    run_to(cmd, &mut out)
}

fn io(e: std::io::Error) -> PortraitError {
    PortraitError::Image(e.to_string())
}

/// [`run`] writing to `out` (for tests).
pub fn run_to(cmd: PortraitCommand, out: &mut dyn Write) -> Result<(), PortraitError> {
    match cmd {
        PortraitCommand::Check { image, json } => {
            let img = read_image(&image)?;
            let a = Analyzer::default().analyze(img.width(), img.height(), img.as_raw());
            if json {
                let v = serde_json::json!({
                    "passed": a.passed(),
                    "failed": a.failed(),
                    "analysis": a,
                });
                writeln!(
                    out,
                    "{}",
                    serde_json::to_string_pretty(&v)
                        .map_err(|e| PortraitError::Image(e.to_string()))?
                )
                .map_err(io)?;
            } else {
                print_table(&a, out).map_err(io)?;
            }
            if a.passed() {
                Ok(())
            } else {
                Err(PortraitError::NotCompliant(a.failed()))
            }
        }
        PortraitCommand::Cameras => list_cameras(out),
        PortraitCommand::Capture {
            camera,
            format,
            out: out_path,
            full,
            frames,
            max_frames,
            budget,
            width,
            manual_reason,
        } => {
            let info_path = PortraitInfo::path_for(&out_path);
            if info_path == out_path {
                return Err(PortraitError::Image(format!(
                    "--out {}: tên ảnh không được có đuôi .json / the portrait's name must not end in .json",
                    out_path.display()
                )));
            }
            // A virtual camera plays its files at their own size.
            if format.is_some() && !camera.starts_with("v4l:") {
                return Err(camera::CameraError::FixedFormat { device: camera }.into());
            }
            let cam = camera::open(&camera)?;
            let settings = CaptureSettings {
                k: frames,
                max_frames,
                manual_reason,
                output: OutputSpec {
                    width,
                    budget,
                    ..OutputSpec::default()
                },
                camera: camera::CaptureOptions {
                    format,
                    ..camera::CaptureOptions::default()
                },
            };
            let mut n = 0u64;
            let p = capture(
                cam,
                &mut Analyzer::default(),
                &settings,
                &AtomicBool::new(false),
                |a| {
                    n += 1;
                    let failed: Vec<&str> = a.failed().iter().map(|c| c.slug()).collect();
                    eprintln!(
                        "frame {n}: {}",
                        if failed.is_empty() {
                            "ok".to_string()
                        } else {
                            failed.join(", ")
                        }
                    );
                },
            )?;
            std::fs::write(&out_path, &p.jpeg).map_err(io)?;
            std::fs::write(&info_path, PortraitInfo::of(&p).to_json()).map_err(io)?;
            if let Some(full) = &full {
                std::fs::write(full, &p.full_frame_jpeg).map_err(io)?;
            }
            let eyes = match p.eyes {
                Some(((rx, ry), (lx, ly))) => format!("eyes right ({rx},{ry}) left ({lx},{ly})"),
                None => "full frontal, no eye points".to_string(),
            };
            let how = match &p.capture {
                CaptureKind::Auto { frames } => format!("auto, {frames} compliant frames"),
                CaptureKind::Manual { reason } => format!("manual: {reason}"),
            };
            writeln!(
                out,
                "{}: {}x{} JPEG, {} bytes, quality {}, {eyes} [{how}]; info {}",
                out_path.display(),
                p.width,
                p.height,
                p.jpeg.len(),
                p.quality,
                info_path.display()
            )
            .map_err(io)?;
            Ok(())
        }
    }
}

/// `portrait cameras`: each webcam with its formats; a camera that cannot be opened says
/// why and the others are still listed.
fn list_cameras(out: &mut dyn Write) -> Result<(), PortraitError> {
    if !camera::has_webcam_driver() {
        return Err(camera::CameraError::BackendMissing.into());
    }
    let cams = camera::list()?;
    if cams.is_empty() {
        writeln!(
            out,
            "Không tìm thấy webcam nào (không có /dev/video*): cắm camera USB / No webcams found (no /dev/video*): plug a USB camera in"
        )
        .map_err(io)?;
        return Ok(());
    }
    for c in cams {
        writeln!(out, "{}  {}", c.spec, c.description).map_err(io)?;
        match camera::open(&c.spec).and_then(|mut cam| cam.formats()) {
            Ok(formats) if formats.is_empty() => {
                writeln!(out, "    (không báo định dạng nào / reports no formats)").map_err(io)?
            }
            Ok(formats) => {
                for f in formats {
                    writeln!(out, "    {f}").map_err(io)?;
                }
            }
            Err(e) => writeln!(out, "    {e}").map_err(io)?,
        }
    }
    Ok(())
}

fn print_table(a: &Analysis, out: &mut dyn Write) -> std::io::Result<()> {
    let fmt = |v: Option<f32>| v.map_or("-".to_string(), |v| format!("{v:.1}"));
    for c in &a.checks {
        let limit = match (c.min, c.max) {
            (Some(lo), Some(hi)) if lo == hi => format!("= {lo}"),
            (Some(lo), Some(hi)) => format!("{lo:.1}..{hi:.1}"),
            (Some(lo), None) => format!(">= {lo:.1}"),
            (None, Some(hi)) => format!("<= {hi:.1}"),
            (None, None) => "-".into(),
        };
        let verdict = match c.outcome {
            Outcome::Pass => "PASS",
            Outcome::Fail => "FAIL",
            Outcome::NotMeasured => "N/A ",
        };
        writeln!(
            out,
            "{verdict} {:<17} {:>8}{:<4} limit {:<12} {} / {}",
            c.id.slug(),
            fmt(c.measured),
            c.id.unit(),
            limit,
            c.id.name_vi(),
            c.id.name_en()
        )?;
        if let Some(i) = &c.instruction {
            if c.outcome == Outcome::Fail {
                writeln!(out, "     -> {}", i.vi)?;
                writeln!(out, "     -> {}", i.en)?;
            }
        }
    }
    let failed: Vec<CheckId> = a.failed();
    writeln!(
        out,
        "{}",
        if a.passed() {
            "ĐẠT chuẩn ICAO / ICAO compliant".to_string()
        } else {
            format!(
                "KHÔNG ĐẠT / NOT COMPLIANT: {}",
                failed
                    .iter()
                    .map(|c| c.slug())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Idstation {
        #[command(subcommand)]
        portrait: PortraitCommand,
    }

    fn parse(args: &[&str]) -> PortraitCommand {
        Idstation::try_parse_from(std::iter::once("portrait").chain(args.iter().copied()))
            .unwrap()
            .portrait
    }

    fn testdata(name: &str) -> String {
        format!("{}/testdata/{name}", env!("CARGO_MANIFEST_DIR"))
    }

    #[test]
    fn check_prints_every_check_and_fails_a_masked_face() {
        let mut out = Vec::new();
        run_to(parse(&["check", &testdata("clean.jpg")]), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        for id in CheckId::ALL {
            assert!(text.contains(id.slug()), "{id:?} in {text}");
        }
        assert!(text.contains("ICAO compliant"));
        let mut out = Vec::new();
        let e = run_to(
            parse(&["check", &testdata("fail-lower_face-mask-blue.jpg")]),
            &mut out,
        )
        .unwrap_err();
        assert!(matches!(&e, PortraitError::NotCompliant(f) if f.contains(&CheckId::LowerFace)));
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("FAIL lower_face"), "{text}");
        assert!(text.contains("khẩu trang") && text.contains("mask off"));
        assert!(e.to_string().contains(" / "));
    }

    #[test]
    fn check_json_has_measured_values() {
        let mut out = Vec::new();
        run_to(
            parse(&["check", &testdata("clean.jpg"), "--json"]),
            &mut out,
        )
        .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["passed"], true);
        let checks = v["analysis"]["checks"].as_array().unwrap();
        assert_eq!(checks.len(), CheckId::ALL.len());
        assert!(checks.iter().all(|c| c["measured"].is_number()));
        assert_eq!(checks[0]["id"], "face_count");
        // A missing file is an error, not a panic.
        let e = run_to(parse(&["check", "/nonexistent.jpg"]), &mut Vec::new()).unwrap_err();
        assert!(matches!(e, PortraitError::Image(_)));
    }

    #[test]
    fn capture_from_a_virtual_folder_writes_the_token_and_the_full_frame() {
        let cam = tempfile::tempdir().unwrap();
        for i in 0..3 {
            std::fs::copy(testdata("clean.jpg"), cam.path().join(format!("{i}.jpg"))).unwrap();
        }
        let outdir = tempfile::tempdir().unwrap();
        let face = outdir.path().join("face.jpg");
        let full = outdir.path().join("frame.jpg");
        let cmd = parse(&[
            "capture",
            "--camera",
            &format!("virtual:{}", cam.path().display()),
            "--out",
            face.to_str().unwrap(),
            "--full",
            full.to_str().unwrap(),
            "--frames",
            "3",
        ]);
        let mut out = Vec::new();
        run_to(cmd, &mut out).unwrap();
        let jpeg = std::fs::read(&face).unwrap();
        assert!(jpeg.len() <= 20 * 1024);
        assert_eq!(image::load_from_memory(&jpeg).unwrap().width(), 360);
        assert_eq!(image::open(&full).unwrap().width(), 640);
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains("eyes right (135,216) left (225,216)"),
            "{text}"
        );
        // The sidecar says exactly what the capture knew, about this very JPEG.
        let info =
            PortraitInfo::parse(&std::fs::read_to_string(outdir.path().join("face.json")).unwrap())
                .unwrap();
        info.check(&jpeg).unwrap();
        assert_eq!(info.image_type, crate::InfoImageType::TokenFrontal);
        assert_eq!((info.width, info.height), (360, 480));
        assert_eq!(info.eye_centres(), Some(((135, 216), (225, 216))));
        assert_eq!(info.capture, CaptureKind::Auto { frames: 3 });
        assert_eq!(info.checks.len(), CheckId::ALL.len());
        assert!(info.checks.iter().all(|c| c.outcome == Outcome::Pass));
        assert_eq!(info.jpeg_sha256, crate::sha256_hex(&jpeg));
        // A portrait named .json would be overwritten by its own sidecar.
        let e = run_to(
            parse(&[
                "capture",
                "--camera",
                &format!("virtual:{}", cam.path().display()),
                "--out",
                outdir.path().join("face.json").to_str().unwrap(),
            ]),
            &mut Vec::new(),
        )
        .unwrap_err();
        assert!(matches!(e, PortraitError::Image(_)), "{e}");
        // A webcam that is not there, and a bad camera name.
        let e = run_to(
            parse(&[
                "capture",
                "--camera",
                "v4l:63",
                "--out",
                face.to_str().unwrap(),
            ]),
            &mut Vec::new(),
        )
        .unwrap_err();
        assert!(e.en().contains("v4l:63"), "{e}");
        let e = run_to(
            parse(&[
                "capture",
                "--camera",
                "usb",
                "--out",
                face.to_str().unwrap(),
            ]),
            &mut Vec::new(),
        )
        .unwrap_err();
        assert!(matches!(
            e,
            PortraitError::Camera(camera::CameraError::BadSpec(_))
        ));
    }

    #[test]
    fn manual_capture_takes_the_frame_and_keeps_the_reason_in_the_sidecar() {
        let cam = tempfile::tempdir().unwrap();
        std::fs::copy(
            testdata("fail-face_count-no_face.jpg"),
            cam.path().join("0.jpg"),
        )
        .unwrap();
        let outdir = tempfile::tempdir().unwrap();
        let face = outdir.path().join("face.jpg");
        let camera = format!("virtual:{}", cam.path().display());
        let args = |reason: &str| {
            parse(&[
                "capture",
                "--camera",
                &camera,
                "--out",
                face.to_str().unwrap(),
                "--manual-reason",
                reason,
            ])
        };
        let mut out = Vec::new();
        run_to(args("khách bị băng mặt / bandaged face"), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("full frontal, no eye points"), "{text}");
        assert!(
            text.contains("[manual: khách bị băng mặt / bandaged face]"),
            "{text}"
        );
        let jpeg = std::fs::read(&face).unwrap();
        let info =
            PortraitInfo::parse(&std::fs::read_to_string(outdir.path().join("face.json")).unwrap())
                .unwrap();
        info.check(&jpeg).unwrap();
        assert_eq!(info.image_type, crate::InfoImageType::FullFrontal);
        assert_eq!(info.eyes, None);
        assert_eq!(
            info.manual_reason(),
            Some("khách bị băng mặt / bandaged face")
        );
        assert!(info
            .checks
            .iter()
            .any(|c| c.check == CheckId::FaceCount && c.outcome == Outcome::Fail));
        // A manual capture needs a reason.
        std::fs::remove_file(&face).unwrap();
        assert_eq!(
            run_to(args("  "), &mut Vec::new()),
            Err(PortraitError::NoReason)
        );
        assert!(!face.exists());
    }

    #[test]
    fn cameras_lists_the_webcams_or_says_there_are_none() {
        let mut out = Vec::new();
        run_to(parse(&["cameras"]), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let nodes: Vec<String> = std::fs::read_dir("/dev")
            .unwrap()
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| n.starts_with("video"))
            .collect();
        if nodes.is_empty() {
            // These machines (and CI) have no /dev/video*.
            assert!(text.contains("No webcams found (no /dev/video*)"), "{text}");
            assert!(text.contains("Không tìm thấy webcam nào"), "{text}");
        } else {
            for n in nodes {
                let spec = format!("v4l:{}", n.trim_start_matches("video"));
                assert!(
                    text.lines().any(|l| l.starts_with(&spec)),
                    "{spec} in {text}"
                );
            }
        }
    }

    #[test]
    fn capture_takes_a_webcam_format_and_refuses_a_bad_one() {
        let parsed = parse(&[
            "capture",
            "--camera",
            "v4l:63",
            "--out",
            "f.jpg",
            "--format",
            "1280x720@15",
        ]);
        match &parsed {
            PortraitCommand::Capture {
                format: Some(f), ..
            } => {
                assert_eq!((f.width, f.height, f.fps), (1280, 720, 15))
            }
            c => panic!("{c:?}"),
        }
        // The format goes to the webcam, which is not there.
        let e = run_to(parsed, &mut Vec::new()).unwrap_err();
        assert!(
            matches!(
                e,
                PortraitError::Camera(camera::CameraError::NotFound { .. })
            ),
            "{e}"
        );
        // Bad text is a usage error (clap's exit status 2) in both languages.
        let e = Idstation::try_parse_from([
            "portrait", "capture", "--camera", "v4l:0", "--out", "f.jpg", "--format", "big",
        ])
        .err()
        .expect("refused");
        assert_eq!(e.exit_code(), 2);
        let msg = e.to_string();
        assert!(
            msg.contains("WIDTHxHEIGHT") && msg.contains("RỘNGxCAO"),
            "{msg}"
        );
        // A virtual camera plays its files at their own size: a format is refused.
        let e = run_to(
            parse(&[
                "capture",
                "--camera",
                "virtual:/x",
                "--out",
                "f.jpg",
                "--format",
                "640x480",
            ]),
            &mut Vec::new(),
        )
        .unwrap_err();
        assert!(
            matches!(
                e,
                PortraitError::Camera(camera::CameraError::FixedFormat { .. })
            ),
            "{e}"
        );
        assert!(e.is_bad_input());
        assert!(e.en().contains("v4l:N webcams only") && e.vi().contains("webcam v4l:SỐ"));
    }
}
