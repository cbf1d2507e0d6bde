#!/usr/bin/env bash
# Takes a screenshot of the real station window under Xvfb:
#   bash ui/screenshot.sh OUT.png
# SCREENSHOT_MORE=1 adds the portrait and fingerprint steps, SCREENSHOT_REPORT=1 the daily
# report, the supervisor's accounts and the checkpoint screen (OUT-report.png,
# OUT-accounts.png, OUT-checkpoint.png).
# Starts Xvfb on a free display (1366×768×24), prepares a scratch station on virtual
# devices (virtual camera playing the portrait test frames, libfprint's virtual_image
# sensor, the CUPS PDF queue, vpcd's first reader, test signing keys) with a vault holding
# one enrollment at the data step (the demo applicant), starts the app, logs in and
# resumes the enrollment with xdotool (keyboard only), saves the screen to OUT.png, and
# stops what it started.
# Every screen is read back with tesseract (Vietnamese model) before it counts: the
# Vietnamese strings it draws must be recognised, tone marks included, or the script fails
# naming what was not read (a glyph drawn as a box, a missing font, a refused log-in, a
# screen that did not open). OUT-queue.png is the queue right after the log-in; OUT*.txt
# hold what tesseract read; OUT-app.log the app's stdout and stderr.
# Installs what is missing (Debian, hil/deps build display xvfb ocr): the build's libraries,
# the window's X11/GL libraries, fonts-dejavu-core, xvfb, x11-apps (xwd), x11-utils,
# imagemagick, xdotool, tesseract-ocr and tesseract-ocr-vie. The card reader and printer
# show as ready when pcscd (bash hil/up) and cupsd (bash hil/cups-up) run; this script does
# not start them, the device panel shows what it finds.
set -euo pipefail
cd "$(dirname "$0")/.."

