//! `styr`: thin dispatch from the command line to the library.

use clap::Parser;
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use styr::cli::{Cli, Command, Format};
use styr::config::Config;
use styr::i18n::{fill, Lang, Strings};
use styr::model::{Portfolio, Replica};
use styr::store::{OpenError, Store};
use styr::sync::{Credentials, HttpTransport, ServerUrl};
use styr::tui::app::{now_ms, AppInit};
use styr::tui::run::{ending_message, run};
use styr::tui::theme::{self, Theme};
use styr::tui::App;
use styr::{io as sio, paths::Paths};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let (config, config_error) = Config::load(
        Paths::resolve(cli.data_dir.as_deref())
            .ok()
            .and_then(|p| p.config_dir)
            .as_deref(),
    );
    let lang = match Lang::detect(cli.lang.as_deref().or(config.lang.as_deref())) {
        Ok(l) => l,
        Err(e) => return fail(&e),
    };
    let t = lang.strings();
    let paths = match Paths::resolve(cli.data_dir.as_deref()) {
        Ok(p) => p,
        Err(e) => return fail(&e),
    };
    let mut notices = Vec::new();
    if let Some(e) = config_error {
        notices.push(fill(
            t.config_broken,
            &[("file", &e.file), ("line", &e.line), ("err", &e.message)],
        ));
    }
    match cli.command {
        None => {
            // Logged in: the server's shared portfolio, in its own cache. Otherwise the
            // user's local portfolio.
            let creds = match paths.config_dir.as_deref().map(Credentials::load) {
                Some(Ok(c)) => c,
                Some(Err(e)) => return fail(&e.to_string()),
                None => None,
            };
            let server = match creds {
                Some(c) => match c.server_url() {
                    Ok(url) => Some((url, c.token)),
                    Err(e) => return fail(&e.to_string()),
                },
                None => None,
            };
            let base = match &server {
                Some((url, _)) => paths.server(url),
                None => paths.local(),
            };
            open_board(
                &cli,
                &config,
                lang,
                &paths,
                &base,
                t.portfolio,
                false,
                notices,
                server,
            )
        }
        Some(Command::Demo { reset }) => open_board(
            &cli,
            &config,
            lang,
            &paths,
            &paths.demo(),
            t.demo_portfolio,
            reset,
            notices,
            None,
        ),
        Some(Command::Import { ref file }) => import(t, &paths, &config, file),
        Some(Command::Export { format, ref output }) => {
            export(t, &paths, format, output.as_deref())
        }
        Some(Command::Login {
            ref url,
            ref token,
            allow_http,
        }) => login(t, &paths, url, token.as_deref(), allow_http),
        Some(Command::Logout) => logout(t, &paths),
        Some(Command::Status) => status(t, &paths),
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())
}

fn config_dir(paths: &Paths) -> Result<&Path, String> {
    paths
        .config_dir
        .as_deref()
        .ok_or_else(|| "no home directory was found for styr's settings".to_string())
}

fn login(t: &Strings, paths: &Paths, url: &str, token: Option<&str>, allow_http: bool) -> ExitCode {
    let dir = match config_dir(paths) {
        Ok(d) => d,
        Err(e) => return fail(&e),
    };
    let token = match token {
        Some(t) => t.to_string(),
        None => {
            let mut line = String::new();
            if let Err(e) = std::io::stdin().read_line(&mut line) {
                return fail(&e.to_string());
            }
            line
        }
    };
    let rt = match runtime() {
        Ok(r) => r,
        Err(e) => return fail(&e),
    };
    use styr::sync::account::LoginError;
    use styr::sync::SyncError;
    match rt.block_on(styr::sync::account::login(dir, url, &token, allow_http)) {
        Ok((server, who)) => {
            let role = (t.sync.role_name)(who.role);
            println!(
                "{}",
                fill(
                    t.sync.login_ok,
                    &[
                        ("server", &server),
                        ("user", &who.user),
                        ("role", &role),
                        ("org", &who.org)
                    ]
                )
            );
            ExitCode::SUCCESS
        }
        Err(LoginError::Sync(SyncError::Unauthorized(e))) => fail(&fill(
            t.sync.login_refused,
            &[("server", &url), ("err", &e)],
        )),
        Err(LoginError::Sync(e)) => fail(&fill(
            t.sync.login_unreachable,
            &[("server", &url), ("err", &e)],
        )),
        Err(e) => fail(&e.to_string()),
    }
}

