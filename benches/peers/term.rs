//! A pseudo-terminal for the peers harness: any program runs in it, its output goes
//! through vt100 into a screen, and the reader thread stamps the moment the screen first
//! matches what the harness waits for. That moment is taken as the output is parsed, not
//! when a poll happens to look, so key → screen times are not rounded to a poll period.

use portable_pty::{native_pty_system, Child, CommandBuilder, MasterPty, PtySize};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

type Cond = Box<dyn Fn(&str) -> bool + Send>;

struct Shared {
    parser: vt100::Parser,
    /// When the screen last changed (its text), and the bytes read so far.
    changed: Instant,
    bytes: u64,
    last_text: String,
    /// What the harness waits for, and when it first held.
    waiting: Option<Cond>,
    hit: Option<Instant>,
}

pub struct Term {
    child: Box<dyn Child + Send + Sync>,
    master: Box<dyn MasterPty + Send>,
    writer: Box<dyn Write + Send>,
    shared: Arc<(Mutex<Shared>, Condvar)>,
    stop: Arc<AtomicBool>,
    reader: Option<std::thread::JoinHandle<()>>,
    pub started: Instant,
}

/// The environment every program gets: its own home, a UTF-8 locale, a 256-colour
/// terminal; `env` adds or overrides.
pub fn spawn(program: &Path, args: &[&str], env: &[(&str, &Path)], cols: u16, rows: u16) -> Term {
    let pair = native_pty_system()
        .openpty(PtySize {
            rows,
            cols,
            pixel_width: 0,
            pixel_height: 0,
        })
        .expect("openpty");
    let mut cmd = CommandBuilder::new(program);
    cmd.args(args);
    cmd.env_clear();
    cmd.env("TERM", "xterm-256color");
    cmd.env("LANG", "C.UTF-8");
    cmd.env("LC_ALL", "C.UTF-8");
    cmd.env("PATH", std::env::var("PATH").unwrap_or_default());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let fd = pair.master.as_raw_fd().expect("master fd");
    // SAFETY: F_DUPFD_CLOEXEC returns a new descriptor that this File alone owns.
    let mut reader =
        unsafe { std::fs::File::from_raw_fd(libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 0)) };
    // SAFETY: plain fcntl calls on a descriptor we own.
    unsafe {
        let flags = libc::fcntl(reader.as_raw_fd(), libc::F_GETFL);
        libc::fcntl(reader.as_raw_fd(), libc::F_SETFL, flags | libc::O_NONBLOCK);
    }
    let writer = pair.master.take_writer().expect("writer");
    let shared = Arc::new((
        Mutex::new(Shared {
            parser: vt100::Parser::new(rows, cols, 0),
            changed: Instant::now(),
            bytes: 0,
            last_text: String::new(),
            waiting: None,
            hit: None,
        }),
        Condvar::new(),
    ));
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let child = pair.slave.spawn_command(cmd).expect("spawn");
    drop(pair.slave);
    let (sh, st) = (shared.clone(), stop.clone());
    let reader_thread = std::thread::spawn(move || {
        let mut buf = vec![0u8; 1 << 16];
        while !st.load(Ordering::SeqCst) {
            match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    let now = Instant::now();
                    let (lock, cv) = &*sh;
                    let mut s = lock.lock().expect("screen");
                    s.parser.process(&buf[..n]);
                    s.bytes += n as u64;
                    let text = s.parser.screen().contents();
                    if text != s.last_text {
                        s.changed = now;
                        s.last_text = text;
                    }
                    if s.hit.is_none() {
                        if let Some(cond) = &s.waiting {
                            if cond(&s.last_text) {
                                s.hit = Some(now);
                                cv.notify_all();
                            }
                        }
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    let mut pfd = libc::pollfd {
                        fd: reader.as_raw_fd(),
                        events: libc::POLLIN,
                        revents: 0,
                    };
                    // SAFETY: one valid pollfd; waits at most 20 ms for output.
                    unsafe { libc::poll(&mut pfd, 1, 20) };
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
    });
    Term {
        child,
        master: pair.master,
        writer,
        shared,
        stop,
        reader: Some(reader_thread),
        started,
    }
}

impl Term {
    pub fn pid(&self) -> u32 {
        self.child.process_id().expect("pid")
    }

    pub fn screen(&self) -> String {
        self.shared.0.lock().expect("screen").last_text.clone()
    }

    /// Bytes the program has written to the terminal so far.
    pub fn bytes(&self) -> u64 {
        self.shared.0.lock().expect("screen").bytes
    }

    /// Arms a wait: from now on the reader stamps the first output after which `cond`
    /// holds. Arm before sending the key whose effect is awaited.
    pub fn arm(&self, cond: impl Fn(&str) -> bool + Send + 'static) {
        let mut s = self.shared.0.lock().expect("screen");
        s.hit = None;
        s.waiting = Some(Box::new(cond));
    }

    /// Waits for the armed condition; returns the moment it first held, or `None` at the
    /// deadline. A condition that already holds on the current screen counts from now.
    pub fn wait_armed(&self, deadline: Duration) -> Option<Instant> {
        let (lock, cv) = &*self.shared;
        let end = Instant::now() + deadline;
        let mut s = lock.lock().expect("screen");
        loop {
            if let Some(at) = s.hit {
                s.waiting = None;
                return Some(at);
            }
            if let Some(cond) = &s.waiting {
                if cond(&s.last_text) {
                    s.waiting = None;
                    return Some(Instant::now());
                }
            }
            let now = Instant::now();
            if now >= end {
                s.waiting = None;
                return None;
            }
            s = cv
                .wait_timeout(s, (end - now).min(Duration::from_millis(50)))
                .expect("screen")
                .0;
        }
    }

    /// Waits until the screen's text has not changed for `quiet`, counted from this
    /// call at the earliest (a key just sent has not changed anything yet), at most
    /// `deadline`; returns the text.
    pub fn settle(&self, quiet: Duration, deadline: Duration) -> String {
        let start = Instant::now();
        let end = start + deadline;
        loop {
            let (changed, text) = {
                let s = self.shared.0.lock().expect("screen");
                (s.changed.max(start), s.last_text.clone())
            };
            let now = Instant::now();
            if now.duration_since(changed) >= quiet || now >= end {
                return text;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    pub fn send(&mut self, bytes: &str) {
        self.writer
            .write_all(bytes.as_bytes())
            .expect("write to pty");
        self.writer.flush().expect("flush pty");
    }

    /// Resizes the terminal: the emulator first, then the pty (the program gets SIGWINCH).
    pub fn resize(&self, cols: u16, rows: u16) {
        let mut s = self.shared.0.lock().expect("screen");
        s.parser.screen_mut().set_size(rows, cols);
        s.last_text = s.parser.screen().contents();
        s.changed = Instant::now();
        self.master
            .resize(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("resize the pty");
    }

    pub fn exited(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(Some(_)))
    }

    /// Sends `quit` (if any), waits up to 5 s for the program to end, then kills it.
    pub fn close(mut self, quit: Option<&str>) {
        if let Some(q) = quit {
            self.send(q);
            let end = Instant::now() + Duration::from_secs(5);
            while Instant::now() < end && !self.exited() {
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        if !self.exited() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        self.stop.store(true, Ordering::SeqCst);
        if let Some(r) = self.reader.take() {
            let _ = r.join();
        }
    }
}

impl Drop for Term {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// A reading of a program's CPU time, to subtract from a later one ([`CpuClock::since`]).
///
/// `/proc/PID/stat` gives user and system time in clock ticks (10 ms), each truncated on
/// its own, so two readings of a process that used 1 ms between them can differ by two
/// ticks (0.2 % of 10 s). The threads' `schedstat` gives their run time in nanoseconds:
/// that is what an idle figure near zero needs. Children the program has waited for
/// (taskwarrior-tui's `task` runs) are only in ticks (`cutime`, `cstime`).
pub struct CpuClock {
    /// Run time of each live thread, by thread id, in nanoseconds.
    threads: HashMap<u32, u64>,
    /// utime + stime of the whole process (its ended threads included), in ticks.
    own_ticks: u64,
    /// cutime + cstime: the children it has waited for, in ticks.
    children_ticks: u64,
}

impl CpuClock {
    pub fn read(pid: u32) -> Option<CpuClock> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // Fields after the command name, which is in parentheses and may hold spaces.
        let rest = &stat[stat.rfind(')')? + 2..];
        let f: Vec<u64> = rest
            .split_whitespace()
            .map(|v| v.parse().unwrap_or(0))
            .collect();
        // utime, stime, cutime and cstime are fields 14 to 17 of the line, 12 to 15
        // after the name.
        let own_ticks = f.get(11)? + f.get(12)?;
        let children_ticks = f.get(13)? + f.get(14)?;
        let mut threads = HashMap::new();
        for entry in std::fs::read_dir(format!("/proc/{pid}/task"))
            .ok()?
            .flatten()
        {
            let Some(tid) = entry.file_name().to_str().and_then(|t| t.parse().ok()) else {
                continue;
            };
            let ns = std::fs::read_to_string(entry.path().join("schedstat"))
                .ok()
                .and_then(|s| s.split_whitespace().next()?.parse().ok());
            if let Some(ns) = ns {
                threads.insert(tid, ns);
            }
        }
        Some(CpuClock {
            threads,
            own_ticks,
            children_ticks,
        })
    }

    /// CPU time used since `earlier`: the threads' run time in nanoseconds, unless a
    /// thread ended in between (it took its time with it): then the process's ticks,
    /// which keep ended threads' time. A thread that started and ended in between is
    /// in neither reading's list; it shows as ticks beyond the threads' sum, by more
    /// than the two ticks truncation can add. Plus the ticks of the children waited for.
    pub fn since(&self, earlier: &CpuClock) -> Duration {
        let tick = |t: u64| Duration::from_micros(t * 1_000_000 / clock_ticks_per_second());
        let ticks = tick(self.own_ticks.saturating_sub(earlier.own_ticks));
        let all_alive = earlier
            .threads
            .keys()
            .all(|tid| self.threads.contains_key(tid));
        let ns: u64 = self
            .threads
            .iter()
            .map(|(tid, now)| now.saturating_sub(*earlier.threads.get(tid).unwrap_or(&0)))
            .sum();
        let threads = Duration::from_nanos(ns);
        let own = if all_alive && ticks <= threads + tick(2) {
            threads
        } else {
            ticks
        };
        own + tick(self.children_ticks.saturating_sub(earlier.children_ticks))
    }
}

fn clock_ticks_per_second() -> u64 {
    // SAFETY: sysconf has no preconditions.
    unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64
}

/// Peak resident memory so far (`VmHWM`), in KiB.
pub fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
}

/// The pids of `pid` and every process below it, from `/proc/PID/task/TID/children`.
fn tree(pid: u32) -> Vec<u32> {
    let mut out = vec![pid];
    let mut k = 0;
    while k < out.len() {
        let p = out[k];
        k += 1;
        let Ok(tasks) = std::fs::read_dir(format!("/proc/{p}/task")) else {
            continue;
        };
        for t in tasks.flatten() {
            let kids = std::fs::read_to_string(t.path().join("children")).unwrap_or_default();
            out.extend(
                kids.split_whitespace()
                    .filter_map(|c| c.parse::<u32>().ok()),
            );
        }
    }
    out
}

/// Resident memory of one process now, in KiB (`statm`'s second field, in pages).
fn rss_kib(pid: u32) -> Option<u64> {
    let statm = std::fs::read_to_string(format!("/proc/{pid}/statm")).ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) }.max(1) as u64;
    Some(pages * page / 1024)
}

/// The peak of a program's resident memory together with the processes it starts, which
/// its own `VmHWM` leaves out: taskwarrior-tui keeps its tasks in `task` processes it
/// runs. Sampled every 2 ms from the moment it is watched until [`TreeWatch::peak_kib`].
pub struct TreeWatch {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<u64>>,
}

impl TreeWatch {
    pub fn start(pid: u32) -> TreeWatch {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut peak = 0;
            while !flag.load(Ordering::SeqCst) {
                let sum: u64 = tree(pid).into_iter().filter_map(rss_kib).sum();
                peak = peak.max(sum);
                std::thread::sleep(Duration::from_millis(2));
            }
            peak
        });
        TreeWatch {
            stop,
            thread: Some(thread),
        }
    }

    /// Stops watching; the highest sum seen.
    pub fn peak_kib(mut self) -> u64 {
        self.stop.store(true, Ordering::SeqCst);
        self.thread.take().and_then(|t| t.join().ok()).unwrap_or(0)
    }
}
