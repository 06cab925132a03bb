//! A real pseudo-terminal around the real `styr` binary: keys go in as bytes, the
//! output is parsed by vt100 into a screen, and tests wait for text with a deadline.

#![allow(dead_code)]

use portable_pty::{native_pty_system, Child, CommandBuilder, MasterPty, PtySize};
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Generous: CI machines are slow, and a deadline is only a limit, never a wait.
pub const DEADLINE: Duration = Duration::from_secs(30);

pub struct Pty {
    pub child: Box<dyn Child + Send + Sync>,
    master: Option<Box<dyn MasterPty + Send>>,
    writer: Option<Box<dyn Write + Send>>,
    parser: Arc<Mutex<vt100::Parser>>,
    /// Every byte styr wrote, to check escape sequences.
    pub raw: Arc<Mutex<Vec<u8>>>,
    /// Tells the reader thread to let go of its copy of the master, so that the
    /// terminal can really be closed.
    stop_reading: Arc<AtomicBool>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Pty {
    /// Starts styr with `args` at `cols`x`rows`, with its home, data and config under `home`.
    pub fn spawn(home: &Path, args: &[&str], cols: u16, rows: u16) -> Pty {
        Self::spawn_program(home, env!("CARGO_BIN_EXE_styr"), args, &[], cols, rows)
    }

    /// Starts any program in the pty, with styr's environment plus `extra_env`.
    pub fn spawn_program(
        home: &Path,
        program: &str,
        args: &[&str],
        extra_env: &[(&str, &str)],
        cols: u16,
        rows: u16,
    ) -> Pty {
        // One pty at a time in this test process: `openpty` makes descriptors that are
        // close-on-exec only a moment later, and a styr that another test forks in that
        // moment would keep this master open, so closing ours would not hang up our styr
        // (both hangup tests once failed together that way, each holding the other's).
        static OPENING: Mutex<()> = Mutex::new(());
        let opening = OPENING.lock().unwrap_or_else(|e| e.into_inner());
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
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        cmd.env("HOME", home);
        cmd.env("XDG_CONFIG_HOME", home.join("config"));
        cmd.env("XDG_DATA_HOME", home.join("data"));
        cmd.env("TERM", "xterm-256color");
        cmd.env("LANG", "nb_NO.UTF-8");
        cmd.env("PATH", std::env::var("PATH").unwrap_or_default());
        cmd.cwd(home);
        let child = pair.slave.spawn_command(cmd).expect("spawn styr");
        drop(pair.slave);
        // Our own duplicate of the master, read without blocking, so the reader thread can
        // be stopped and the last master descriptor closed (an SSH drop).
        let fd = pair.master.as_raw_fd().expect("master fd");
        // Close-on-exec, unlike a plain dup: a styr that another test starts meanwhile
        // must not inherit this master, or closing it here would not hang up our styr
        // (both hangup tests once waited on each other's children that way).
        // SAFETY: F_DUPFD_CLOEXEC returns a new descriptor that this File alone owns.
        let mut reader =
            unsafe { std::fs::File::from_raw_fd(libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 0)) };
        // SAFETY: plain fcntl calls on a descriptor we own.
        unsafe {
            let flags = libc::fcntl(reader.as_raw_fd(), libc::F_GETFL);
            libc::fcntl(reader.as_raw_fd(), libc::F_SETFL, flags | libc::O_NONBLOCK);
        }
        let writer = pair.master.take_writer().expect("writer");
        drop(opening);
        let parser = Arc::new(Mutex::new(vt100::Parser::new(rows, cols, 0)));
        let raw = Arc::new(Mutex::new(Vec::new()));
        let stop_reading = Arc::new(AtomicBool::new(false));
        let (p, r, stop) = (parser.clone(), raw.clone(), stop_reading.clone());
        let reader_thread = std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while !stop.load(Ordering::SeqCst) {
                match reader.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => {
                        p.lock().expect("parser").process(&buf[..n]);
                        r.lock().expect("raw").extend_from_slice(&buf[..n]);
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
        Pty {
            child,
            master: Some(pair.master),
            writer: Some(writer),
            parser,
            raw,
            stop_reading,
            reader: Some(reader_thread),
        }
    }

    pub fn screen(&self) -> String {
        self.parser.lock().expect("parser").screen().contents()
    }

    /// Rows of the screen, for checking where on screen something is.
    pub fn rows(&self) -> Vec<String> {
        let p = self.parser.lock().expect("parser");
        let (_, cols) = p.screen().size();
        p.screen().rows(0, cols).collect()
    }

    pub fn send(&mut self, bytes: &str) {
        let w = self.writer.as_mut().expect("writer open");
        w.write_all(bytes.as_bytes()).expect("write to pty");
        w.flush().expect("flush pty");
    }

    /// Waits until every text in `all` is on screen; panics with the screen at the deadline.
    pub fn wait_for(&self, all: &[&str]) -> String {
        let end = Instant::now() + DEADLINE;
        loop {
            let s = self.screen();
            if all.iter().all(|t| s.contains(t)) {
                return s;
            }
            if Instant::now() > end {
                panic!("waited for {all:?}; the screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits until `cond` holds for the screen; panics with `what` and the screen at the
    /// deadline. For conditions `wait_for` cannot say, such as text that must be gone.
    pub fn wait_until(&self, what: &str, cond: impl Fn(&str) -> bool) -> String {
        let end = Instant::now() + DEADLINE;
        loop {
            let s = self.screen();
            if cond(&s) {
                return s;
            }
            if Instant::now() > end {
                panic!("waited for {what}; the screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits for the process to end; returns its exit code.
    pub fn wait_exit(&mut self) -> u32 {
        let end = Instant::now() + DEADLINE;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                self.drain(end);
                return status.exit_code();
            }
            if Instant::now() > end {
                let why = self.child.process_id().map(why_alive).unwrap_or_default();
                let _ = self.child.kill();
                panic!("styr did not exit; {why}\nthe screen:\n{}", self.screen());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// After the child ended: lets the reader take in the last bytes it wrote (the
    /// terminal's restore sequences), which can still be on their way when the exit is
    /// seen. The reader ends when no one holds the terminal's other side any more.
    fn drain(&mut self, end: Instant) {
        while self.reader.as_ref().is_some_and(|r| !r.is_finished()) && Instant::now() < end {
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    pub fn signal(&self, sig: &str) {
        let pid = self.child.process_id().expect("pid");
        let ok = std::process::Command::new("kill")
            .args([&format!("-{sig}"), &pid.to_string()])
            .status()
            .expect("kill")
            .success();
        assert!(ok, "kill -{sig} {pid}");
    }

    /// Resizes the terminal (styr gets SIGWINCH). The emulator that reads the screen
    /// keeps at least `MIN_EMULATED` cells each way: vt100 0.16 can panic on a grid of
    /// one row or column, and a screen that small is not read anyway.
    pub fn resize(&mut self, cols: u16, rows: u16) {
        const MIN_EMULATED: u16 = 2;
        // The emulator takes the new size first, under its lock, and the terminal only
        // then: whatever styr draws for the new size is read at that size. (The other
        // way round, a frame read before the emulator grew would be cut, and styr, which
        // then draws only what changed, would never draw it again.)
        let mut parser = self.parser.lock().expect("parser");
        parser
            .screen_mut()
            .set_size(rows.max(MIN_EMULATED), cols.max(MIN_EMULATED));
        let master = self.master.as_ref().expect("terminal open");
        master
            .resize(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("resize the pty");
        drop(parser);
    }

    /// Closes the terminal as an SSH drop does.
    pub fn hang_up(&mut self) {
        self.stop_reading.store(true, Ordering::SeqCst);
        if let Some(r) = self.reader.take() {
            r.join().expect("reader thread");
        }
        self.writer = None;
        self.master = None;
    }

    pub fn raw_contains(&self, seq: &[u8]) -> bool {
        let raw = self.raw.lock().expect("raw");
        raw.windows(seq.len()).any(|w| w == seq)
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
    }
}

/// What a process that should have ended is doing, for the failure message: each
/// thread's name, state and kernel wait channel, and every process that still holds a
/// pty master (an inherited copy keeps the terminal from hanging up).
fn why_alive(pid: u32) -> String {
    let read = |p: String| std::fs::read_to_string(p).unwrap_or_default();
    let tty = std::fs::read_link(format!("/proc/{pid}/fd/0")).unwrap_or_default();
    let mut out = format!("process {pid} on {}, threads:", tty.display());
    if let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) {
        for t in tasks.flatten() {
            let dir = t.path().display().to_string();
            let stat = read(format!("{dir}/stat"));
            let state = stat.rsplit(") ").next().unwrap_or("").chars().next();
            out += &format!(
                "\n  {} {:?} wchan={} stack={}",
                read(format!("{dir}/comm")).trim(),
                state.unwrap_or('?'),
                read(format!("{dir}/wchan")),
                read(format!("{dir}/stack")).replace('\n', " | "),
            );
        }
    }
    out += "\nholders of pty masters:";
    if let Ok(procs) = std::fs::read_dir("/proc") {
        for p in procs.flatten() {
            let Ok(fds) = std::fs::read_dir(p.path().join("fd")) else {
                continue;
            };
            for fd in fds.flatten() {
                let is_master = std::fs::read_link(fd.path())
                    .is_ok_and(|l| l.to_str() == Some("/dev/ptmx") || l.ends_with("ptmx"));
                if is_master {
                    let info = read(format!(
                        "{}/fdinfo/{}",
                        p.path().display(),
                        fd.file_name().to_string_lossy()
                    ));
                    let tty = info
                        .lines()
                        .find(|l| l.starts_with("tty-index"))
                        .unwrap_or("");
                    out += &format!(
                        "\n  pid {} ({}) fd {} {}",
                        p.file_name().to_string_lossy(),
                        read(format!("{}/comm", p.path().display())).trim(),
                        fd.file_name().to_string_lossy(),
                        tty
                    );
                }
            }
        }
    }
    out
}
