//! The sensor backend on libfprint-2.
//!
//! libfprint is GLib code: every call and callback belongs to the thread that runs the GLib
//! main context. One service thread per process owns GLib's global-default main context
//! (libfprint's own synchronous helpers, `fp_context_enumerate` among them, iterate that
//! context, so a private one would deadlock them). Callers talk to it over a channel and
//! wake it with `g_main_context_wakeup`; every call waits with a timeout, and a capture that
//! times out or is cancelled is cancelled inside libfprint through its GCancellable.
//!
//! libfprint reads the FP_VIRTUAL_* variables once, when the service creates its context:
//! set FP_VIRTUAL_IMAGE before the first call to [`service`] to get the virtual sensor.

use std::cell::{Cell, RefCell};
use std::ffi::{c_char, c_void, CStr};
use std::ptr;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use libfprint_sys as fp;

use crate::image::GreyImage;
use crate::sensor::{
    CancelHandle, FingerSensor, RetryReason, SensorError, SensorEvent, SensorInfo,
};

/// FpFingerStatusFlags (fp-device.h).
const STATUS_NEEDED: u32 = 1;
const STATUS_PRESENT: u32 = 2;
/// FP_DEVICE_ERROR_REMOVED (fp-device.h).
const ERROR_REMOVED: i32 = 0x100;
/// How long a cancelled capture may take to wind down inside libfprint.
const CANCEL_GRACE: Duration = Duration::from_secs(3);

enum Outcome {
    Retry(RetryReason),
    Failed(SensorError),
}

enum Msg {
    Event(SensorEvent),
    Done(Result<GreyImage, Outcome>),
}

enum Cmd {
    List(Sender<Vec<SensorInfo>>),
    Open(String, Sender<Result<(), SensorError>>),
    Capture(String, Sender<Msg>),
    Cancel(String),
    Close(String, Sender<Result<(), SensorError>>),
}

/// What the signal handlers and callbacks of one device share; lives as long as the service.
struct DevShared {
    listener: RefCell<Option<Sender<Msg>>>,
    last_status: Cell<u32>,
    removed: Cell<bool>,
    cancellable: Cell<*mut gio_sys::GCancellable>,
}

struct Dev {
    ptr: *mut fp::FpDevice,
    info: SensorInfo,
    shared: &'static DevShared,
}

struct Worker {
    ctx: *mut fp::FpContext,
    devices: Vec<Dev>,
}

/// The libfprint service: one per process.
pub struct Libfprint {
    tx: Sender<Cmd>,
}

static SERVICE: OnceLock<Libfprint> = OnceLock::new();

/// The process's libfprint service, started on first use.
pub fn service() -> &'static Libfprint {
    SERVICE.get_or_init(|| {
        let (tx, rx) = mpsc::channel();
        // If the thread cannot start, every call answers ServiceStopped.
        let _ = std::thread::Builder::new()
            .name("libfprint".into())
            .spawn(move || run_worker(rx));
        Libfprint { tx }
    })
}

fn run_worker(rx: Receiver<Cmd>) {
    // SAFETY: this thread is the only one that touches libfprint and the default context.
    unsafe {
        let mut w = Worker {
            ctx: fp::fp_context_new(),
            devices: Vec::new(),
        };
        loop {
            loop {
                match rx.try_recv() {
                    Ok(cmd) => w.handle(cmd),
                    Err(mpsc::TryRecvError::Empty) => break,
                    Err(mpsc::TryRecvError::Disconnected) => return,
                }
            }
            glib_sys::g_main_context_iteration(ptr::null_mut(), glib_sys::GTRUE);
        }
    }
}

unsafe fn cstr(p: *const c_char) -> String {
    if p.is_null() {
        String::new()
    } else {
        CStr::from_ptr(p).to_string_lossy().into_owned()
    }
}

unsafe fn take_error(err: *mut fp::GError, removed: bool) -> Outcome {
    if err.is_null() {
        return Outcome::Failed(SensorError::Device("libfprint gave no error".into()));
    }
    let (domain, code) = ((*err).domain, (*err).code);
    let message = cstr((*err).message);
    glib_sys::g_error_free(err as *mut glib_sys::GError);
    if domain == fp::fp_device_retry_quark() {
        Outcome::Retry(RetryReason::from_code(code))
    } else if (domain == fp::fp_device_error_quark() && code == ERROR_REMOVED) || removed {
        Outcome::Failed(SensorError::Unplugged)
    } else if domain == gio_sys::g_io_error_quark() && code == gio_sys::G_IO_ERROR_CANCELLED {
        Outcome::Failed(SensorError::Cancelled)
    } else if domain == fp::fp_device_error_quark() && code == 4 {
        Outcome::Failed(SensorError::Busy)
    } else {
        Outcome::Failed(SensorError::Device(message))
    }
}

