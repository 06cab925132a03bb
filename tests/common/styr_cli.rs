//! `styr` as a person runs it, for the end-to-end tests: commands run to their end
//! with a private home, a `styr serve` child process on loopback, users, logins and
//! boards in pseudo-terminals.

use super::pty::{Pty, DEADLINE};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const STYR: &str = env!("CARGO_BIN_EXE_styr");

/// The clients' reconnect cap, so that finding the restarted server takes at most this
/// long instead of up to 30 s.
pub const BACKOFF_MAX_MS: &str = "500";

/// `styr` with the environment of a person whose home is `home` (as `Pty::spawn` sets it).
pub fn styr(home: &Path) -> Command {
    let mut cmd = Command::new(STYR);
    cmd.env_clear()
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("LANG", "nb_NO.UTF-8")
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .current_dir(home)
        .stdin(Stdio::null());
    cmd
}

/// Runs a `styr` command to its end (it must end within the deadline).
pub fn run(home: &Path, args: &[&str]) -> Output {
    let mut child = styr(home)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("styr starts");
    let end = Instant::now() + DEADLINE;
    while child.try_wait().expect("try_wait").is_none() {
        if Instant::now() > end {
            let _ = child.kill();
            let _ = child.wait();
            panic!("styr {args:?} did not end within {DEADLINE:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A `styr serve` child process. Killed on drop, so a failing test leaves none behind.
pub struct Server {
    pub child: Child,
    /// Every line it wrote, standard output and standard error together.
    pub lines: Arc<Mutex<Vec<String>>>,
    /// The log alone (standard error): standard output is for the person starting it.
    pub log: Arc<Mutex<Vec<String>>>,
}

impl Server {
    pub fn start(home: &Path, db: &Path, listen: &str) -> Server {
        Server::start_with_env(home, db, listen, &[])
    }

    /// As `start`, with more environment (e.g. `RUST_LOG`).
    pub fn start_with_env(home: &Path, db: &Path, listen: &str, env: &[(&str, &str)]) -> Server {
        let mut child = styr(home)
            .envs(env.iter().copied())
            .args(["serve", "--listen", listen, "--db"])
            .arg(db)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("styr serve starts");
        let lines: Arc<Mutex<Vec<String>>> = Arc::default();
        let log: Arc<Mutex<Vec<String>>> = Arc::default();
        let stdout = child.stdout.take().expect("stdout");
        let stderr = child.stderr.take().expect("stderr");
        for (pipe, also) in [
            (Box::new(stdout) as Box<dyn std::io::Read + Send>, None),
            (
                Box::new(stderr) as Box<dyn std::io::Read + Send>,
                Some(log.clone()),
            ),
        ] {
            let lines = lines.clone();
            // Drained to the end, so the server never blocks on a full pipe.
            std::thread::spawn(move || {
                for line in BufReader::new(pipe).lines() {
                    match line {
                        Ok(l) => {
                            if let Some(log) = &also {
                                log.lock().expect("log").push(l.clone());
                            }
                            lines.lock().expect("lines").push(l)
                        }
                        Err(_) => return,
                    }
                }
            });
        }
        Server { child, lines, log }
    }

    /// Waits for a line with `needle`; fails early if the server ended.
    pub fn wait_line(&mut self, needle: &str) -> String {
        let end = Instant::now() + DEADLINE;
        loop {
            if let Some(l) = self
                .lines
                .lock()
                .expect("lines")
                .iter()
                .find(|l| l.contains(needle))
            {
                return l.clone();
            }
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                panic!(
                    "styr serve ended ({status}) before printing {needle:?}:\n{}",
                    self.output()
                );
            }
            assert!(
                Instant::now() < end,
                "styr serve did not print {needle:?}:\n{}",
                self.output()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn output(&self) -> String {
        self.lines.lock().expect("lines").join("\n")
    }

    /// SIGTERM, then waits for the exit; a graceful stop exits 0 even with event
    /// streams open.
    pub fn stop(mut self) {
        let pid = self.child.id() as libc::pid_t;
        // SAFETY: a plain kill(2) on our own child, which has not been waited for.
        assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
        let end = Instant::now() + DEADLINE;
        let status = loop {
            if let Some(s) = self.child.try_wait().expect("try_wait") {
                break s;
            }
            assert!(
                Instant::now() < end,
                "styr serve did not stop on SIGTERM:\n{}",
                self.output()
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        assert!(status.success(), "{status}:\n{}", self.output());
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The `styr login URL TOKEN` line that `styr serve` (first start) and `styr user add`
/// print: the address and the token.
pub fn login_line(line: &str) -> (String, String) {
    let words: Vec<&str> = line.split_whitespace().collect();
    match words.as_slice() {
        ["styr", "login", url, token] => (url.to_string(), token.to_string()),
        _ => panic!("not a login line: {line:?}"),
    }
}

/// A first start on a free port: the server's address and the admin's token.
pub fn first_start(home: &Path, db: &Path) -> (Server, String, String) {
    let mut server = Server::start(home, db, "127.0.0.1:0");
    let line = server.wait_line("styr login http://127.0.0.1:");
    let (url, token) = login_line(&line);
    (server, url, token)
}

/// `styr user add` on the server's database; returns the new user's token.
pub fn add_user(home: &Path, db: &Path, url: &str, name: &str, role: &str) -> String {
    let out = run(
        home,
        &[
            "user",
            "add",
            name,
            "--role",
            role,
            "--org",
            "Fosen IKT",
            "--url",
            url,
            "--db",
            db.to_str().expect("utf-8 path"),
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let line = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("styr login "))
        .unwrap_or_else(|| panic!("no login line in {stdout:?}"));
    let (printed_url, token) = login_line(line);
    assert_eq!(printed_url, url);
    token
}

pub fn login(home: &Path, url: &str, token: &str) {
    let out = run(home, &["login", url, token]);
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(text(&out.stdout).contains("Logget inn på"), "{out:?}");
}

/// The board of the person whose home is `home`, synced, at 80x24.
pub fn board(home: &Path) -> Pty {
    Pty::spawn_program(
        home,
        STYR,
        &[],
        &[("STYR_SYNC_BACKOFF_MAX_MS", BACKOFF_MAX_MS)],
        80,
        24,
    )
}

pub fn status(home: &Path) -> String {
    let out = run(home, &["status"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout)
}
