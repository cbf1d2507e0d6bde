//! vcard against a fake vpcd (a TcpListener speaking vpcd's framing): power and ATR
//! controls, APDUs, --pull-after, --sw-at, --card persistence, connection retries and errors.

use iso7816::CommandApdu;
use profiles::{Profile, Vars};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

const EXE: &str = env!("CARGO_BIN_EXE_vcard");
const AID: [u8; 7] = [0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01];

struct Vpcd {
    listener: TcpListener,
}

impl Vpcd {
    fn new() -> Vpcd {
        Vpcd {
            listener: TcpListener::bind("127.0.0.1:0").unwrap(),
        }
    }
    fn addr(&self) -> String {
        self.listener.local_addr().unwrap().to_string()
    }
    fn accept(&self) -> Conn {
        self.listener.set_nonblocking(true).unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            match self.listener.accept() {
                Ok((s, _)) => {
                    s.set_nonblocking(false).unwrap();
                    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
                    s.set_nodelay(true).unwrap();
                    return Conn(s);
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    assert!(Instant::now() < deadline, "vcard never connected");
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(e) => panic!("{e}"),
            }
        }
    }
}

struct Conn(TcpStream);

impl Conn {
    fn send(&mut self, body: &[u8]) {
        let mut frame = (body.len() as u16).to_be_bytes().to_vec();
        frame.extend_from_slice(body);
        self.0.write_all(&frame).unwrap();
    }
    /// The next framed message, or None when vcard closed the connection.
    fn recv(&mut self) -> Option<Vec<u8>> {
        let mut len = [0u8; 2];
        match self.0.read_exact(&mut len) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return None,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return None,
            Err(e) => panic!("{e}"),
        }
        let mut body = vec![0; u16::from_be_bytes(len) as usize];
        self.0.read_exact(&mut body).unwrap();
        Some(body)
    }
    fn apdu(&mut self, cmd: &CommandApdu) -> Vec<u8> {
        self.send(&cmd.to_bytes().unwrap());
        self.recv().expect("vcard answered")
    }
    fn power_on_and_atr(&mut self) -> Vec<u8> {
        self.send(&[1]);
        self.send(&[4]);
        self.recv().expect("ATR")
    }
}

fn vcard(args: &[&str]) -> Child {
    Command::new(EXE)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits for the exit; the status and what vcard wrote to stderr.
fn finish(mut child: Child) -> (ExitStatus, String) {
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("vcard did not exit");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    (status, err)
}

fn select_aid() -> CommandApdu {
    CommandApdu::new(0, 0xA4, 0x04, 0x0C).with_data(AID.to_vec())
}

#[test]
fn power_atr_select_then_vpcd_closes() {
    let vpcd = Vpcd::new();
    let child = vcard(&[
        "--profile",
        "vn-citizen-card",
        "--vpcd",
        &vpcd.addr(),
        "--verbose",
    ]);
    let mut c = vpcd.accept();
    let profile = Profile::load("vn-citizen-card").unwrap();
    assert_eq!(c.power_on_and_atr(), profile.atr);
    assert_eq!(c.apdu(&select_aid()), [0x90, 0x00]);
    let wrong = CommandApdu::new(0, 0xA4, 0x04, 0x0C).with_data(vec![0xA0, 0, 0, 0, 0x01]);
    assert_eq!(c.apdu(&wrong), [0x6A, 0x82]);
    // Reset forgets the selection: GET CHALLENGE goes to no application.
    c.send(&[2]);
    assert_eq!(
        c.apdu(&CommandApdu::new(0, 0x84, 0, 0).with_ne(8)),
        [0x6D, 0x00]
    );
    // Unknown control messages are ignored; ATR again.
    c.send(&[9]);
    c.send(&[4]);
    assert_eq!(c.recv().unwrap(), profile.atr);
    drop(c);
    let (status, err) = finish(child);
    assert_eq!(status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!("card inserted in vpcd {}", vpcd.addr())),
        "{err}"
    );
    assert!(err.contains("vpcd closed the connection"), "{err}");
    // Verbose logs name instructions and lengths, never data.
    assert!(err.contains("INS A4"), "{err}");
    assert!(!err.to_uppercase().contains("A0000002471001"), "{err}");
    assert!(!err.contains("A0 00 00 02 47"), "{err}");
}

#[test]
fn pull_after_answers_n_commands_then_leaves() {
    let vpcd = Vpcd::new();
    let child = vcard(&[
        "--profile",
        "jmrtd-passport-applet",
        "--vpcd",
        &vpcd.addr(),
        "--pull-after",
        "2",
    ]);
    let mut c = vpcd.accept();
    c.power_on_and_atr();
    assert_eq!(c.apdu(&select_aid()), [0x90, 0x00]);
    assert_eq!(
        c.apdu(&CommandApdu::new(0, 0x84, 0, 0).with_ne(8)).len(),
        10
    );
    assert_eq!(c.recv(), None, "the card left after command 2");
    let (status, err) = finish(child);
    assert_eq!(status.code(), Some(0), "{err}");
    assert!(err.contains("card pulled after command 2"), "{err}");

    // 0: controls are answered, the first command is not.
    let child = vcard(&[
        "--profile",
        "jmrtd-passport-applet",
        "--vpcd",
        &vpcd.addr(),
        "--pull-after",
        "0",
    ]);
    let mut c = vpcd.accept();
    assert_eq!(c.power_on_and_atr().len(), 13);
    c.send(&select_aid().to_bytes().unwrap());
    assert_eq!(c.recv(), None);
    let (status, err) = finish(child);
    assert_eq!(status.code(), Some(0), "{err}");
    assert!(err.contains("card pulled before command 1"), "{err}");
}