unsafe extern "C" fn on_notify_status(
    obj: *mut gobject_sys::GObject,
    _: *mut gobject_sys::GParamSpec,
    data: *mut c_void,
) {
    let shared = &*(data as *const DevShared);
    let now = fp::fp_device_get_finger_status(obj as *mut fp::FpDevice);
    let changed = shared.last_status.replace(now) ^ now;
    if let Some(tx) = shared.listener.borrow().as_ref() {
        if changed & STATUS_NEEDED != 0 && now & STATUS_NEEDED != 0 {
            let _ = tx.send(Msg::Event(SensorEvent::PlaceFinger));
        }
        if changed & STATUS_PRESENT != 0 {
            let e = if now & STATUS_PRESENT != 0 {
                SensorEvent::FingerOn
            } else {
                SensorEvent::FingerOff
            };
            let _ = tx.send(Msg::Event(e));
        }
    }
}

unsafe extern "C" fn on_notify_removed(
    _: *mut gobject_sys::GObject,
    _: *mut gobject_sys::GParamSpec,
    data: *mut c_void,
) {
    let shared = &*(data as *const DevShared);
    shared.removed.set(true);
}

unsafe fn connect(
    obj: *mut fp::FpDevice,
    signal: &CStr,
    handler: unsafe extern "C" fn(
        *mut gobject_sys::GObject,
        *mut gobject_sys::GParamSpec,
        *mut c_void,
    ),
    data: *const DevShared,
) {
    // SAFETY: GObject calls the handler with the notify signature it was written for.
    let cb: unsafe extern "C" fn() = std::mem::transmute(handler as *const ());
    gobject_sys::g_signal_connect_data(
        obj as *mut gobject_sys::GObject,
        signal.as_ptr(),
        Some(cb),
        data as *mut c_void,
        None,
        0,
    );
}

unsafe extern "C" fn open_done(
    src: *mut fp::GObject,
    res: *mut fp::GAsyncResult,
    data: *mut c_void,
) {
    let tx = Box::from_raw(data as *mut Sender<Result<(), SensorError>>);
    let mut err: *mut fp::GError = ptr::null_mut();
    let ok = fp::fp_device_open_finish(src as *mut fp::FpDevice, res, &mut err) != 0;
    let r = if ok {
        Ok(())
    } else {
        match take_error(err, false) {
            Outcome::Failed(e) => Err(e),
            Outcome::Retry(_) => Err(SensorError::Device("retry while opening".into())),
        }
    };
    let _ = tx.send(r);
}

unsafe extern "C" fn close_done(
    src: *mut fp::GObject,
    res: *mut fp::GAsyncResult,
    data: *mut c_void,
) {
    let tx = Box::from_raw(data as *mut Sender<Result<(), SensorError>>);
    let mut err: *mut fp::GError = ptr::null_mut();
    let ok = fp::fp_device_close_finish(src as *mut fp::FpDevice, res, &mut err) != 0;
    let r = if ok {
        Ok(())
    } else {
        match take_error(err, false) {
            Outcome::Failed(e) => Err(e),
            Outcome::Retry(_) => Ok(()),
        }
    };
    let _ = tx.send(r);
}

unsafe extern "C" fn capture_done(
    src: *mut fp::GObject,
    res: *mut fp::GAsyncResult,
    data: *mut c_void,
) {
    let shared = &*(data as *const DevShared);
    let mut err: *mut fp::GError = ptr::null_mut();
    let img = fp::fp_device_capture_finish(src as *mut fp::FpDevice, res, &mut err);
    let result = if img.is_null() {
        Err(take_error(err, shared.removed.get()))
    } else {
        let r = image_from(img);
        gobject_sys::g_object_unref(img as *mut gobject_sys::GObject);
        r.map_err(Outcome::Failed)
    };
    let c = shared.cancellable.replace(ptr::null_mut());
    if !c.is_null() {
        gobject_sys::g_object_unref(c as *mut gobject_sys::GObject);
    }
    if let Some(tx) = shared.listener.borrow_mut().take() {
        let _ = tx.send(Msg::Done(result));
    }
}

