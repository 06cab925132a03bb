//! A throw-away PostgreSQL cluster for a test: `initdb` in a temporary directory,
//! `pg_ctl start` on a free port of 127.0.0.1 (its unix socket in the same directory, so
//! that it never meets a system cluster's), one database made with `createdb`, and a
//! `postgres://` URL for it. Stopped and removed on drop.
//!
//! PostgreSQL refuses to run as root, so when the test runs as root (CI does) every
//! server command runs as the `postgres` user that Debian's package creates, and the
//! directory is handed to that user first.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// How long the cluster may take to start (`pg_ctl -w` polls until it accepts
/// connections; this bounds that wait on a slow, shared machine).
const START_DEADLINE: Duration = Duration::from_secs(60);

/// The owner of the cluster's files and processes when the test runs as root.
const SERVER_USER: &str = "postgres";

pub struct PgCluster {
    /// `postgres://styr@127.0.0.1:PORT/styr_test`, a database made at start.
    pub url: String,
    pub port: u16,
    bin: PathBuf,
    data: PathBuf,
    as_user: Option<String>,
    stopped: bool,
    // Last, so that it is removed after the server has stopped.
    _dir: tempfile::TempDir,
}

/// The directory holding `initdb` and `pg_ctl`: on PATH (Debian puts symlinks in
/// /usr/local/bin on some machines), else the newest of Debian's versioned directories.
fn bin_dir() -> PathBuf {
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            if dir.join("initdb").is_file() && dir.join("pg_ctl").is_file() {
                // A symlink into Debian's directory: use the real one, beside createdb.
                return std::fs::canonicalize(dir.join("initdb"))
                    .ok()
                    .and_then(|p| p.parent().map(Path::to_path_buf))
                    .unwrap_or(dir);
            }
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").is_file().then_some((v, bin))
        })
        .collect();
    versions.sort();
    match versions.pop() {
        Some((_, bin)) => bin,
        None => panic!(
            "PostgreSQL's initdb was not found (on PATH or in /usr/lib/postgresql/*/bin): \
             install Debian's postgresql package (.ci/run does this)"
        ),
    }
}

fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("a free port on 127.0.0.1");
    l.local_addr().expect("the listener's address").port()
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

impl PgCluster {
    /// Starts a new cluster and creates the database `styr_test` in it. Not durable
    /// (`fsync=off`): a test's cluster is thrown away, and the shared disk is slow.
    pub fn start() -> PgCluster {
        Self::start_with(false)
    }

    /// As [`PgCluster::start`], durable as PostgreSQL is installed (`fsync`,
    /// `synchronous_commit` and `full_page_writes` on), for the benchmarks.
    pub fn start_durable() -> PgCluster {
        Self::start_with(true)
    }

    fn start_with(durable: bool) -> PgCluster {
        let bin = bin_dir();
        let dir = tempfile::tempdir().expect("a temporary directory");
        let as_user = is_root().then(|| SERVER_USER.to_string());
        if let Some(user) = &as_user {
            let out = Command::new("chown")
                .arg("-R")
                .arg(format!("{user}:"))
                .arg(dir.path())
                .output()
                .expect("chown runs");
            assert!(
                out.status.success(),
                "could not hand the cluster directory to the user {user:?} (does it exist? \
                 Debian's postgresql package creates it): {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let data = dir.path().join("data");
        let mut cluster = PgCluster {
            url: String::new(),
            port: 0,
            bin,
            data,
            as_user,
            stopped: true,
            _dir: dir,
        };
        let data = cluster.data.clone();
        // Trust on 127.0.0.1 and the private socket only: the cluster lives for one test.
        // --no-sync: nothing of it needs to survive a crash of the machine.
        cluster.run_ok(
            "initdb",
            &[
                "-D".as_ref(),
                data.as_os_str(),
                "-U".as_ref(),
                "styr".as_ref(),
                "-A".as_ref(),
                "trust".as_ref(),
                "-E".as_ref(),
                "UTF8".as_ref(),
                "--no-sync".as_ref(),
                "--no-instructions".as_ref(),
            ],
        );
        // A port taken between free_port() and the start makes pg_ctl fail: try again
        // on another one a few times.
        let socket_dir = cluster._dir.path().to_path_buf();
        let log = cluster._dir.path().join("server.log");
        let mut last = String::new();
        for _ in 0..5 {
            let port = free_port();
            let mut options = format!(
                "-p {port} -k {} -c listen_addresses=127.0.0.1",
                socket_dir.display()
            );
            if !durable {
                options.push_str(" -c fsync=off -c synchronous_commit=off -c full_page_writes=off");
            }
            let started = Instant::now();
            let out = cluster.run(
                "pg_ctl",
                &[
                    "-D".as_ref(),
                    data.as_os_str(),
                    "-l".as_ref(),
                    log.as_os_str(),
                    "-o".as_ref(),
                    options.as_ref(),
                    "-w".as_ref(),
                    "-t".as_ref(),
                    START_DEADLINE.as_secs().to_string().as_ref(),
                    "start".as_ref(),
                ],
            );
            if out.status.success() {
                cluster.stopped = false;
                cluster.port = port;
                break;
            }
            last = format!(
                "pg_ctl start failed after {:?}: {}{}\nserver log:\n{}",
                started.elapsed(),
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr),
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        assert!(!cluster.stopped, "{last}");
        cluster.url = cluster.create_database("styr_test");
        cluster
    }

    /// Creates another (empty) database in the cluster and returns its URL, so that
    /// tests can share one cluster and still start from nothing.
    pub fn create_database(&self, name: &str) -> String {
        let port = self.port.to_string();
        self.run_ok(
            "createdb",
            &[
                "-h".as_ref(),
                "127.0.0.1".as_ref(),
                "-p".as_ref(),
                port.as_ref(),
                "-U".as_ref(),
                "styr".as_ref(),
                name.as_ref(),
            ],
        );
        format!("postgres://styr@127.0.0.1:{}/{name}", self.port)
    }

    /// Runs one of PostgreSQL's programs, as the server user when the test is root.
    fn run(&self, program: &str, args: &[&std::ffi::OsStr]) -> Output {
        let exe = self.bin.join(program);
        let mut cmd = match &self.as_user {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.arg("-u").arg(user).arg("--").arg(&exe);
                c
            }
            None => Command::new(&exe),
        };
        cmd.args(args)
            .env("LC_ALL", "C")
            .env_remove("PGDATA")
            .env_remove("PGHOST")
            .env_remove("PGPORT")
            .stdin(Stdio::null())
            // The server inherits pg_ctl's output: a file, not a pipe that would keep
            // this process waiting for EOF while the server runs.
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd.output()
            .unwrap_or_else(|e| panic!("{} could not be run: {e}", exe.display()))
    }

    fn run_ok(&self, program: &str, args: &[&std::ffi::OsStr]) {
        let out = self.run(program, args);
        assert!(
            out.status.success(),
            "{program} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        if self.stopped {
            return;
        }
        // Immediate: the data is thrown away next, so nothing needs flushing.
        let data = self.data.clone();
        let _ = self.run(
            "pg_ctl",
            &[
                "-D".as_ref(),
                data.as_os_str(),
                "-m".as_ref(),
                "immediate".as_ref(),
                "-w".as_ref(),
                "stop".as_ref(),
            ],
        );
        self.stopped = true;
    }
}