fn logout(t: &Strings, paths: &Paths) -> ExitCode {
    let dir = match config_dir(paths) {
        Ok(d) => d,
        Err(e) => return fail(&e),
    };
    let creds = match Credentials::load(dir) {
        Ok(Some(c)) => c,
        Ok(None) => {
            println!("{}", t.sync.logout_none);
            return ExitCode::SUCCESS;
        }
        // A broken file is removed all the same: that is what logging out asks for.
        Err(_) => styr::sync::Credentials {
            server: String::new(),
            token: String::new(),
            allow_http: false,
        },
    };
    if let Err(e) = Credentials::remove(dir) {
        return fail(&e.to_string());
    }
    let cache = creds
        .server_url()
        .map(|u| paths.server(&u).display().to_string())
        .unwrap_or_default();
    println!(
        "{}",
        fill(
            t.sync.logout_ok,
            &[("server", &creds.server), ("dir", &cache)]
        )
    );
    ExitCode::SUCCESS
}

fn status(t: &Strings, paths: &Paths) -> ExitCode {
    let dir = match config_dir(paths) {
        Ok(d) => d,
        Err(e) => return fail(&e),
    };
    let creds = match Credentials::load(dir) {
        Ok(Some(c)) => c,
        Ok(None) => {
            println!("{}", t.sync.not_logged_in);
            return ExitCode::SUCCESS;
        }
        Err(e) => return fail(&e.to_string()),
    };
    let rt = match runtime() {
        Ok(r) => r,
        Err(e) => return fail(&e),
    };
    let view = match rt.block_on(styr::sync::account::server_view(&creds)) {
        Ok(v) => v,
        Err(e) => return fail(&e.to_string()),
    };
    let state = match &view.health {
        Ok(h) => fill(t.sync.status_reachable, &[("head", &h.head)]),
        Err(e) => fill(t.sync.status_unreachable, &[("err", e)]),
    };
    println!(
        "{}",
        fill(
            t.sync.status_server,
            &[("server", &creds.server), ("state", &state)]
        )
    );
    if let Ok(who) = &view.identity {
        let role = (t.sync.role_name)(who.role);
        println!(
            "{}",
            fill(
                t.sync.status_user,
                &[("user", &who.user), ("role", &role), ("org", &who.org)]
            )
        );
    }
    ExitCode::SUCCESS
}

fn fail(msg: &str) -> ExitCode {
    eprintln!("styr: {msg}");
    ExitCode::from(1)
}

fn open_error(t: &Strings, dir: &Path, e: &OpenError) -> String {
    let dir = dir.display();
    match e {
        OpenError::AllSlotsBusy { tried, .. } => {
            fill(t.all_slots_busy, &[("n", tried), ("dir", &dir)])
        }
        OpenError::NewerSchema { found, .. } => {
            fill(t.store_newer, &[("dir", &dir), ("found", found)])
        }
        other => fill(t.store_failed, &[("dir", &dir), ("err", other)]),
    }
}

/// Opens slot 0 only: batch commands must write to the portfolio itself, not to a copy.
fn open_exclusive(t: &Strings, base: &Path) -> Result<Store, String> {
    match Store::open(base) {
        Ok(s) if s.slot() == 0 => Ok(s),
        Ok(_) | Err(OpenError::AllSlotsBusy { .. }) => Err(t.portfolio_busy.to_string()),
        Err(e) => Err(open_error(t, base, &e)),
    }
}