unsafe fn image_from(img: *mut fp::FpImage) -> Result<GreyImage, SensorError> {
    let (w, h) = (fp::fp_image_get_width(img), fp::fp_image_get_height(img));
    let mut len: usize = 0;
    let data = fp::fp_image_get_data(img, &mut len as *mut usize as *mut _);
    if data.is_null() || len != w as usize * h as usize {
        return Err(SensorError::Device(format!(
            "image of {len} bytes for {w}×{h}"
        )));
    }
    let pixels = std::slice::from_raw_parts(data, len).to_vec();
    let ppmm = fp::fp_image_get_ppmm(img);
    let ppi = if ppmm.is_finite() && ppmm > 0.0 && ppmm < 200.0 {
        (ppmm * 25.4).round() as u16
    } else {
        500
    };
    GreyImage::from_pixels(w, h, pixels)
        .map(|i| i.with_ppi(ppi))
        .map_err(|e| SensorError::Device(e.to_string()))
}

impl Worker {
    unsafe fn refresh(&mut self) {
        let arr = fp::fp_context_get_devices(self.ctx);
        if arr.is_null() {
            return;
        }
        for i in 0..(*arr).len as usize {
            let dev = *(*arr).pdata.add(i) as *mut fp::FpDevice;
            if dev.is_null() || self.devices.iter().any(|d| d.ptr == dev) {
                continue;
            }
            gobject_sys::g_object_ref(dev as *mut gobject_sys::GObject);
            let driver = cstr(fp::fp_device_get_driver(dev));
            let info = SensorInfo {
                id: format!("{driver}:{}", cstr(fp::fp_device_get_device_id(dev))),
                name: cstr(fp::fp_device_get_name(dev)),
                driver,
            };
            let shared: &'static DevShared = Box::leak(Box::new(DevShared {
                listener: RefCell::new(None),
                last_status: Cell::new(fp::fp_device_get_finger_status(dev)),
                removed: Cell::new(false),
                cancellable: Cell::new(ptr::null_mut()),
            }));
            connect(dev, c"notify::finger-status", on_notify_status, shared);
            connect(dev, c"notify::removed", on_notify_removed, shared);
            self.devices.push(Dev {
                ptr: dev,
                info,
                shared,
            });
        }
    }

    fn find(&self, id: &str) -> Option<&Dev> {
        self.devices
            .iter()
            .find(|d| d.info.id == id && !d.shared.removed.get())
    }

    unsafe fn handle(&mut self, cmd: Cmd) {
        match cmd {
            Cmd::List(tx) => {
                self.refresh();
                let list = self
                    .devices
                    .iter()
                    .filter(|d| !d.shared.removed.get())
                    .map(|d| d.info.clone())
                    .collect();
                let _ = tx.send(list);
            }
            Cmd::Open(id, tx) => {
                self.refresh();
                let Some(d) = self.find(&id) else {
                    let _ = tx.send(Err(SensorError::NotFound(id)));
                    return;
                };
                if fp::fp_device_is_open(d.ptr) != 0 {
                    let _ = tx.send(Ok(()));
                    return;
                }
                let data = Box::into_raw(Box::new(tx)) as *mut c_void;
                fp::fp_device_open(d.ptr, ptr::null_mut(), Some(open_done), data);
            }
            Cmd::Capture(id, tx) => {
                let Some(d) = self.find(&id) else {
                    let e = if self.devices.iter().any(|d| d.info.id == id) {
                        SensorError::Unplugged
                    } else {
                        SensorError::NotFound(id)
                    };
                    let _ = tx.send(Msg::Done(Err(Outcome::Failed(e))));
                    return;
                };
                if d.shared.listener.borrow().is_some() {
                    let _ = tx.send(Msg::Done(Err(Outcome::Failed(SensorError::Busy))));
                    return;
                }
                let c = gio_sys::g_cancellable_new();
                d.shared.cancellable.set(c);
                *d.shared.listener.borrow_mut() = Some(tx);
                fp::fp_device_capture(
                    d.ptr,
                    glib_sys::GTRUE,
                    c as *mut fp::GCancellable,
                    Some(capture_done),
                    d.shared as *const DevShared as *mut c_void,
                );
            }
            Cmd::Cancel(id) => {
                if let Some(d) = self.devices.iter().find(|d| d.info.id == id) {
                    let c = d.shared.cancellable.get();
                    if !c.is_null() {
                        gio_sys::g_cancellable_cancel(c);
                    }
                }
            }
            Cmd::Close(id, tx) => {
                let Some(d) = self.devices.iter().find(|d| d.info.id == id) else {
                    let _ = tx.send(Ok(()));
                    return;
                };
                if fp::fp_device_is_open(d.ptr) == 0 {
                    let _ = tx.send(Ok(()));
                    return;
                }
                let data = Box::into_raw(Box::new(tx)) as *mut c_void;
                fp::fp_device_close(d.ptr, ptr::null_mut(), Some(close_done), data);
            }
        }
    }
}

