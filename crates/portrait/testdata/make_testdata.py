#!/usr/bin/env python3
"""Derives the portrait test images from the public-domain NASA astronaut photo that
scikit-image ships (skimage.data.astronaut(): Eileen Collins, NASA, public domain).

Run once (needs scikit-image, opencv-python-headless, pillow, numpy):
    python3 make_testdata.py
It writes the JPEG files beside itself. The output is deterministic up to the JPEG
encoder; the files are committed so the tests and CI need no Python.

Every frame is 640x480 like a webcam's. The clean portraits put the astronaut on a plain
light background (her studio backdrop, flag and shuttle removed by GrabCut); every failing
case changes one thing of a clean portrait.
"""
import os

import cv2
import numpy as np
import skimage.data
from PIL import Image, ImageDraw, ImageFilter

HERE = os.path.dirname(os.path.abspath(__file__))
W, H = 640, 480
BG = (222, 224, 226)  # plain light grey, as a studio backdrop
# Landmarks in the 512x512 source photo, measured by eye on a 3x zoom.
SRC_EYES = ((203.0, 101.0), (247.0, 103.0))  # subject's right (image left), left
SRC_FACE_CENTRE = (225.0, 120.0)


def person_alpha(src):
    """GrabCut foreground (the astronaut) as a float alpha in [0, 1], edges softened."""
    mask = np.full(src.shape[:2], cv2.GC_PR_BGD, np.uint8)
    mask[5:512, 25:375] = cv2.GC_PR_FGD
    mask[:, :12] = cv2.GC_BGD
    mask[:8, :] = cv2.GC_BGD
    mask[0:240, 380:] = cv2.GC_BGD  # the shuttle model
    mask[0:200, 0:95] = cv2.GC_BGD  # the flag beside her head
    mask[0:15, 100:140] = cv2.GC_BGD
    mask[70:190, 180:270] = cv2.GC_FGD  # her face
    mask[40:80, 170:290] = cv2.GC_FGD  # her hair
    mask[220:512, 120:330] = cv2.GC_FGD  # her suit
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    bgr = cv2.cvtColor(src, cv2.COLOR_RGB2BGR)
    cv2.grabCut(bgr, mask, None, bgd, fgd, 6, cv2.GC_INIT_WITH_MASK)
    fg = np.where((mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD), 1.0, 0.0)
    fg = cv2.morphologyEx(fg, cv2.MORPH_OPEN, np.ones((5, 5), np.uint8))
    return cv2.GaussianBlur(fg.astype(np.float32), (5, 5), 1.2)


def place(src, alpha, background, scale, centre, angle=0.0):
    """The person scaled by `scale` (and rotated by `angle` degrees about her face) with her
    face centre at `centre` of a WxH frame over `background`."""
    cx, cy = SRC_FACE_CENTRE
    m = cv2.getRotationMatrix2D((cx, cy), angle, scale)
    m[0, 2] += centre[0] - cx
    m[1, 2] += centre[1] - cy
    fg = cv2.warpAffine(src.astype(np.float32), m, (W, H), flags=cv2.INTER_AREA)
    a = cv2.warpAffine(alpha, m, (W, H), flags=cv2.INTER_LINEAR)[..., None]
    return background * (1 - a) + fg * a, m


def plain():
    return np.ones((H, W, 3), np.float32) * np.array(BG, np.float32)


def busy():
    rng = np.random.default_rng(4)
    img = Image.new("RGB", (W, H), (200, 180, 150))
    d = ImageDraw.Draw(img)
    for _ in range(160):
        x, y = rng.integers(0, W), rng.integers(0, H)
        w, h = rng.integers(10, 90), rng.integers(10, 90)
        colour = tuple(int(c) for c in rng.integers(0, 255, 3))
        d.rectangle([x, y, x + w, y + h], fill=colour)
    return np.asarray(img, np.float32)


def save(name, img):
    out = Image.fromarray(np.clip(img, 0, 255).round().astype(np.uint8))
    out.save(os.path.join(HERE, name), quality=90)


def transform(m, p):
    return (m[0, 0] * p[0] + m[0, 1] * p[1] + m[0, 2], m[1, 0] * p[0] + m[1, 1] * p[1] + m[1, 2])


def mask_polygon(m):
    """A surgical mask from the bridge of the nose to under the chin, in source coordinates."""
    pts = [(176, 112), (200, 106), (225, 104), (250, 106), (276, 112), (278, 150),
           (262, 178), (240, 192), (212, 192), (190, 178), (174, 150)]
    return [transform(m, p) for p in pts]


