#!/usr/bin/env bash
# Takes a screenshot of the real station window under Xvfb:
#   bash ui/screenshot.sh OUT.png
# SCREENSHOT_MORE=1 adds the portrait and fingerprint steps, SCREENSHOT_REPORT=1 the daily
# report, the supervisor's accounts and the checkpoint screen (OUT-report.png,
# OUT-accounts.png, OUT-checkpoint.png).
# Starts Xvfb on a free display (1366×768×24), prepares a scratch station on virtual devices (virtual
# camera playing the portrait test frames, libfprint's virtual_image sensor, the CUPS PDF
# queue, vpcd's first reader, test signing keys) with a vault holding one enrollment at the
# data step (the demo applicant), starts the app, logs in
# and resumes the enrollment with xdotool, saves the screen to OUT.png, and stops what it
# started. Installs what is missing (Debian, hil/deps build display xvfb): the build's
# libraries, the window's X11/GL libraries, fonts-dejavu-core, xvfb, x11-apps (xwd),
# x11-utils, imagemagick, xdotool. The card reader and printer show as ready when pcscd
# (bash hil/up) and cupsd (bash hil/cups-up) run; this script does not start them, the
# device panel shows what it finds.
set -euo pipefail
cd "$(dirname "$0")/.."

out="${1:?usage: bash ui/screenshot.sh OUT.png}"
case "$out" in /*) ;; *) out="$PWD/$out" ;; esac
mkdir -p "$(dirname "$out")"

# The build's libraries, the window's X11/GL libraries and fonts, Xvfb, xdotool, ImageMagick:
# what is missing, in one apt-get.
bash hil/deps build display xvfb

cargo build -q --locked -p station --bin idstation-station --example seed_station
target="${CARGO_TARGET_DIR:-target}"
app="$target/debug/idstation-station"
seed="$target/debug/examples/seed_station"

work="$(mktemp -d /tmp/idstation-screenshot.XXXXXX)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
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

# Log in (the name field has the focus), then resume the enrollment at the data step.
# No window manager runs under Xvfb: give the window the keyboard focus directly.
sleep 1.5
xdotool windowfocus --sync "$win"
sleep 0.3
xdotool type --delay 20 "$officer"
xdotool key Tab
xdotool type --delay 20 "$password"
xdotool key Return
sleep 2.5

shot() {
  xwd -root -silent -display "$display" | /usr/bin/convert xwd:- "png:$1"
  echo "ui/screenshot.sh: saved $1"
}

# Then (SCREENSHOT_REPORT=1) from the queue: the daily report (Tab past Resume to Daily
# report), back to the queue, and the checkpoint screen with a partial QR code verified.
if [ -n "${SCREENSHOT_REPORT:-}" ]; then
  xdotool key Tab Tab
  sleep 0.3
  xdotool key Return
  sleep 2
  shot "${out%.png}-report.png"
  # The report's focus is on "← Queue".
  xdotool key Return
  sleep 1
  # The supervisor's accounts screen: Tab past New applicant, Resume and Daily report.
  xdotool key Tab Tab Tab
  sleep 0.3
  xdotool key Return
  sleep 1.5
  shot "${out%.png}-accounts.png"
  # Its focus is on "← Queue".
  xdotool key Return
  sleep 1
  # The header's mode switch (Kiểm soát), by the pointer.
  xdotool mousemove --window "$win" "${SCREENSHOT_MODE_X:-516}" "${SCREENSHOT_MODE_Y:-16}" click 1
  sleep 1.5
  xdotool type --delay 20 "001234567890|Nguyen Van A"
  xdotool key Return
  sleep 2
  shot "${out%.png}-checkpoint.png"
  xdotool mousemove --window "$win" "${SCREENSHOT_ENROLL_X:-435}" "${SCREENSHOT_ENROLL_Y:-16}" click 1
  sleep 1.5
fi

# The queue's focus is on "New applicant"; Tab reaches the unfinished enrollment's Resume.
xdotool key Tab
sleep 0.3
xdotool key Return
sleep 2.5

shot "$out"

# Then (SCREENSHOT_MORE=1) the portrait step: Alt+N validates and goes on, Enter presses the focused Capture,
# and the virtual camera's frames run through the checks until the portrait is taken.
if [ -n "${SCREENSHOT_MORE:-}" ]; then
  xdotool key alt+n
  sleep 1.5
  xdotool key Return
  sleep 4
  shot "${out%.png}-portrait.png"
  # The fingerprint step, in English (Alt+L).
  xdotool key alt+n
  sleep 1.5
  xdotool key alt+l
  sleep 1
  shot "${out%.png}-fingerprints-en.png"
fi