out="${1:?usage: bash ui/screenshot.sh OUT.png}"
case "$out" in /*) ;; *) out="$PWD/$out" ;; esac
mkdir -p "$(dirname "$out")"

# The build's libraries, the window's X11/GL libraries and fonts, Xvfb, xdotool, ImageMagick,
# tesseract with its Vietnamese data: what is missing, in one apt-get.
bash hil/deps build display xvfb ocr

cargo build -q --locked -p station --bin idstation-station --example seed_station
target="${CARGO_TARGET_DIR:-target}"
app="$target/debug/idstation-station"
seed="$target/debug/examples/seed_station"

work="$(mktemp -d /tmp/idstation-screenshot.XXXXXX)"
# The app's stdout and stderr, kept next to the screenshots.
log_keep="${out%.png}-app.log"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  [ -f "$work/app.log" ] && cp "$work/app.log" "$log_keep"
  rm -rf "$work"
}
trap cleanup EXIT

# The station: the same virtual devices as the UI tests.
mkdir -p "$work/frames" "$work/keys" "$work/out"
for i in 00 01; do cp crates/portrait/testdata/fail-lower_face-mask-blue.jpg "$work/frames/$i.jpg"; done
for i in 02 03 04 05 06 07; do cp crates/portrait/testdata/clean.jpg "$work/frames/$i.jpg"; done
cat > "$work/station.toml" <<TOML
station_id = "HN01"
station_name = "Công an phường Hàng Bạc"
reader = "Virtual PCD 00 00"
camera = "virtual:frames"
printer = "idstation-pdf"
keys = "keys"
fingers = ["right-index", "left-index"]
output_dir = "out"
TOML
officer="nguyenthilan"
password="mat-khau-tram-2026"
passphrase="screenshot-ds-passphrase"
"$seed" --station "$work/station.toml" --vault "$work/station.vault" \
  --officer "$officer" --password "$password" --record tests/data/record.json \
  --passphrase "$passphrase"

# Xvfb picks a free display itself (-displayfd) and writes its number once it accepts
# connections: a display left taken on the machine, or a slow first start, is then no
# failure. SCREENSHOT_DISPLAY=:N asks for that display instead. Three tries, each with its
# log kept; the script stops with the logs if none comes up.
start_xvfb() { # $1: try number; sets display and the Xvfb pid (last in pids)
  local log="$work/xvfb-$1.log"
  if [ -n "${SCREENSHOT_DISPLAY:-}" ]; then
    Xvfb "$SCREENSHOT_DISPLAY" -screen 0 1366x768x24 -nolisten tcp >"$log" 2>&1 &
    pids+=($!)
    display="$SCREENSHOT_DISPLAY"
  else
    : >"$work/display"
    Xvfb -displayfd 3 -screen 0 1366x768x24 -nolisten tcp 3>"$work/display" >"$log" 2>&1 &
    pids+=($!)
    for _ in $(seq 1 300); do
      [ -s "$work/display" ] && break
      kill -0 "${pids[-1]}" 2>/dev/null || break
      sleep 0.1
    done
    display=":$(tr -dc 0-9 <"$work/display" 2>/dev/null || true)"
  fi
  for _ in $(seq 1 300); do
    if [ "$display" != ":" ] && xdpyinfo -display "$display" >/dev/null 2>&1; then return 0; fi
    kill -0 "${pids[-1]}" 2>/dev/null || break
    sleep 0.1
  done
  kill "${pids[-1]}" 2>/dev/null || true
  return 1
}
up=""
for try in 1 2 3; do
  if start_xvfb "$try"; then up=1; break; fi
  echo "ui/screenshot.sh: Xvfb try $try did not come up (display '$display')" >&2
  sleep 1
done
if [ -z "$up" ]; then
  for f in "$work"/xvfb-*.log; do echo "== $f" >&2; cat "$f" >&2; done
  exit 1
fi
xvfb="${pids[-1]}"
echo "ui/screenshot.sh: Xvfb up on $display"
export DISPLAY="$display"
unset WAYLAND_DISPLAY
# Mesa's software renderer: there is no GPU under Xvfb.
export LIBGL_ALWAYS_SOFTWARE=1

start=$(date +%s%N)
# libfprint's virtual sensor (nobody feeds it here; it is there, as the device panel shows).
IDSTATION_DS_PASSPHRASE="$passphrase" FP_VIRTUAL_IMAGE="$work/fp.socket" \
  "$app" --station "$work/station.toml" --vault "$work/station.vault" >"$work/app.log" 2>&1 &
pids+=($!)
win=""
for _ in $(seq 1 600); do
  win="$(xdotool search --name 'idstation' 2>/dev/null | head -1 || true)"
  [ -n "$win" ] && break
  sleep 0.05
done
if [ -z "$win" ]; then
  echo "ui/screenshot.sh: no window appeared on $display; the app's log:" >&2
  cat "$work/app.log" >&2
  kill -0 "$xvfb" 2>/dev/null || echo "ui/screenshot.sh: Xvfb ($xvfb) is no longer running" >&2
  for f in "$work"/xvfb-*.log; do echo "== $f" >&2; cat "$f" >&2; done
  exit 1
fi
echo "ui/screenshot.sh: window up after $(( ($(date +%s%N) - start) / 1000000 )) ms"

shot() {
  xwd -root -silent -display "$display" | /usr/bin/convert xwd:- "png:$1"
}

# Reading the screen back: tesseract's Vietnamese model on the screenshot enlarged twice
# (egui's 14 px text is small for it), sparse text (labels, buttons and fields, not a page).
# Each screen must show Vietnamese strings it is known to draw, tone marks included; a glyph
# drawn as an empty box, a missing font or a screen that never opened leaves them unread.
ocr() { # PNG: the text read, whitespace collapsed to single spaces
  /usr/bin/convert "$1" -resize 200% "$work/ocr-in.png"
  tesseract "$work/ocr-in.png" stdout -l vie --psm 11 2>/dev/null | tr -s ' \t\n' '   '
}
# screen WHAT OUT.png STRING...: waits (up to 20 s, SCREEN_WAIT) until the screen shows
# every STRING, then keeps that screenshot as OUT.png and tesseract's text as OUT.txt.
# Fails with what was read, the screenshot and the app's log when a STRING never shows
# (with SCREEN_SOFT=1 it returns 1 instead).
screen() {
  local what="$1" png="$2" text missing
  shift 2
  local deadline=$((SECONDS + ${SCREEN_WAIT:-20}))
  while :; do
    shot "$work/screen.png"
    text=$(ocr "$work/screen.png")
    missing=()
    # Compared without spaces: tesseract sometimes runs two words together ("Máyin").
    for want in "$@"; do
      [[ "${text// /}" == *"${want// /}"* ]] || missing+=("$want")
    done
    [ ${#missing[@]} -eq 0 ] && break
    if [ "$SECONDS" -ge "$deadline" ]; then
      [ -n "${SCREEN_SOFT:-}" ] && return 1
      # An intermediate screen (kept in $work) is saved next to OUT.png for the post-mortem.
      case "$png" in "$work"/*) png="${out%.png}-failed-${png##*/}" ;; esac
      cp "$work/screen.png" "$png"
      printf '%s\n' "$text" >"${png%.png}.txt"
      echo "ui/screenshot.sh: $what: never read on the screen: $(printf '"%s" ' "${missing[@]}")" >&2
      echo "ui/screenshot.sh: the screen is in $png, what tesseract read in ${png%.png}.txt:" >&2
      printf '%s\n' "$text" >&2
      echo "ui/screenshot.sh: the app's log ($log_keep):" >&2
      cat "$work/app.log" >&2
      exit 1
    fi
    sleep 0.5
  done
  cp "$work/screen.png" "$png"
  printf '%s\n' "$text" >"${png%.png}.txt"
  echo "ui/screenshot.sh: $what: saved $png (read: $(printf '"%s" ' "$@"))"
}