def masked(src, alpha, colour, name, scale=1.6, centre=(W / 2, 205), mirror=False):
    img, m = place(src, alpha, plain(), scale, centre)
    pil = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))
    d = ImageDraw.Draw(pil)
    d.polygon(mask_polygon(m), fill=colour)
    # Pleats, as on a surgical mask.
    shade = tuple(int(c * 0.85) for c in colour)
    for y in (135, 150, 165):
        a, b = transform(m, (180, y)), transform(m, (272, y))
        d.line([a, b], fill=shade, width=2)
    out = np.asarray(pil, np.float32)
    save(name, out[:, ::-1, :] if mirror else out)


def main():
    src = skimage.data.astronaut()
    alpha = person_alpha(src)
    clean, _ = place(src, alpha, plain(), 1.6, (W / 2, 205))
    save("clean.jpg", clean)
    save("clean-mirrored.jpg", clean[:, ::-1, :])
    closer, _ = place(src, alpha, plain(), 1.8, (W / 2 + 15, 240))
    save("clean-closer.jpg", closer)

    masked(src, alpha, (168, 204, 232), "fail-lower_face-mask-blue.jpg")
    masked(src, alpha, (240, 242, 244), "fail-lower_face-mask-white.jpg")
    masked(src, alpha, (120, 170, 140), "fail-lower_face-mask-green-closer.jpg", 1.8, (W / 2 + 15, 240))
    masked(src, alpha, (168, 204, 232), "fail-lower_face-mask-blue-mirrored.jpg", mirror=True)
    masked(src, alpha, (40, 40, 45), "fail-lower_face-mask-black-small.jpg", 1.3, (W / 2 - 30, 200))
    save("fail-exposure-dark.jpg", clean * 0.22)
    save("fail-exposure-overexposed.jpg", clean * 2.6 + 40)
    blurred = Image.fromarray(clean.astype(np.uint8)).filter(ImageFilter.GaussianBlur(4))
    save("fail-sharpness-blurred.jpg", np.asarray(blurred, np.float32))
    off, _ = place(src, alpha, plain(), 1.6, (W * 0.82, 205))
    save("fail-position-off_centre.jpg", off)
    rot, _ = place(src, alpha, plain(), 1.6, (W / 2, 205), angle=16)
    save("fail-roll-rotated.jpg", rot)
    small, _ = place(src, alpha, plain(), 0.9, (W / 2, 200))
    save("fail-face_size-too_small.jpg", small)
    noisy, _ = place(src, alpha, busy(), 1.6, (W / 2, 205))
    save("fail-background_plain-busy.jpg", noisy)
    two, _ = place(src, alpha, plain(), 1.1, (W * 0.28, 200))
    two, _ = place(src, alpha, two, 1.1, (W * 0.72, 200))
    save("fail-face_count-two_faces.jpg", two)
    empty = plain()
    save("fail-face_count-no_face.jpg", empty)
    # Eyes closed: skin-coloured lids over both eyes with a lash line.
    shut, m = place(src, alpha, plain(), 1.6, (W / 2, 205))
    pil = Image.fromarray(np.clip(shut, 0, 255).astype(np.uint8))
    d = ImageDraw.Draw(pil)
    for ex, ey in SRC_EYES:
        cx, cy = transform(m, (ex, ey))
        lid = tuple(int(c) for c in shut[int(cy + 14), int(cx)])  # skin just below the eye
        d.ellipse([cx - 15, cy - 8, cx + 15, cy + 8], fill=lid)
        d.arc([cx - 15, cy - 12, cx + 15, cy + 5], 20, 160, fill=(70, 50, 40), width=2)
    save("fail-eyes_open-closed.jpg", np.asarray(pil, np.float32))
    # Light from one side only: full on the image's left cheek, 45% on the right one.
    ramp = np.interp(np.arange(W), [0, 280, 360, W], [1.1, 1.1, 0.45, 0.45])[None, :, None]
    lit, _ = place(src, alpha, plain(), 1.6, (W / 2, 205))
    lit_person = lit * ramp
    a = place(np.zeros_like(src), alpha, np.zeros((H, W, 3), np.float32), 1.6, (W / 2, 205))[1]
    fgmask = cv2.warpAffine(alpha, a, (W, H))[..., None]
    save("fail-lighting-one_side.jpg", plain() * (1 - fgmask) + lit_person * fgmask)


if __name__ == "__main__":
    main()