impl Libfprint {
    fn send(&self, cmd: Cmd) -> Result<(), SensorError> {
        self.tx.send(cmd).map_err(|_| SensorError::ServiceStopped)?;
        // SAFETY: g_main_context_wakeup is thread-safe; NULL is the global-default context.
        unsafe { glib_sys::g_main_context_wakeup(ptr::null_mut()) };
        Ok(())
    }

    fn ask<T>(
        &self,
        make: impl FnOnce(Sender<T>) -> Cmd,
        timeout: Duration,
    ) -> Result<T, SensorError> {
        let (tx, rx) = mpsc::channel();
        self.send(make(tx))?;
        match rx.recv_timeout(timeout) {
            Ok(v) => Ok(v),
            Err(RecvTimeoutError::Timeout) => Err(SensorError::Timeout(timeout)),
            Err(RecvTimeoutError::Disconnected) => Err(SensorError::ServiceStopped),
        }
    }

    /// The sensors libfprint sees.
    pub fn sensors(&self, timeout: Duration) -> Result<Vec<SensorInfo>, SensorError> {
        self.ask(Cmd::List, timeout)
    }

    /// Opens a sensor by id.
    pub fn open(
        &'static self,
        id: &str,
        timeout: Duration,
    ) -> Result<LibfprintSensor, SensorError> {
        let list = self.sensors(timeout)?;
        let Some(info) = list.into_iter().find(|s| s.id == id) else {
            return Err(SensorError::NotFound(id.into()));
        };
        self.ask(|tx| Cmd::Open(id.into(), tx), timeout)??;
        Ok(LibfprintSensor {
            info,
            service: self,
        })
    }

    /// Opens the first sensor libfprint lists.
    pub fn open_first(&'static self, timeout: Duration) -> Result<LibfprintSensor, SensorError> {
        let first = self
            .sensors(timeout)?
            .into_iter()
            .next()
            .ok_or(SensorError::NoSensor)?;
        self.open(&first.id, timeout)
    }
}

/// An open libfprint sensor; closed when dropped.
pub struct LibfprintSensor {
    info: SensorInfo,
    service: &'static Libfprint,
}

impl LibfprintSensor {
    fn wind_down(&self, rx: &Receiver<Msg>, events: &mut dyn FnMut(SensorEvent)) {
        let _ = self.service.send(Cmd::Cancel(self.info.id.clone()));
        let until = Instant::now() + CANCEL_GRACE;
        while let Some(left) = until.checked_duration_since(Instant::now()) {
            match rx.recv_timeout(left) {
                Ok(Msg::Event(e)) => events(e),
                Ok(Msg::Done(_)) | Err(_) => return,
            }
        }
    }

    /// Closes the sensor, waiting at most `timeout`.
    pub fn close(self, timeout: Duration) -> Result<(), SensorError> {
        let r = self
            .service
            .ask(|tx| Cmd::Close(self.info.id.clone(), tx), timeout);
        std::mem::forget(self);
        r?
    }
}

impl Drop for LibfprintSensor {
    fn drop(&mut self) {
        let _ = self.service.ask(
            |tx| Cmd::Close(self.info.id.clone(), tx),
            Duration::from_secs(2),
        );
    }
}

impl FingerSensor for LibfprintSensor {
    fn info(&self) -> &SensorInfo {
        &self.info
    }

    fn capture(
        &mut self,
        timeout: Duration,
        cancel: &CancelHandle,
        events: &mut dyn FnMut(SensorEvent),
    ) -> Result<GreyImage, SensorError> {
        let deadline = Instant::now() + timeout;
        loop {
            let (tx, rx) = mpsc::channel();
            self.service.send(Cmd::Capture(self.info.id.clone(), tx))?;
            loop {
                if cancel.is_cancelled() {
                    self.wind_down(&rx, events);
                    return Err(SensorError::Cancelled);
                }
                let Some(left) = deadline.checked_duration_since(Instant::now()) else {
                    self.wind_down(&rx, events);
                    return Err(SensorError::Timeout(timeout));
                };
                match rx.recv_timeout(left.min(Duration::from_millis(50))) {
                    Ok(Msg::Event(e)) => events(e),
                    Ok(Msg::Done(Ok(img))) => return Ok(img),
                    Ok(Msg::Done(Err(Outcome::Retry(r)))) => {
                        events(SensorEvent::Retry(r));
                        break;
                    }
                    Ok(Msg::Done(Err(Outcome::Failed(e)))) => return Err(e),
                    Err(RecvTimeoutError::Timeout) => {}
                    Err(RecvTimeoutError::Disconnected) => return Err(SensorError::ServiceStopped),
                }
            }
        }
    }
}
