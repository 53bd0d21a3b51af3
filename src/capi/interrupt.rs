//! Ctrl-C during a cbh call: the call stops at its next step, rolls back and says so; a call that has begun its
//! final commit finishes, and never reports an interruption.
//!
//! cbh's SQL runs on its own connections, so the caller's interrupt (the host's SIGINT handler interrupting the
//! calling query) reaches cbh only when its function returns, which is after the commit. Nor can an extension read
//! the caller's interrupt flag through the C API. So while a call runs, cbh puts its own SIGINT handler in front of
//! the host's: it counts the signal and wakes a monitor thread, which interrupts the query running on cbh's
//! connections until the call has noticed. In the Python host the signal is also passed on, so that the host
//! raises its usual error; in the CLI it is not, since the CLI's handler would end a `-c` run before cbh could
//! say what happened. A process that ignores SIGINT or leaves it at its default (ended by it) is left alone.

use std::cell::RefCell;
use std::mem::MaybeUninit;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex, Once};
use std::time::Duration;

use duckdb::InterruptHandle;

/// SIGINTs received while a cbh handler was installed.
static SIGNALS: AtomicU64 = AtomicU64::new(0);
/// Calls past their point of no return: a signal now must not make the host interrupt the caller.
static COMMITTING: AtomicUsize = AtomicUsize::new(0);
/// Whether the host's handler is passed the signal (Python).
static CHAIN: AtomicBool = AtomicBool::new(false);
/// The self-pipe that wakes the monitor (write end); -1 before it exists.
static WAKE: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(-1);
/// The host's handler, saved when cbh's was installed. Written only under `INSTALLED`, before cbh's handler is.
static mut PREVIOUS: MaybeUninit<libc::sigaction> = MaybeUninit::uninit();
/// Calls in progress (the handler stays installed while there is one), and whether it is installed.
static INSTALLED: Mutex<(usize, bool)> = Mutex::new((0, false));
/// Calls the monitor may interrupt.
static CALLS: Mutex<Vec<Arc<Token>>> = Mutex::new(Vec::new());
static MONITOR: Once = Once::new();

thread_local! {
    static CURRENT: RefCell<Option<Arc<Token>>> = const { RefCell::new(None) };
}

/// One call: the signal count when it began, and the connections to interrupt.
pub struct Token {
    start: AtomicU64,
    /// Set once the call has noticed (or is past its point of no return): the monitor stops interrupting, so that
    /// cleanup (ROLLBACK, dropping staging tables) is never itself interrupted.
    quiet: Mutex<bool>,
    committing: AtomicBool,
    /// The connections the call holds now (a Ctrl-C interrupts only these, never another call's).
    handles: Mutex<Vec<(u64, Arc<InterruptHandle>)>>,
}

impl Token {
    fn signaled(&self) -> bool {
        SIGNALS.load(SeqCst) != self.start.load(SeqCst)
    }
}

/// A call in progress; ends it when dropped.
pub struct Call {
    token: Arc<Token>,
    previous: Option<Arc<Token>>,
}

/// Starts a call that a Ctrl-C can interrupt.
pub fn begin(python_host: bool) -> Call {
    let token = Arc::new(Token {
        start: AtomicU64::new(SIGNALS.load(SeqCst)),
        quiet: Mutex::new(false),
        committing: AtomicBool::new(false),
        handles: Mutex::new(Vec::new()),
    });
    install(python_host);
    lock(&CALLS).push(token.clone());
    let previous = CURRENT.with(|c| c.replace(Some(token.clone())));
    Call { token, previous }
}

impl Call {
    /// Whether a Ctrl-C came during this call while it could still stop.
    pub fn interrupted(&self) -> bool {
        !self.token.committing.load(SeqCst) && self.token.signaled()
    }
}

impl Drop for Call {
    fn drop(&mut self) {
        if self.token.committing.swap(false, SeqCst) {
            COMMITTING.fetch_sub(1, SeqCst);
        }
        lock(&CALLS).retain(|t| !Arc::ptr_eq(t, &self.token));
        CURRENT.with(|c| *c.borrow_mut() = self.previous.take());
        uninstall();
    }
}