#[allow(clippy::too_many_arguments)]
fn open_board(
    cli: &Cli,
    config: &Config,
    lang: Lang,
    paths: &Paths,
    base: &Path,
    title: &str,
    reset: bool,
    mut notices: Vec<String>,
    server: Option<(ServerUrl, String)>,
) -> ExitCode {
    let t = lang.strings();
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return fail(t.not_a_terminal);
    }
    let is_demo = base == paths.demo();
    if reset && is_demo {
        // Only when no other styr has the demo open.
        match open_exclusive(t, base) {
            Ok(s) => drop(s),
            Err(e) => return fail(&e),
        }
        if let Err(e) = std::fs::remove_dir_all(base) {
            return fail(&e.to_string());
        }
        notices.push(t.demo_reset.to_string());
    }
    let opened = match server {
        Some(_) => Store::open_synced(base),
        None => Store::open(base),
    };
    let store = match opened {
        Ok(s) => s,
        Err(e) => return fail(&open_error(t, base, &e)),
    };
    let loaded = match server {
        Some(_) => store.load_replica(),
        None => store.load().map(Replica::from),
    };
    let mut replica = match loaded {
        Ok(r) => r,
        Err(e) => return fail(&open_error(t, base, &OpenError::Corrupt(e.to_string()))),
    };
    if is_demo && replica.view().all_items().next().is_none() {
        let ops = sio::demo::demo_ops(now_ms());
        if let Err(e) = store.append(&ops) {
            return fail(&e.to_string());
        }
        replica = Replica::from(Portfolio::fold(&ops));
    }
    let transport = match &server {
        Some((url, token)) => match HttpTransport::new(url.clone(), token) {
            Ok(t) => Some(t),
            Err(e) => return fail(&e.to_string()),
        },
        None => None,
    };
    let theme_name = cli
        .theme
        .clone()
        .or_else(|| config.theme.clone())
        .unwrap_or_else(|| theme::DEFAULT.to_string());
    let (theme, theme_error) = Theme::load(
        &theme_name,
        paths.config_dir.as_deref(),
        theme::no_color_requested(),
    );
    if let Some(e) = theme_error {
        notices.push(fill(
            t.theme_broken,
            &[("file", &e.file), ("line", &e.line), ("err", &e.message)],
        ));
    }
    let draft = store.take_draft().ok().flatten();
    let app = App::new(AppInit {
        replica,
        server: server.as_ref().map(|(url, _)| url.to_string()),
        read_only: cli.read_only,
        stages: config.stages(),
        lang,
        theme,
        title: title.to_string(),
        author: config.author(),
        slot: store.slot(),
        draft,
        notices,
        clock: now_ms,
    });
    match run(app, store, transport) {
        Ok((ending, app)) => {
            if let Some(m) = ending_message(&app, &ending) {
                eprintln!("styr: {m}");
            }
            ExitCode::from(ending.exit_code() as u8)
        }
        Err(e) => fail(&e.to_string()),
    }
}

fn import(t: &Strings, paths: &Paths, config: &Config, file: &Path) -> ExitCode {
    let name = file.display();
    let rows = match sio::import::read_path_with(file, &config.stages()) {
        Ok(r) => r,
        Err(e) => return fail(&fill(t.import_failed, &[("file", &name), ("err", &e)])),
    };
    let store = match open_exclusive(t, &paths.local()) {
        Ok(s) => s,
        Err(e) => return fail(&e),
    };
    let existing = match store.load() {
        Ok(p) => p,
        Err(e) => return fail(&e.to_string()),
    };
    let ops = sio::import::to_ops(
        rows,
        &existing,
        &config.stages(),
        &config.author(),
        now_ms(),
    );
    if ops.is_empty() {
        println!("{}", fill(t.import_nothing, &[("file", &name)]));
        return ExitCode::SUCCESS;
    }
    if let Err(e) = store.append(&ops) {
        return fail(&fill(t.import_failed, &[("file", &name), ("err", &e)]));
    }
    println!(
        "{}",
        fill(t.imported, &[("n", &ops.len()), ("file", &name)])
    );
    ExitCode::SUCCESS
}

fn export(t: &Strings, paths: &Paths, format: Format, output: Option<&Path>) -> ExitCode {
    let store = match open_exclusive(t, &paths.local()) {
        Ok(s) => s,
        Err(e) => return fail(&e),
    };
    let portfolio = match store.load() {
        Ok(p) => p,
        Err(e) => return fail(&e.to_string()),
    };
    let text = match format {
        Format::Csv => sio::export::to_csv(&portfolio),
        Format::Json => match store.histories() {
            Ok(histories) => sio::export::to_json(&portfolio, &histories),
            Err(e) => return fail(&e.to_string()),
        },
    };
    match output {
        None => {
            let mut out = std::io::stdout().lock();
            if out.write_all(text.as_bytes()).is_err() {
                return ExitCode::from(1);
            }
        }
        Some(path) => {
            if let Err(e) = std::fs::write(path, text) {
                return fail(&format!("{}: {e}", path.display()));
            }
            eprintln!(
                "{}",
                fill(
                    t.exported,
                    &[("n", &portfolio.len()), ("file", &path.display())]
                )
            );
        }
    }
    ExitCode::SUCCESS
}