# Keys one at a time, each given time to be handled: egui moves the focus once per frame,
# so Tabs sent together collapse into one, and text typed right after a Tab can still go to
# the field the Tab left.
keys() {
  local k
  for k in "$@"; do
    xdotool key "$k"
    sleep 0.3
  done
}

# Log in (the name field has the focus), then resume the enrollment at the data step.
# No window manager runs under Xvfb: give the window the keyboard focus directly.
screen "the log-in screen" "$work/login.png" "Đăng nhập" "Tên cán bộ" "Mật khẩu"
xdotool windowfocus --sync "$win"
sleep 0.3
xdotool type --delay 20 "$officer"
sleep 0.3
keys Tab
xdotool type --delay 20 "$password"
sleep 0.3
keys Return
# Logged in: the queue, and the header's log-out button that only a logged-in officer has
# (a refused log-in stays on the log-in screen with its message).
screen "the queue after the log-in" "${out%.png}-queue.png" \
  "Hàng chờ" "Hồ sơ đang dở" "Tài khoản cán bộ" "Đăng xuất" "$officer"

# Then (SCREENSHOT_REPORT=1) from the queue: the daily report (Tab past Resume to Daily
# report), back to the queue, the supervisor's accounts, and the checkpoint screen with a
# partial QR code verified. Keyboard only: Tab / Shift+Tab move the focus, Enter presses.
if [ -n "${SCREENSHOT_REPORT:-}" ]; then
  keys Tab Tab Return
  screen "the daily report" "${out%.png}-report.png" \
    "Báo cáo ngày" "Thẻ đã cấp" "Thời gian trung bình mỗi bước" "Tiến độ chiến dịch"
  # The report's focus is on "← Queue".
  keys Return
  screen "the queue" "$work/queue.png" "Hàng chờ" "Hồ sơ đang dở"
  # The supervisor's accounts screen: Tab past New applicant, Resume and Daily report.
  keys Tab Tab Tab Return
  screen "the officer accounts" "${out%.png}-accounts.png" \
    "Tài khoản cán bộ" "Tên đăng nhập" "Trưởng ca" "Tài khoản mới"
  # Its focus is on "← Queue".
  keys Return
  screen "the queue" "$work/queue.png" "Hàng chờ" "Hồ sơ đang dở"
  # The header's mode switch (Kiểm soát), by the keyboard: from New applicant, Shift+Tab
  # goes back through the device panel's button, Tiếng Việt, English, Log out, to it.
  # (SCREENSHOT_MODE_KEYS / SCREENSHOT_ENROLL_KEYS override the keys if the layout changes;
  # the screen reached is checked either way.)
  # shellcheck disable=SC2086
  keys ${SCREENSHOT_MODE_KEYS:-shift+Tab shift+Tab shift+Tab shift+Tab shift+Tab} Return
  screen "the checkpoint screen" "$work/checkpoint-empty.png" \
    "Kiểm soát ra vào" "Lượt qua chốt hôm nay"
  xdotool type --delay 20 "001234567890|Nguyen Van A"
  sleep 0.3
  keys Return
  screen "the checkpoint screen after a partial QR code" "${out%.png}-checkpoint.png" \
    "Kiểm soát ra vào" "Lượt qua chốt hôm nay" "Số định danh" "thiếu Họ, chữ đệm và tên khai sinh"
  # After the answer the focus is back in the QR field (the screen's first field); Escape
  # takes it away (egui drops a field's focus on Escape), and Tab starts again at the first
  # widget, the header's Cấp thẻ (enrollment mode).
  # shellcheck disable=SC2086
  keys ${SCREENSHOT_ENROLL_KEYS:-Escape Tab} Return
  screen "the queue" "$work/queue.png" "Hàng chờ" "Hồ sơ đang dở"
