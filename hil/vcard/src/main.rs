//! vcard: a virtual ID card for hardware-in-the-loop tests. A `vchip::VirtualChip` connects
//! to Debian's vsmartcard-vpcd driver inside the real pcscd, so the station talks to it
//! through PC/SC exactly as to a card on a reader.
//!
//! vpcd protocol: every message is a 2-byte big-endian length then the bytes. A 1-byte
//! message is a control: 0 power off, 1 power on, 2 reset, 4 "send your ATR" (answered with
//! the ATR). Anything longer is a command APDU, answered with the response APDU.
//!
//! Exit codes: 0 normal end (card pulled by --pull-after), 1 connection errors (vpcd not
//! listening, or it closed the connection), 2 bad arguments or card file.

use clap::Parser;
use profiles::Profile;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};
use vchip::{FaultAction, Faults, VirtualChip};

#[derive(Parser, Debug)]
#[command(
    name = "vcard",
    version,
    about = "Virtual ID card for pcscd's vpcd reader / thẻ căn cước ảo cho đầu đọc vpcd của pcscd"
)]
struct Args {
    /// Firmware profile: a built-in name (vn-citizen-card, jmrtd-passport-applet) or a TOML file.
    #[arg(long)]
    profile: String,
    /// Where vpcd listens ("Virtual PCD 00 00" on 35963, "00 01" on 35964).
    #[arg(long, default_value = "127.0.0.1:35963")]
    vpcd: String,
    /// Card file: loaded if it exists (else the card starts blank) and saved atomically after
    /// every command that changes the card, so the written card can be re-inserted later.
    #[arg(long)]
    card: Option<PathBuf>,
    /// Answer commands 1..=N, then leave the reader (exit 0). 0 = leave before the first command.
    #[arg(long, value_name = "N")]
    pull_after: Option<u64>,
    /// Answer command N with status word SW (hex) without processing it. Repeatable.
    #[arg(long = "sw-at", value_name = "N:SW", value_parser = vchip::parse_sw_at)]
    sw_at: Vec<(u64, u16)>,
    /// Sleep this long before every answer to a command.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    delay_ms: u64,
    /// Keep retrying the connection to vpcd this long.
    #[arg(long, value_name = "MS", default_value_t = 10_000)]
    connect_timeout_ms: u64,
    /// Log each command's INS and lengths (never data) to stderr.
    #[arg(long)]
    verbose: bool,
}

const EXIT_CONNECTION: u8 = 1;
const EXIT_USAGE: u8 = 2;

fn fail(code: u8, vi: &str, en: &str) -> ExitCode {
    eprintln!("vcard: {vi} / {en}");
    ExitCode::from(code)
}

fn main() -> ExitCode {
    let args = Args::parse();
    let profile = match Profile::load(&args.profile) {
        Ok(p) => p,
        Err(e) => {
            return fail(
                EXIT_USAGE,
                "không nạp được cấu hình thẻ",
                &format!("cannot load firmware profile: {e}"),
            )
        }
    };
    let chip = match &args.card {
        Some(path) if path.exists() => {
            match VirtualChip::load_from_with_profile(path, profile.clone()) {
                Ok(chip) => chip,
                Err(e) => {
                    return fail(
                        EXIT_USAGE,
                        &format!("tệp thẻ {} không dùng được", path.display()),
                        &format!("cannot use card file {}: {e}", path.display()),
                    )
                }
            }
        }
        _ => VirtualChip::blank(profile),
    };
    let faults = Faults {
        pull_after: args.pull_after,
        sw_at: args.sw_at.clone(),
        delay: Duration::from_millis(args.delay_ms),
    };
    let (stream, addr) = match connect(&args.vpcd, Duration::from_millis(args.connect_timeout_ms)) {
        Ok(s) => s,
        Err(e) => {
            return fail(
                EXIT_CONNECTION,
                &format!("không kết nối được vpcd tại {}", args.vpcd),
                &format!("cannot connect to vpcd at {}: {e}", args.vpcd),
            )
        }
    };
    eprintln!(
        "vcard: card inserted in vpcd {addr} (profile {}) / đã cắm thẻ vào vpcd",
        chip.profile().name
    );
    let mut card = Card {
        chip,
        faults,
        path: args.card.clone(),
        verbose: args.verbose,
        commands: 0,
    };
    card.run(stream)
}