#[test]
fn sw_at_answers_without_processing() {
    let vpcd = Vpcd::new();
    let child = vcard(&[
        "--profile",
        "vn-citizen-card",
        "--vpcd",
        &vpcd.addr(),
        "--sw-at",
        "1:6A82",
        "--sw-at",
        "3:6f00",
        "--delay-ms",
        "5",
    ]);
    let mut c = vpcd.accept();
    c.power_on_and_atr();
    // Command 1 was not processed: the application is still not selected at command 2.
    assert_eq!(c.apdu(&select_aid()), [0x6A, 0x82]);
    assert_eq!(
        c.apdu(&CommandApdu::new(0, 0x84, 0, 0).with_ne(8)),
        [0x6D, 0x00]
    );
    assert_eq!(c.apdu(&select_aid()), [0x6F, 0x00]);
    assert_eq!(c.apdu(&select_aid()), [0x90, 0x00]);
    drop(c);
    assert_eq!(finish(child).0.code(), Some(1));
}

fn vars(pairs: &[(&str, &[u8])]) -> Vars {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_vec()))
        .collect()
}

#[test]
fn card_file_persists_between_insertions() {
    let dir = tempfile::tempdir().unwrap();
    let card = dir.path().join("card.vchip");
    let card_arg = card.to_str().unwrap();
    let profile = Profile::load("vn-citizen-card").unwrap();
    let p = &profile.personalization;
    let vpcd = Vpcd::new();

    // First insertion: write DG1, then the card is pulled.
    let child = vcard(&[
        "--profile",
        "vn-citizen-card",
        "--vpcd",
        &vpcd.addr(),
        "--card",
        card_arg,
        "--pull-after",
        "3",
    ]);
    let mut c = vpcd.accept();
    c.power_on_and_atr();
    assert_eq!(c.apdu(&select_aid()), [0x90, 0x00]);
    let create = p
        .create_file
        .as_ref()
        .unwrap()
        .build(&vars(&[("fid", &[1, 1]), ("size", &[0, 9])]))
        .unwrap();
    assert_eq!(c.apdu(&create), [0x90, 0x00]);
    let write = p
        .write_binary
        .build(&vars(&[("offset", &[0, 0]), ("chunk", b"persisted")]))
        .unwrap();
    assert_eq!(c.apdu(&write), [0x90, 0x00]);
    assert_eq!(c.recv(), None);
    assert_eq!(finish(child).0.code(), Some(0));
    assert!(card.exists());

    // Second insertion: the written file is there.
    let child = vcard(&[
        "--profile",
        "vn-citizen-card",
        "--vpcd",
        &vpcd.addr(),
        "--card",
        card_arg,
    ]);
    let mut c = vpcd.accept();
    c.power_on_and_atr();
    assert_eq!(c.apdu(&select_aid()), [0x90, 0x00]);
    let select = p.select_file.build(&vars(&[("fid", &[1, 1])])).unwrap();
    assert_eq!(c.apdu(&select), [0x90, 0x00]);
    let mut expected = b"persisted".to_vec();
    expected.extend_from_slice(&[0x90, 0x00]);
    assert_eq!(
        c.apdu(&CommandApdu::new(0, 0xB0, 0, 0).with_ne(256)),
        expected
    );
    drop(c);
    assert_eq!(finish(child).0.code(), Some(1));

    // Another profile: refused with a clear message, exit 2.
    let (status, err) = finish(vcard(&[
        "--profile",
        "jmrtd-passport-applet",
        "--vpcd",
        &vpcd.addr(),
        "--card",
        card_arg,
    ]));
    assert_eq!(status.code(), Some(2), "{err}");
    assert!(
        err.contains("vn-citizen-card") && err.contains("jmrtd-passport-applet"),
        "{err}"
    );
    // A damaged card file: exit 2.
    let mut bytes = std::fs::read(&card).unwrap();
    bytes[20] ^= 1;
    std::fs::write(&card, bytes).unwrap();
    let (status, err) = finish(vcard(&[
        "--profile",
        "vn-citizen-card",
        "--vpcd",
        &vpcd.addr(),
        "--card",
        card_arg,
    ]));
    assert_eq!(status.code(), Some(2), "{err}");
    assert!(err.contains("damaged"), "{err}");
}

#[test]
fn retries_until_vpcd_listens_and_gives_up_after_the_timeout() {
    // A port that was free a moment ago.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let child = vcard(&[
        "--profile",
        "vn-citizen-card",
        "--vpcd",
        &addr,
        "--connect-timeout-ms",
        "20000",
    ]);
    std::thread::sleep(Duration::from_millis(400));
    let vpcd = Vpcd {
        listener: TcpListener::bind(&addr).unwrap(),
    };
    let mut c = vpcd.accept();
    assert_eq!(c.power_on_and_atr().len(), 13);
    drop(c);
    assert_eq!(finish(child).0.code(), Some(1));
    drop(vpcd);

    let (status, err) = finish(vcard(&[
        "--profile",
        "vn-citizen-card",
        "--vpcd",
        &addr,
        "--connect-timeout-ms",
        "300",
    ]));
    assert_eq!(status.code(), Some(1), "{err}");
    assert!(
        err.contains("cannot connect to vpcd") && err.contains("không kết nối được vpcd"),
        "{err}"
    );
}

#[test]
fn bad_arguments_exit_2() {
    for args in [
        vec!["--profile", "vn-citizen-card", "--sw-at", "2:XYZ"],
        vec!["--profile", "vn-citizen-card", "--sw-at", "2"],
        vec!["--profile", "no-such-card"],
        vec!["--vpcd", "127.0.0.1:1"],
    ] {
        let (status, err) = finish(vcard(&args));
        assert_eq!(status.code(), Some(2), "{args:?}: {err}");
    }
}