fi

# The queue's focus is on "New applicant"; Tab reaches the unfinished enrollment's Resume.
keys Tab Return
screen "the data step" "$out" \
  "Thông tin" "Ảnh chân dung" "Vân tay" "Họ, chữ đệm và tên khai sinh" "Nguyễn Văn An"

# Then (SCREENSHOT_MORE=1) the portrait step: Alt+N validates and goes on, Enter presses the
# focused Capture, and the virtual camera's frames run through the checks until the
# portrait is taken.
if [ -n "${SCREENSHOT_MORE:-}" ]; then
  keys alt+n
  if ! SCREEN_WAIT=10 SCREEN_SOFT=1 screen "the portrait step" "$work/portrait-start.png" "Kiểm tra ảnh (ICAO)"; then
    # Seen in one of four runs here: Alt+N validated the form ("Thông tin hợp lệ") and stayed on
    # the data step. Said here, and pressed once more as an officer would.
    echo "ui/screenshot.sh: WARNING: Alt+N on the data step validated the data but did not go on to the portrait; pressing Alt+N again" >&2
    keys alt+n
    screen "the portrait step" "$work/portrait-start.png" "Kiểm tra ảnh (ICAO)"
  fi
  keys Return
  screen "the portrait taken" "${out%.png}-portrait.png" \
    "Ảnh chân dung" "Kiểm tra ảnh (ICAO)" "Ảnh đã chụp"
  # The fingerprint step, in English (Alt+L): the station's Vietnamese name and the
  # language switch stay Vietnamese.
  keys alt+n
  screen "the fingerprint step" "$work/fingers-vi.png" "Mười ngón"
  keys alt+l
  screen "the fingerprint step in English" "${out%.png}-fingerprints-en.png" \
    "The ten fingers" "Tiếng Việt" "Hàng Bạc"
fi

# The app's own log: no font with Vietnamese glyphs means tone marks drawn by egui's
# fallback fonts, if at all.
if grep -q "no font with Vietnamese coverage" "$work/app.log"; then
  echo "ui/screenshot.sh: the app found no font with Vietnamese coverage:" >&2
  cat "$work/app.log" >&2
  exit 1
fi