/// Retries until vpcd listens or the timeout passes.
fn connect(target: &str, timeout: Duration) -> io::Result<(TcpStream, SocketAddr)> {
    let deadline = Instant::now() + timeout;
    loop {
        let attempt = target.to_socket_addrs().and_then(|addrs| {
            let mut last = io::Error::new(io::ErrorKind::InvalidInput, "no address");
            for addr in addrs {
                let left = deadline
                    .saturating_duration_since(Instant::now())
                    .clamp(Duration::from_millis(50), Duration::from_secs(1));
                match TcpStream::connect_timeout(&addr, left) {
                    Ok(s) => return Ok((s, addr)),
                    Err(e) => last = e,
                }
            }
            Err(last)
        });
        match attempt {
            Ok((stream, addr)) => {
                stream.set_nodelay(true)?;
                quickack(&stream);
                return Ok((stream, addr));
            }
            Err(e) if e.kind() == io::ErrorKind::InvalidInput => return Err(e),
            Err(e) => {
                if Instant::now() >= deadline {
                    return Err(e);
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
}

/// Linux clears TCP_QUICKACK by itself after a while; without re-arming it after every
/// read, delayed ACKs add ~40 ms to each APDU through vpcd (measured).
#[cfg(target_os = "linux")]
fn quickack(stream: &TcpStream) {
    use std::os::fd::AsRawFd;
    let one: libc::c_int = 1;
    // SAFETY: a valid socket descriptor owned by `stream`, and a c_int option value whose
    // size is passed alongside.
    unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_QUICKACK,
            &one as *const libc::c_int as *const libc::c_void,
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        );
    }
}

#[cfg(not(target_os = "linux"))]
fn quickack(_stream: &TcpStream) {}

struct Card {
    chip: VirtualChip,
    faults: Faults,
    path: Option<PathBuf>,
    verbose: bool,
    commands: u64,
}

enum Frame {
    Message(Vec<u8>),
    Closed,
}

fn read_frame(stream: &mut TcpStream) -> io::Result<Frame> {
    let mut len = [0u8; 2];
    match stream.read_exact(&mut len) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(Frame::Closed),
        Err(e) => return Err(e),
    }
    quickack(stream);
    // At most 65535 bytes: the length field bounds the allocation.
    let mut body = vec![0u8; u16::from_be_bytes(len) as usize];
    stream.read_exact(&mut body)?;
    quickack(stream);
    Ok(Frame::Message(body))
}

/// Length and body in one write: two writes would wait on Nagle or a delayed ACK.
fn write_frame(stream: &mut TcpStream, body: &[u8]) -> io::Result<()> {
    let len = u16::try_from(body.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "frame too long"))?;
    let mut frame = Vec::with_capacity(body.len() + 2);
    frame.extend_from_slice(&len.to_be_bytes());
    frame.extend_from_slice(body);
    stream.write_all(&frame)
}

impl Card {
    fn run(&mut self, mut stream: TcpStream) -> ExitCode {
        loop {
            let msg = match read_frame(&mut stream) {
                Ok(Frame::Message(m)) => m,
                Ok(Frame::Closed) => {
                    return fail(
                        EXIT_CONNECTION,
                        "vpcd đã đóng kết nối (pcscd dừng?)",
                        "vpcd closed the connection (pcscd stopped?)",
                    )
                }
                Err(e) => {
                    return fail(
                        EXIT_CONNECTION,
                        "mất kết nối với vpcd",
                        &format!("connection to vpcd lost: {e}"),
                    )
                }
            };
            let answer = match msg.as_slice() {
                [] => None,
                [control] => self.control(*control),
                apdu => {
                    let n = self.commands + 1;
                    match self.command(n, apdu) {
                        Ok(Some(resp)) => Some(resp),
                        Ok(None) => {
                            eprintln!(
                                "vcard: thẻ đã rút trước lệnh {n} / card pulled before command {n}"
                            );
                            let _ = stream.shutdown(std::net::Shutdown::Both);
                            return ExitCode::SUCCESS;
                        }
                        Err(code) => return code,
                    }
                }
            };
            if let Some(answer) = answer {
                if let Err(e) = write_frame(&mut stream, &answer) {
                    return fail(
                        EXIT_CONNECTION,
                        "mất kết nối với vpcd",
                        &format!("connection to vpcd lost: {e}"),
                    );
                }
            }
            if msg.len() > 1 && self.faults.leaves_after(self.commands) {
                self.chip.reset();
                eprintln!(
                    "vcard: thẻ đã rút sau lệnh {0} / card pulled after command {0}",
                    self.commands
                );
                let _ = stream.shutdown(std::net::Shutdown::Both);
                return ExitCode::SUCCESS;
            }
        }
    }

    fn control(&mut self, control: u8) -> Option<Vec<u8>> {
        match control {
            0..=2 => {
                // Power off, power on, reset: the chip forgets its session either way.
                self.chip.reset();
                self.log(format_args!(
                    "{}",
                    ["power off", "power on", "reset"][control as usize]
                ));
                None
            }
            4 => {
                self.log(format_args!("ATR requested"));
                Some(self.chip.atr())
            }
            other => {
                self.log(format_args!("unknown vpcd control {other}, ignored"));
                None
            }
        }
    }

    /// Command number n. Ok(None): the card has left the reader.
    fn command(&mut self, n: u64, apdu: &[u8]) -> Result<Option<Vec<u8>>, ExitCode> {
        let action = self.faults.action(n);
        if action == FaultAction::Removed {
            return Ok(None);
        }
        self.commands = n;
        let response = match action {
            FaultAction::Status(sw) => sw.to_be_bytes().to_vec(),
            _ => {
                let before = self.chip.revision();
                let response = self.chip.process(apdu);
                if self.chip.revision() != before {
                    // Committed before the answer, as a chip writes its EEPROM.
                    self.save()?;
                }
                response
            }
        };
        if self.verbose {
            let sw = response
                .len()
                .checked_sub(2)
                .map(|i| u16::from_be_bytes([response[i], response[i + 1]]))
                .unwrap_or(0);
            let (cla, ins) = (apdu[0], apdu.get(1).copied().unwrap_or(0));
            let sm = if cla & 0x0C == 0x0C { " SM" } else { "" };
            let fault = if matches!(action, FaultAction::Status(_)) {
                " (injected)"
            } else {
                ""
            };
            eprintln!(
                "vcard: #{n} INS {ins:02X}{sm}, {} bytes in -> SW {sw:04X}{fault}, {} bytes out",
                apdu.len(),
                response.len()
            );
        }
        if !self.faults.delay.is_zero() {
            std::thread::sleep(self.faults.delay);
        }
        Ok(Some(response))
    }

    fn save(&self) -> Result<(), ExitCode> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        self.chip.save_to(path).map_err(|e| {
            fail(
                EXIT_USAGE,
                &format!("không lưu được tệp thẻ {}", path.display()),
                &format!("cannot save card file {}: {e}", path.display()),
            )
        })
    }

    fn log(&self, what: std::fmt::Arguments<'_>) {
        if self.verbose {
            eprintln!("vcard: {what}");
        }
    }
}
