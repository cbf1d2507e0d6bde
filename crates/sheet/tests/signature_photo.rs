//! The signed sheet photographed through the station's camera trait: the information sheet
//! rendered to a page image (pdftoppm, as a photo of the paper would show it), played by the
//! virtual camera, kept with the signature step.

use sheet::{Application, Fonts, InfoSheet, Printed, SignatureError, SignatureStep};
use std::process::Command;
use std::time::Duration;

#[test]
fn the_signed_sheet_is_photographed_through_the_camera() {
    let dir = tempfile::tempdir().unwrap();
    let record =
        citizen::CitizenRecord::from_json(include_str!("../../citizen/testdata/sample.json"))
            .unwrap();
    let fonts = Fonts::system().unwrap();
    let pdf = sheet::render_sheet(
        &fonts,
        &InfoSheet {
            record,
            portrait_jpeg: None,
            fingers: vec![],
            application: Application {
                number: "HS-2026-000001".into(),
                station: "Công an phường Hàng Bạc".into(),
                officer: "Lê Minh".into(),
                date: time::macros::date!(2026 - 11 - 23),
            },
        },
    )
    .unwrap();
    let pdf_path = dir.path().join("sheet.pdf");
    std::fs::write(&pdf_path, pdf).unwrap();
    let frames = dir.path().join("frames");
    std::fs::create_dir_all(&frames).unwrap();
    let ok = Command::new("pdftoppm")
        .args(["-r", "60", "-f", "1", "-l", "1", "-png"])
        .arg(&pdf_path)
        .arg(frames.join("page"))
        .status()
        .expect("pdftoppm (poppler-utils) is needed")
        .success();
    assert!(ok);

    let mut step = SignatureStep::new();
    let mut cam = camera::open(&format!("virtual:{}", frames.display())).unwrap();
    // Not before the sheet is printed and signed.
    assert_eq!(
        step.photograph_signed_sheet(cam.as_mut(), Duration::from_secs(5)),
        Err(SignatureError::NotPrinted)
    );
    step.printed(Printed {
        printer: "idstation-pdf".into(),
        job_id: 7,
    })
    .unwrap();
    step.confirm_signed().unwrap();
    step.photograph_signed_sheet(cam.as_mut(), Duration::from_secs(5))
        .unwrap();
    let signed = step.signed().unwrap();
    let photo = signed.photo_jpeg.expect("photo kept");
    let info = iso19794::jpeg_info(&photo).unwrap();
    // The photo is the page the camera saw (A4 at 60 dpi, about 496 × 702).
    let page_path = std::fs::read_dir(&frames)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let png = iso19794::png_info(&std::fs::read(&page_path).unwrap()).unwrap();
    assert_eq!(
        (u32::from(info.width), u32::from(info.height)),
        (png.width, png.height)
    );
    assert!((490..=500).contains(&png.width), "{}", png.width);

    // A camera that is gone is a clear error, and the step keeps no photo.
    let mut step = SignatureStep::new();
    step.printed(Printed {
        printer: "idstation-pdf".into(),
        job_id: 8,
    })
    .unwrap();
    step.confirm_signed().unwrap();
    let vanishing = dir.path().join("vanishing");
    std::fs::create_dir_all(&vanishing).unwrap();
    std::fs::copy(&page_path, vanishing.join("page.png")).unwrap();
    let mut cam = camera::open(&format!("virtual:{}", vanishing.display())).unwrap();
    std::fs::remove_dir_all(&vanishing).unwrap();
    let e = step
        .photograph_signed_sheet(cam.as_mut(), Duration::from_secs(1))
        .unwrap_err();
    assert!(matches!(e, SignatureError::Camera(..)), "{e}");
    assert!(step.signed().unwrap().photo_jpeg.is_none());
}