/// A connection the current call holds; released when dropped.
pub struct Held {
    token: Arc<Token>,
    id: u64,
}

impl Drop for Held {
    fn drop(&mut self) {
        lock(&self.token.handles).retain(|(id, _)| *id != self.id);
    }
}

/// Registers a connection this thread's call is about to use, if a call is in progress on this thread.
pub fn hold(handle: Arc<InterruptHandle>) -> Option<Held> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let token = CURRENT.with(|c| c.borrow().clone())?;
    let id = NEXT.fetch_add(1, SeqCst);
    lock(&token.handles).push((id, handle));
    Some(Held { token, id })
}

/// The current call, to carry to a helper thread (`adopt`).
pub fn current() -> Option<Arc<Token>> {
    CURRENT.with(|c| c.borrow().clone())
}

/// Makes `token` this helper thread's call, while the guard lives.
pub fn adopt(token: Option<Arc<Token>>) -> Adopted {
    Adopted(CURRENT.with(|c| c.replace(token)))
}

/// Restores a helper thread's call when dropped.
pub struct Adopted(Option<Arc<Token>>);

impl Drop for Adopted {
    fn drop(&mut self) {
        CURRENT.with(|c| *c.borrow_mut() = self.0.take());
    }
}

/// Whether a Ctrl-C came for this thread's call while it could still stop; unlike `stop_requested`, the monitor
/// goes on interrupting (for work beside the call's SQL, such as hashing a file).
pub fn signaled() -> bool {
    current().is_some_and(|t| !t.committing.load(SeqCst) && t.signaled())
}

/// Whether the current call should stop now (a Ctrl-C came); once it says so, the monitor stops interrupting.
pub fn stop_requested() -> bool {
    CURRENT.with(|c| c.borrow().as_ref().map(|t| t.clone())).is_some_and(|t| {
        let stop = !t.committing.load(SeqCst) && t.signaled();
        if stop {
            *lock(&t.quiet) = true;
        }
        stop
    })
}

/// Cleanup is about to run SQL that must not be interrupted.
pub fn quiet() {
    if let Some(t) = CURRENT.with(|c| c.borrow().clone()) {
        *lock(&t.quiet) = true;
    }
}

/// The point of no return, just before the call's final COMMIT: false if a Ctrl-C came first (then roll back);
/// true once committed-to, after which signals are ignored for the rest of the call.
pub fn commit_point() -> bool {
    let Some(t) = CURRENT.with(|c| c.borrow().clone()) else { return true };
    *lock(&t.quiet) = true;
    if t.committing.swap(true, SeqCst) {
        return true; // already committed-to
    }
    COMMITTING.fetch_add(1, SeqCst);
    // Either the handler sees COMMITTING (and does not pass the signal on) or this sees the signal (and stops).
    if t.signaled() {
        t.committing.store(false, SeqCst);
        COMMITTING.fetch_sub(1, SeqCst);
        return false;
    }
    true
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

extern "C" fn on_sigint(sig: libc::c_int, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    // Only async-signal-safe work here: atomics, write(2), and calling the saved handler.
    SIGNALS.fetch_add(1, SeqCst);
    let fd = WAKE.load(SeqCst);
    if fd >= 0 {
        // SAFETY: errno is this thread's; write(2) is async-signal-safe, on a non-blocking pipe, from a live byte.
        unsafe {
            let errno = *libc::__errno_location();
            libc::write(fd, [1u8].as_ptr().cast(), 1);
            *libc::__errno_location() = errno;
        }
    }
    if !CHAIN.load(SeqCst) || COMMITTING.load(SeqCst) != 0 {
        return;
    }
    // SAFETY: PREVIOUS was written before this handler was installed and is not written again while it is.
    let previous = unsafe { (*std::ptr::addr_of!(PREVIOUS)).assume_init_ref() };
    let action = previous.sa_sigaction;
    if action == libc::SIG_DFL || action == libc::SIG_IGN {
        return;
    }
    if previous.sa_flags & libc::SA_SIGINFO != 0 {
        // SAFETY: the saved handler was installed with SA_SIGINFO, so it takes these three arguments.
        let f: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
            unsafe { std::mem::transmute(action) };
        f(sig, info, ctx);
    } else {
        // SAFETY: a handler installed without SA_SIGINFO takes the signal number only.
        let f: extern "C" fn(libc::c_int) = unsafe { std::mem::transmute(action) };
        f(sig);
    }
}

fn install(python_host: bool) {
    let mut installed = lock(&INSTALLED);
    installed.0 += 1;
    if installed.0 > 1 {
        return;
    }
    start_monitor();
    // SAFETY: sigaction with a null new action only reads the current one into `current`.
    let mut current: libc::sigaction = unsafe { std::mem::zeroed() };
    if unsafe { libc::sigaction(libc::SIGINT, std::ptr::null(), &mut current) } != 0 {
        return;
    }
    if current.sa_sigaction == libc::SIG_IGN || current.sa_sigaction == libc::SIG_DFL {
        return; // the process ignores Ctrl-C, or is ended by it: leave it so
    }
    if current.sa_sigaction == on_sigint as *const () as usize {
        installed.1 = true; // still ours (a host put it back): PREVIOUS is the host's already
        return;
    }
    // SAFETY: no cbh handler is installed now (count was 0), so the handler cannot be reading PREVIOUS.
    unsafe { (*std::ptr::addr_of_mut!(PREVIOUS)).write(current) };
    CHAIN.store(python_host, SeqCst);
    // SAFETY: a zeroed sigaction is valid; the handler is an extern "C" fn of the SA_SIGINFO signature.
    let mut ours: libc::sigaction = unsafe { std::mem::zeroed() };
    ours.sa_sigaction = on_sigint as *const () as usize;
    ours.sa_flags = libc::SA_SIGINFO | libc::SA_RESTART;
    // SAFETY: ours.sa_mask is a valid sigset to initialise.
    unsafe { libc::sigemptyset(&mut ours.sa_mask) };
    // SAFETY: installs a valid action for SIGINT.
    installed.1 = unsafe { libc::sigaction(libc::SIGINT, &ours, std::ptr::null_mut()) } == 0;
}

fn uninstall() {
    let mut installed = lock(&INSTALLED);
    installed.0 = installed.0.saturating_sub(1);
    if installed.0 > 0 || !installed.1 {
        return;
    }
    installed.1 = false;
    // SAFETY: reads the current action; restores the saved one only if cbh's is still the one installed (the host
    // may have installed another meanwhile, which must stay).
    unsafe {
        let mut current: libc::sigaction = std::mem::zeroed();
        if libc::sigaction(libc::SIGINT, std::ptr::null(), &mut current) == 0
            && current.sa_sigaction == on_sigint as *const () as usize
        {
            libc::sigaction(libc::SIGINT, (*std::ptr::addr_of!(PREVIOUS)).as_ptr(), std::ptr::null_mut());
        }
    }
}

/// The monitor: woken by the handler, it interrupts the SQL of every signalled call until the call notices.
fn start_monitor() {
    MONITOR.call_once(|| {
        let mut fds = [0 as libc::c_int; 2];
        // SAFETY: pipe2(2) fills the two descriptors of a valid array; the write end is made non-blocking, so the
        // handler never waits on a full pipe.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0
            || unsafe { libc::fcntl(fds[1], libc::F_SETFL, libc::O_NONBLOCK) } != 0
        {
            return;
        }
        let reader = fds[0];
        let spawned = std::thread::Builder::new().name("cbh-interrupt".into()).spawn(move || loop {
            let mut byte = [0u8; 1];
            // SAFETY: reads one byte into a live buffer from the pipe this thread owns.
            if unsafe { libc::read(reader, byte.as_mut_ptr().cast(), 1) } <= 0 {
                std::thread::sleep(Duration::from_millis(50));
                continue;
            }
            loop {
                let pending: Vec<Arc<Token>> = lock(&CALLS).iter().filter(|t| t.signaled()).cloned().collect();
                let mut any = false;
                for t in pending {
                    let quiet = lock(&t.quiet);
                    if !*quiet && !t.committing.load(SeqCst) {
                        lock(&t.handles).iter().for_each(|(_, h)| h.interrupt());
                        any = true;
                    }
                }
                if !any {
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        });
        if spawned.is_ok() {
            WAKE.store(fds[1], SeqCst);
        }
    });
}
