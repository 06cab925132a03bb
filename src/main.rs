//! `styr`: thin dispatch from the command line to the library.

use clap::Parser;
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use styr::cli::{Cli, Command, Format, MeetingCommand, MinutesFormat, ServeCommand, UserCommand};
use styr::config::Config;
use styr::i18n::{fill, Lang, Strings};
use styr::model::{Portfolio, Replica};
use styr::server::{
    self, users, AppState, PgStore, ServerConfig, ServerStore, SqliteStore, StoreError,
};
use styr::store::{OpenError, Store};
use styr::sync::{Credentials, HttpTransport, ServerUrl};
use styr::tui::app::{now_ms, AppInit};
use styr::tui::run::{ending_message, run};
use styr::tui::theme::{self, Theme};
use styr::tui::App;
use styr::{io as sio, paths::Paths};

/// `println!` that ignores a closed standard output (`styr import … | head`) instead of
/// panicking.
macro_rules! say {
    ($($arg:tt)*) => {{
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

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
            let server = match logged_in(&paths) {
                Ok(s) => s,
                Err(e) => return fail(&e),
            };
            if let Some(warning) = exposed_login(t, &paths) {
                eprintln!("{warning}");
                notices.push(warning);
            }
            let base = match &server {
                Some((url, _, _)) => paths.server(url),
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
        Some(Command::Import {
            ref file,
            dry_run,
            ref map,
            ref sheet,
        }) => import(
            t,
            &paths,
            &config,
            &ImportArgs {
                file,
                dry_run,
                map,
                sheet: sheet.as_deref(),
            },
        ),
        Some(Command::Export {
            format,
            ref output,
            ref filter,
            ref stage,
        }) => export(
            t,
            &paths,
            &config,
            format,
            output.as_deref(),
            filter.as_deref(),
            stage.as_deref(),
        ),
        Some(Command::Login {
            ref url,
            ref token,
            allow_http,
            ref ca_file,
        }) => login(
            t,
            &paths,
            url,
            token.as_deref(),
            allow_http,
            ca_file.as_deref(),
        ),
        Some(Command::Logout) => logout(t, &paths),
        Some(Command::Status) => status(t, &paths),
        Some(Command::Serve {
            command:
                Some(ServeCommand::Backup {
                    ref file,
                    db: ref backup_db,
                }),
            ref db,
            ..
        }) => {
            let db = backup_db
                .clone()
                .or_else(|| db.clone())
                .unwrap_or_else(|| paths.server_db());
            if let Some(refused) = file_only(t, "styr serve backup", &db) {
                return refused;
            }
            serve_backup(t, &db, file)
        }
        Some(Command::Serve {
            command: Some(ServeCommand::Migrate { ref from, ref to }),
            ..
        }) => serve_migrate(t, from, to),
        Some(Command::Serve {
            listen,
            ref db,
            ref tls_cert,
            ref tls_key,
            command: None,
        }) => {
            let db = db.clone().unwrap_or_else(|| paths.server_db());
            let tls = tls_cert.as_deref().zip(tls_key.as_deref());
            serve(t, &config, listen, &db, tls)
        }
        Some(Command::User { ref command }) => user(t, &paths, command),
        Some(Command::Minutes {
            ref meeting,
            public,
            format,
            ref out,
            case_format,
        }) => {
            let opts = sio::minutes::MinutesOptions {
                public,
                format: match format {
                    MinutesFormat::Md => sio::minutes::MinutesFormat::Markdown,
                    MinutesFormat::Json => sio::minutes::MinutesFormat::Json,
                },
                case_format: case_format.unwrap_or(config.meeting.case_format),
                strings: t.minutes,
            };
            minutes(t, &paths, meeting, &opts, out.as_deref())
        }
        Some(Command::Verify { ref db }) => verify(t, &paths, db.as_deref()),
        Some(Command::Meeting { ref command }) => meeting(t, &paths, &config, command),
    }
}

/// The warning to give when the login file is readable by others.
fn exposed_login(t: &Strings, paths: &Paths) -> Option<String> {
    let (file, mode) = Credentials::exposed(paths.config_dir.as_deref()?)?;
    Some(fill(
        t.credentials_exposed,
        &[("file", &file.display()), ("mode", &format!("{mode:o}"))],
    ))
}

/// The server this user is logged in to, if any: address, token and extra CA file.
type Login = (ServerUrl, String, Option<std::path::PathBuf>);

fn logged_in(paths: &Paths) -> Result<Option<Login>, String> {
    let creds = match paths.config_dir.as_deref().map(Credentials::load) {
        Some(Ok(c)) => c,
        Some(Err(e)) => return Err(e.to_string()),
        None => None,
    };
    match creds {
        Some(c) => match c.server_url() {
            Ok(url) => Ok(Some((url, c.token, c.ca_file))),
            Err(e) => Err(e.to_string()),
        },
        None => Ok(None),
    }
}

/// The portfolio a batch command works on: the server's (any slot: they all converge
/// through the server) when logged in, else the local one (slot 0 only: a second local
/// slot is a separate copy).
fn open_for_batch(t: &Strings, paths: &Paths, server: Option<&Login>) -> Result<Store, String> {
    match server {
        Some((url, _, _)) => {
            let base = paths.server(url);
            Store::open_synced(&base).map_err(|e| open_error(t, &base, &e))
        }
        None => open_exclusive(t, &paths.local()),
    }
}

/// ", Åfjord kommune" after the role, or nothing for a user without an organisation.
fn org_suffix(org: &str) -> String {
    if org.trim().is_empty() {
        String::new()
    } else {
        format!(", {org}")
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

fn login(
    t: &Strings,
    paths: &Paths,
    url: &str,
    token: Option<&str>,
    allow_http: bool,
    ca_file: Option<&Path>,
) -> ExitCode {
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
    match rt.block_on(styr::sync::account::login(
        dir, url, &token, allow_http, ca_file,
    )) {
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
                        ("org", &org_suffix(&who.org))
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
        Err(_) => Credentials {
            server: String::new(),
            token: String::new(),
            allow_http: false,
            ca_file: None,
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
    if let Some(warning) = exposed_login(t, paths) {
        eprintln!("{warning}");
    }
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
    match &view.identity {
        Ok(who) => {
            let role = (t.sync.role_name)(who.role);
            println!(
                "{}",
                fill(
                    t.sync.status_user,
                    &[
                        ("user", &who.user),
                        ("role", &role),
                        ("org", &org_suffix(&who.org))
                    ]
                )
            );
        }
        Err(styr::sync::SyncError::Unauthorized(e)) => {
            println!("{}", fill(t.sync.status_token_refused, &[("err", e)]));
        }
        // Unreachable: the server line has said so already.
        Err(_) => {}
    }
    // The local side: each slot of this server's cache, also while a styr has it open.
    let base = match creds.server_url() {
        Ok(url) => paths.server(&url),
        Err(e) => return fail(&e.to_string()),
    };
    let reports = styr::store::slot_reports(&base);
    if reports.is_empty() {
        println!("{}", t.sync.status_no_cache);
    }
    for r in &reports {
        let (pending, seq) = match &r.status {
            Ok(s) => (s.pending.to_string(), s.last_seq.to_string()),
            Err(_) => ("?".to_string(), "?".to_string()),
        };
        let busy = if r.busy { t.sync.status_busy } else { "" };
        println!(
            "{}",
            fill(
                t.sync.status_slot,
                &[
                    ("n", &r.slot),
                    ("pending", &pending),
                    ("seq", &seq),
                    ("busy", &busy)
                ]
            )
        );
        if let Err(e) = &r.status {
            println!("             {e}");
        }
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
    server: Option<Login>,
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
        Some((url, token, ca)) => match HttpTransport::with_ca(url.clone(), token, ca.as_deref()) {
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
    let mut app = App::new(AppInit {
        replica,
        server: server.as_ref().map(|(url, _, _)| url.to_string()),
        identity: store.identity().map(Into::into),
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
    app.body_rules = config.meeting.clone();
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

/// What `styr import` was asked to do.
struct ImportArgs<'a> {
    file: &'a Path,
    dry_run: bool,
    map: &'a [String],
    sheet: Option<&'a str>,
}

fn import(t: &Strings, paths: &Paths, config: &Config, args: &ImportArgs) -> ExitCode {
    use sio::import::{ColumnMap, MapError, ReadOptions, Source};
    let io = t.io;
    let name = args.file.display();
    let map = match ColumnMap::parse(args.map.iter().map(String::as_str)) {
        Ok(m) => m,
        Err(MapError::UnknownField { field }) => {
            let valid = sio::import::field_names().join(", ");
            return fail(&fill(
                io.map_unknown_field,
                &[("field", &field), ("valid", &valid)],
            ));
        }
        Err(MapError::Syntax { part }) => return fail(&fill(io.map_syntax, &[("part", &part)])),
    };
    let options = ReadOptions {
        stages: config.stages(),
        map,
        sheet: args.sheet.map(String::from),
    };
    let mut progress =
        sio::progress::ProgressLine::stderr(fill(io.progress_reading, &[("file", &name)]));
    let read = sio::import::read_file(args.file, &options, &mut |d, n| progress.update(d, n));
    progress.finish();
    let workbook = sio::import::is_workbook(args.file);
    let read = match read {
        Ok(r) => r,
        Err(e) => return import_failed(t, &name, &e, args.dry_run, workbook),
    };
    let server = match logged_in(paths) {
        Ok(s) => s,
        Err(e) => return fail(&e),
    };
    let store = match open_for_batch(t, paths, server.as_ref()) {
        Ok(s) => s,
        Err(e) => return fail(&e),
    };
    let existing = match store.load() {
        Ok(p) => p,
        Err(e) => return fail(&e.to_string()),
    };
    progress.relabel(io.progress_checking);
    let plan = sio::import::plan(
        read.rows,
        &read.lines,
        &existing,
        &config.stages(),
        &config.author(),
        now_ms(),
        &mut |d, n| progress.update(d, n),
    );
    progress.finish();
    match &read.source {
        Source::Windows1252 => say!("{}", fill(io.read_windows_1252, &[("file", &name)])),
        Source::Utf16 => say!("{}", fill(io.read_utf16, &[("file", &name)])),
        Source::Workbook { sheet } => say!(
            "{}",
            fill(io.read_sheet, &[("file", &name), ("sheet", sheet)])
        ),
        Source::Utf8 | Source::Utf8Bom => {}
    }
    let row_word = if workbook {
        io.sheet_row_word
    } else {
        io.row_word
    };
    if args.dry_run {
        say!("{}", fill(io.dry_run, &[("file", &name)]));
        for c in &plan.created {
            let flag = if c.flagged {
                fill(io.dry_run_flag, &[("tag", &sio::import::DUPLICATE_TAG)])
            } else {
                String::new()
            };
            say!(
                "{}",
                fill(
                    io.dry_run_item,
                    &[
                        ("row", &row_word),
                        ("line", &c.line),
                        ("title", &c.title),
                        ("flag", &flag)
                    ]
                )
            );
        }
        say!("{}", fill(io.dry_run_total, &[("n", &plan.ops.len())]));
        print_duplicates(io, &plan, row_word, true);
        return ExitCode::SUCCESS;
    }
    if plan.ops.is_empty() {
        say!("{}", fill(t.import_nothing, &[("file", &name)]));
    } else {
        if let Err(e) = store.append(&plan.ops) {
            return fail(&fill(t.import_failed, &[("file", &name), ("err", &e)]));
        }
        say!(
            "{}",
            fill(t.imported, &[("n", &plan.ops.len()), ("file", &name)])
        );
    }
    print_duplicates(io, &plan, row_word, false);
    match server {
        Some(login) if !plan.ops.is_empty() => send_now(t, store, &login),
        _ => ExitCode::SUCCESS,
    }
}

/// Lists the rows that look like something already there, exact ones first, and the
/// rows skipped for their known id.
fn print_duplicates(
    io: &styr::i18n::IoStrings,
    plan: &sio::import::Plan,
    row_word: &str,
    dry_run: bool,
) {
    use sio::import::Like;
    let tag = sio::import::DUPLICATE_TAG;
    for exact in [true, false] {
        let list: Vec<_> = plan
            .duplicates
            .iter()
            .filter(|d| d.exact == exact)
            .collect();
        if list.is_empty() {
            continue;
        }
        let heading = match (exact, dry_run) {
            (true, false) => io.exact_heading,
            (true, true) => io.dry_exact_heading,
            (false, false) => io.likely_heading,
            (false, true) => io.dry_likely_heading,
        };
        say!("{}", fill(heading, &[("n", &list.len()), ("tag", &tag)]));
        for d in list {
            let place = match &d.like {
                Like::Row { line, .. } => {
                    fill(io.like_earlier_row, &[("row", &row_word), ("line", line)])
                }
                Like::Item { .. } => String::new(),
            };
            say!(
                "{}",
                fill(
                    io.duplicate,
                    &[
                        ("row", &row_word),
                        ("line", &d.line),
                        ("title", &d.title),
                        ("like", &d.like.title()),
                        ("where", &place)
                    ]
                )
            );
        }
    }
    if plan.known > 0 {
        say!("{}", fill(io.known, &[("n", &plan.known)]));
    }
}

/// Reports a file that cannot be imported: every bad row with file and line.
fn import_failed(
    t: &Strings,
    name: &dyn std::fmt::Display,
    e: &sio::ImportError,
    dry_run: bool,
    workbook: bool,
) -> ExitCode {
    let rows = e.rows();
    if rows.is_empty() {
        return fail(&fill(
            t.import_failed,
            &[("file", name), ("err", &e.text(t))],
        ));
    }
    let io = t.io;
    let heading = if dry_run { io.dry_run_bad } else { io.bad_rows };
    eprintln!(
        "styr: {}",
        fill(heading, &[("file", name), ("n", &rows.len())])
    );
    let each = if workbook {
        io.bad_sheet_row
    } else {
        io.bad_line
    };
    for (line, reason) in rows {
        let reason = (io.row_reason)(reason);
        eprintln!(
            "{}",
            fill(each, &[("file", name), ("line", &line), ("err", &reason)])
        );
    }
    ExitCode::from(1)
}

/// Pushes what a batch command wrote to the server at once. Offline is not a failure:
/// the changes wait in the outbox and go out with the next `styr`.
fn send_now(t: &Strings, store: Store, login: &Login) -> ExitCode {
    send_shared(t, &std::sync::Arc::new(store), login)
}

fn send_shared(t: &Strings, store: &std::sync::Arc<Store>, (url, token, ca): &Login) -> ExitCode {
    let transport = match HttpTransport::with_ca(url.clone(), token, ca.as_deref()) {
        Ok(t) => t,
        Err(e) => return fail(&e.to_string()),
    };
    let rt = match runtime() {
        Ok(r) => r,
        Err(e) => return fail(&e),
    };
    match rt.block_on(styr::sync::engine::sync_once(&transport, store)) {
        Ok((0, _)) => {
            println!("{}", fill(t.sync.sent, &[("server", url)]));
            ExitCode::SUCCESS
        }
        Ok((n, why)) => {
            let why = why
                .map(|(message, reason)| styr::i18n::server_refusal(t, reason.as_ref(), &message))
                .unwrap_or_default();
            fail(&fill(t.sync.some_refused, &[("n", &n), ("err", &why)]))
        }
        Err(e) => {
            println!("{}", fill(t.sync.waiting, &[("server", url), ("err", &e)]));
            ExitCode::SUCCESS
        }
    }
}

fn export(
    t: &Strings,
    paths: &Paths,
    config: &Config,
    format: Format,
    output: Option<&Path>,
    query: Option<&str>,
    stage: Option<&str>,
) -> ExitCode {
    use sio::export::{CsvFlavour, Filter};
    let stages = config.stages();
    let stage = match stage {
        None => None,
        Some(s) => match sio::export::stage_named(s, &stages) {
            Some(k) => Some(k),
            None => {
                let known: Vec<&str> = stages.all().iter().map(|s| s.key.as_str()).collect();
                return fail(&fill(
                    t.io.unknown_stage,
                    &[("stage", &s), ("stages", &known.join(", "))],
                ));
            }
        },
    };
    let filter = Filter {
        query: query.map(String::from),
        stage,
    };
    let server = match logged_in(paths) {
        Ok(s) => s,
        Err(e) => return fail(&e),
    };
    let store = match open_for_batch(t, paths, server.as_ref()) {
        Ok(s) => s,
        Err(e) => return fail(&e),
    };
    let portfolio = match store.load() {
        Ok(p) => p,
        Err(e) => return fail(&e.to_string()),
    };
    let text = match format {
        Format::Csv => sio::export::to_csv_with(&portfolio, &filter, CsvFlavour::Plain),
        Format::Excel => sio::export::to_csv_with(&portfolio, &filter, CsvFlavour::Excel),
        Format::Json => match store.histories() {
            Ok(histories) => sio::export::to_json_with(&portfolio, &histories, &filter),
            Err(e) => return fail(&e.to_string()),
        },
    };
    let count = portfolio.items().filter(|i| filter.matches(i)).count();
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
                fill(t.exported, &[("n", &count), ("file", &path.display())])
            );
        }
    }
    ExitCode::SUCCESS
}

fn init_logs() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term => {}
    }
}

/// `styr serve`: opens the database, makes the first admin if there is no user, and
/// serves until Ctrl-C or SIGTERM.
fn serve(
    t: &Strings,
    config: &Config,
    listen: std::net::SocketAddr,
    db: &Path,
    tls: Option<(&Path, &Path)>,
) -> ExitCode {
    init_logs();
    let tls_config = match tls {
        None => None,
        Some((cert, key)) => match server::tls::load_config(cert, key) {
            Ok(c) => Some(c),
            Err(e) => return fail(&fill(t.server_tls_failed, &[("err", &e)])),
        },
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return fail(&fill(t.server_failed, &[("err", &e)])),
    };
    // A postgres:// URL selects the PostgreSQL store; anything else is a SQLite file.
    // The URL is shown without its password.
    let pg_url = db.to_str().filter(|s| server::postgres::is_postgres_url(s));
    let shown = shown_db(db);
    runtime.block_on(async {
        let opened: Result<std::sync::Arc<dyn ServerStore>, StoreError> = match pg_url {
            Some(url) => PgStore::open(url)
                .await
                .map(|s| std::sync::Arc::new(s) as std::sync::Arc<dyn ServerStore>),
            None => SqliteStore::open(db)
                .map(|s| std::sync::Arc::new(s) as std::sync::Arc<dyn ServerStore>),
        };
        let store = match opened {
            Ok(s) => s,
            Err(e) => return fail(&fill(t.server_db_failed, &[("file", &shown), ("err", &e)])),
        };
        let listener = match tokio::net::TcpListener::bind(listen).await {
            Ok(l) => l,
            Err(e) => {
                return fail(&fill(
                    t.server_listen_failed,
                    &[("addr", &listen), ("err", &e)],
                ))
            }
        };
        let url = server::public_url(listener.local_addr().unwrap_or(listen), tls.is_some());
        match users::ensure_admin(&*store, now_ms()).await {
            Ok(Some(created)) => println!(
                "{}",
                fill(
                    t.server_first_admin,
                    &[("token", &created.token), ("url", &url)]
                )
            ),
            Ok(None) => {}
            Err(e) => return fail(&fill(t.server_db_failed, &[("file", &shown), ("err", &e)])),
        }
        tracing::info!(db = %shown, "listening on {url}");
        let state = AppState::new(
            store,
            ServerConfig {
                stages: config.stages(),
                ..ServerConfig::default()
            },
        );
        let result = match tls_config {
            Some(c) => server::serve_tls(listener, c, state, shutdown_signal()).await,
            None => server::serve(listener, state, shutdown_signal()).await,
        };
        match result {
            Ok(()) => {
                tracing::info!("stopped");
                ExitCode::SUCCESS
            }
            Err(e) => fail(&fill(t.server_failed, &[("err", &e)])),
        }
    })
}

/// `styr serve backup FILE`.
fn serve_backup(t: &Strings, db: &Path, file: &Path) -> ExitCode {
    match server::backup::backup(db, file) {
        Ok(r) => {
            println!(
                "{}",
                fill(
                    t.server_backup_done,
                    &[
                        ("file", &file.display()),
                        ("ops", &r.ops),
                        ("decisions", &r.decisions),
                        ("bytes", &r.bytes),
                    ],
                )
            );
            ExitCode::SUCCESS
        }
        Err(e) => fail(&fill(t.server_backup_failed, &[("err", &e)])),
    }
}

/// `styr serve migrate --from sqlite://FILE --to postgres://…`: copies, then verifies
/// the copy as `styr verify` would.
fn serve_migrate(t: &Strings, from: &str, to: &str) -> ExitCode {
    init_logs();
    let file = Path::new(from.strip_prefix("sqlite://").unwrap_or(from));
    if !server::postgres::is_postgres_url(to) {
        return fail(&fill(
            t.server_migrate_failed,
            &[("err", &"--to must be a PostgreSQL URL (postgres://…)")],
        ));
    }
    let shown = server::postgres::redact_url(to);
    let runtime = match runtime() {
        Ok(r) => r,
        Err(e) => return fail(&e),
    };
    runtime.block_on(async {
        let done = match server::migrate::sqlite_to_postgres(file, to).await {
            Ok(d) => d,
            Err(e) => return fail(&fill(t.server_migrate_failed, &[("err", &e)])),
        };
        let verified = match PgStore::open_existing(to).await {
            Ok(store) => server::verify::verify_store(&store).await,
            Err(e) => Err(server::verify::VerifyError::Store(e)),
        };
        match verified {
            Ok(v) => {
                println!(
                    "{}",
                    fill(
                        t.server_migrate_done,
                        &[
                            ("copied", &done.copied),
                            ("url", &shown),
                            ("ops", &done.ops),
                            ("users", &done.users),
                            ("ballots", &done.ballots),
                            ("decisions", &v.decisions),
                        ],
                    )
                );
                ExitCode::SUCCESS
            }
            Err(e) => fail(&fill(t.minutes.verify_broken, &[("err", &e)])),
        }
    })
}

/// The commands that work on the SQLite file only (for now) refuse a PostgreSQL URL
/// with a message, rather than taking it for a file name and creating that file.
fn file_only(t: &Strings, command: &str, db: &Path) -> Option<ExitCode> {
    db.to_str()
        .filter(|s| server::postgres::is_postgres_url(s))
        .map(|_| fail(&fill(t.server_db_file_only, &[("command", &command)])))
}

/// The database as messages and logs show it: a file's path, or a PostgreSQL URL
/// without its password.
fn shown_db(db: &Path) -> String {
    match db.to_str().filter(|s| server::postgres::is_postgres_url(s)) {
        Some(url) => server::postgres::redact_url(url),
        None => db.display().to_string(),
    }
}

fn user_store_error(t: &Strings, db: &Path, e: &StoreError) -> String {
    match e {
        StoreError::UserExists(name) => fill(t.user_exists, &[("name", name)]),
        StoreError::NoSuchUser(name) => fill(t.user_not_found, &[("name", name)]),
        other => fill(
            t.server_db_failed,
            &[("file", &shown_db(db)), ("err", other)],
        ),
    }
}

fn date_of(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

/// `styr user add|list|revoke` on the server's database file.
fn user(t: &Strings, paths: &Paths, command: &UserCommand) -> ExitCode {
    let db_of = |db: &Option<std::path::PathBuf>| db.clone().unwrap_or_else(|| paths.server_db());
    match command {
        UserCommand::Add {
            name,
            role,
            org,
            url,
            db,
        } => {
            let db = db_of(db);
            match users::add(&db, name, *role, org, now_ms()) {
                Ok(c) => {
                    let url = url.clone().unwrap_or_else(|| {
                        server::public_url(
                            (
                                std::net::Ipv4Addr::UNSPECIFIED,
                                styr::protocol::DEFAULT_PORT,
                            )
                                .into(),
                            false,
                        )
                    });
                    println!(
                        "{}",
                        fill(
                            t.user_added,
                            &[
                                ("name", &c.user.name),
                                ("role", &c.user.role),
                                ("org", &org_suffix(&c.user.org)),
                                ("url", &url),
                                ("token", &c.token),
                            ]
                        )
                    );
                    ExitCode::SUCCESS
                }
                Err(users::UserError::BadName(n)) => fail(&fill(t.user_bad_name, &[("name", &n)])),
                Err(users::UserError::Store(e)) => fail(&user_store_error(t, &db, &e)),
                Err(e) => fail(&e.to_string()),
            }
        }
        UserCommand::List { db } => {
            let db = db_of(db);
            let list = match users::list(&db) {
                Ok(l) => l,
                Err(e) => return fail(&user_store_error(t, &db, &e)),
            };
            if list.is_empty() {
                println!("{}", t.user_list_empty);
                return ExitCode::SUCCESS;
            }
            let mut rows: Vec<[String; 5]> = vec![{
                let mut h = t.user_columns.split('|').map(str::to_string);
                std::array::from_fn(|_| h.next().unwrap_or_default())
            }];
            for u in &list {
                rows.push([
                    u.name.clone(),
                    u.role.to_string(),
                    u.org.clone(),
                    date_of(u.created_at),
                    match u.revoked_at {
                        None => t.user_active.to_string(),
                        Some(at) => fill(t.user_revoked_on, &[("date", &date_of(at))]),
                    },
                ]);
            }
            let widths: Vec<usize> = (0..5)
                .map(|i| {
                    rows.iter()
                        .map(|r| unicode_width::UnicodeWidthStr::width(r[i].as_str()))
                        .max()
                        .unwrap_or(0)
                })
                .collect();
            let mut out = std::io::stdout().lock();
            for r in &rows {
                let mut line = String::new();
                for (i, cell) in r.iter().enumerate() {
                    line.push_str(cell);
                    if i + 1 < r.len() {
                        let pad = widths[i] - unicode_width::UnicodeWidthStr::width(cell.as_str());
                        line.push_str(&" ".repeat(pad + 2));
                    }
                }
                if writeln!(out, "{}", line.trim_end()).is_err() {
                    return ExitCode::from(1);
                }
            }
            ExitCode::SUCCESS
        }
        UserCommand::Revoke { name, db } => {
            let db = db_of(db);
            match users::revoke(&db, name, now_ms()) {
                Ok(u) => {
                    println!("{}", fill(t.user_revoked, &[("name", &u.name)]));
                    ExitCode::SUCCESS
                }
                Err(e) => fail(&user_store_error(t, &db, &e)),
            }
        }
    }
}

/// The cache a meeting command works on, with what it holds. When logged in, it first
/// syncs with the server (`pull`); a server that cannot be reached is said on stderr and
/// the cache is used as it is.
fn meeting_cache(
    t: &Strings,
    paths: &Paths,
    pull: bool,
) -> Result<(std::sync::Arc<Store>, Option<Login>, Portfolio), String> {
    let server = logged_in(paths)?;
    let store = std::sync::Arc::new(open_for_batch(t, paths, server.as_ref())?);
    if let (true, Some((url, token, ca))) = (pull, &server) {
        let transport =
            HttpTransport::with_ca(url.clone(), token, ca.as_deref()).map_err(|e| e.to_string())?;
        if let Err(e) = runtime()?.block_on(styr::sync::engine::sync_once(&transport, &store)) {
            eprintln!(
                "styr: {}",
                fill(t.minutes.using_cache, &[("server", url), ("err", &e)])
            );
        }
    }
    let portfolio = store.load().map_err(|e| e.to_string())?;
    Ok((store, server, portfolio))
}

fn find_error(t: &Strings, e: &sio::meeting_ops::FindError, item: bool) -> String {
    use sio::meeting_ops::FindError;
    let m = t.minutes;
    match e {
        FindError::NoMeetings => m.no_meetings.to_string(),
        FindError::NotFound(q) if item => fill(m.item_not_found, &[("query", q)]),
        FindError::NotFound(q) => fill(m.meeting_not_found, &[("query", q)]),
        FindError::Ambiguous { query, matches } => fill(
            if item {
                m.item_ambiguous
            } else {
                m.meeting_ambiguous
            },
            &[("query", query), ("list", &matches.join(", "))],
        ),
    }
}

/// `styr minutes MEETING`.
fn minutes(
    t: &Strings,
    paths: &Paths,
    query: &str,
    opts: &sio::minutes::MinutesOptions,
    out: Option<&Path>,
) -> ExitCode {
    let (_store, _, portfolio) = match meeting_cache(t, paths, true) {
        Ok(c) => c,
        Err(e) => return fail(&e),
    };
    let meetings = portfolio.meetings();
    let id = match sio::meeting_ops::find_meeting(meetings, query) {
        Ok(id) => id,
        Err(e) => return fail(&find_error(t, &e, false)),
    };
    let text = match sio::minutes::minutes(meetings, &portfolio, &id, opts) {
        Ok(text) => text,
        Err(e) => return fail(&e.to_string()),
    };
    match out {
        None => {
            if std::io::stdout().lock().write_all(text.as_bytes()).is_err() {
                return ExitCode::from(1);
            }
        }
        Some(path) => {
            if let Err(e) = std::fs::write(path, &text) {
                return fail(&format!("{}: {e}", path.display()));
            }
            eprintln!(
                "{}",
                fill(
                    t.minutes.minutes_written,
                    &[
                        ("n", &meetings.agenda(&id).len()),
                        ("file", &path.display())
                    ]
                )
            );
        }
    }
    ExitCode::SUCCESS
}

/// `styr verify [--db FILE]`.
fn verify(t: &Strings, paths: &Paths, db: Option<&Path>) -> ExitCode {
    let m = t.minutes;
    if let Some(db) = db {
        let pg = db.to_str().filter(|s| server::postgres::is_postgres_url(s));
        let checked = match pg {
            Some(url) => runtime()
                .map_err(server::verify::VerifyError::Other)
                .and_then(|rt| {
                    rt.block_on(async {
                        let store = PgStore::open_existing(url)
                            .await
                            .map_err(server::verify::VerifyError::Store)?;
                        server::verify::verify_store(&store).await
                    })
                }),
            None => server::verify::verify_file(db),
        };
        return match checked {
            Ok(v) => {
                println!(
                    "{}",
                    fill(
                        m.verify_db_ok,
                        &[
                            ("file", &shown_db(db)),
                            ("ops", &v.ops),
                            ("decisions", &v.decisions)
                        ]
                    )
                );
                ExitCode::SUCCESS
            }
            Err(e) => fail(&fill(m.verify_broken, &[("err", &e)])),
        };
    }
    let server = match logged_in(paths) {
        Ok(s) => s,
        Err(e) => return fail(&e),
    };
    let store = match open_for_batch(t, paths, server.as_ref()) {
        Ok(s) => s,
        Err(e) => return fail(&e),
    };
    // A shared cache: only what the server confirmed is chained; pending changes are not.
    let meetings = match &server {
        Some(_) => store.load_replica().map(|r| r.confirmed_meetings().clone()),
        None => store.load().map(|p| p.meetings().clone()),
    };
    let meetings = match meetings {
        Ok(m) => m,
        Err(e) => return fail(&e.to_string()),
    };
    match styr::model::meeting::verify_chain(meetings.decisions()) {
        Ok(n) => {
            println!(
                "{}",
                fill(
                    m.verify_cache_ok,
                    &[("dir", &store.dir().display()), ("n", &n)]
                )
            );
            ExitCode::SUCCESS
        }
        Err(b) => {
            let mut err = (m.chain_break)(&b);
            if let Some(d) = meetings.decision(&b.id()) {
                let number = d
                    .case_number
                    .map(|n| format!(", sak {n}"))
                    .unwrap_or_default();
                err.push_str(&format!("{number}, «{}»", d.title));
            }
            fail(&fill(m.verify_broken, &[("err", &err)]))
        }
    }
}

/// `styr meeting new|case|list|approve|freeze`.
fn meeting(t: &Strings, paths: &Paths, config: &Config, command: &MeetingCommand) -> ExitCode {
    use sio::meeting_ops::{self as mops, OpBuilder, PersonError};
    use styr::model::meeting::{CaseDetails, CaseId, MeetingDetails, MeetingId, MinutesStatus};
    let m = t.minutes;
    let writes = !matches!(command, MeetingCommand::List);
    let (store, server, portfolio) = match meeting_cache(t, paths, !writes) {
        Ok(c) => c,
        Err(e) => return fail(&e),
    };
    let meetings = portfolio.meetings();
    let person_error = |e: PersonError| match e {
        PersonError::Person(v) => fill(m.bad_person, &[("value", &v)]),
        PersonError::Substitute(v) => fill(m.bad_substitute, &[("value", &v)]),
        PersonError::Time(v) => fill(m.bad_time, &[("value", &v)]),
    };
    let find = |q: &str| mops::find_meeting(meetings, q).map_err(|e| find_error(t, &e, false));
    let refused = |r: styr::model::meeting::Refusal| fill(m.refused, &[("err", &(m.refusal)(&r))]);
    // A local cache has no server to number cases: it stamps them itself.
    let mut b = OpBuilder::new(meetings, &config.author(), now_ms(), server.is_none());
    let mut said = Vec::new();
    let mut stdout_line = None;
    match command {
        MeetingCommand::List => {
            let all = meetings.meetings();
            if all.is_empty() {
                println!("{}", m.no_meetings);
                return ExitCode::SUCCESS;
            }
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{}", m.list_columns.replace('|', "\t"));
            for x in all {
                let line = format!(
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    x.id.short(),
                    x.details.starts_at,
                    x.details.body,
                    x.details.place,
                    x.agenda.len(),
                    (m.status_name)(x.minutes)
                );
                if writeln!(out, "{line}").is_err() {
                    return ExitCode::from(1);
                }
            }
            return ExitCode::SUCCESS;
        }
        MeetingCommand::New {
            body,
            at,
            place,
            number,
            agenda_from_board,
            people,
        } => {
            let starts_at = match mops::parse_starts_at(at) {
                Ok(s) => s,
                Err(e) => return fail(&person_error(e)),
            };
            let attendees =
                match mops::parse_attendance(&people.present, &people.absent, &people.substitute) {
                    Ok(a) => a,
                    Err(e) => return fail(&person_error(e)),
                };
            let body = body
                .as_deref()
                .map(str::trim)
                .filter(|b| !b.is_empty())
                .unwrap_or(config.meeting.body.trim());
            let id = MeetingId::new();
            let details = MeetingDetails {
                body: body.to_string(),
                starts_at: starts_at.clone(),
                place: place.trim().to_string(),
                number: number.trim().to_string(),
            };
            // The minutes of the body's previous meeting, if not approved yet, are
            // approved as the new meeting's first case.
            let previous = mops::previous_unapproved(b.meetings(), &details)
                .map(|m| m.details.starts_at.get(..10).unwrap_or("").to_string());
            for change in mops::new_meeting(id, details, attendees) {
                if let Err(r) = b.push(change) {
                    return fail(&refused(r));
                }
            }
            if let Some(date) = previous {
                let details = styr::model::meeting::CaseDetails {
                    title: fill(m.approve_previous_title, &[("date", &date)]),
                    proposal: fill(m.approve_previous_proposal, &[("date", &date)]),
                    ..Default::default()
                };
                if let Err(r) = b.push(mops::add_case(id, CaseId::new(), details)) {
                    return fail(&refused(r));
                }
            }
            if *agenda_from_board {
                let mut board = portfolio.clone();
                board.set_meetings(b.meetings().clone());
                let cases = styr::model::meeting::agenda::from_board(&board, &id);
                let n = cases.len();
                for details in cases {
                    if let Err(r) = b.push(mops::add_case(id, CaseId::new(), details)) {
                        return fail(&refused(r));
                    }
                }
                said.push(fill(m.agenda_from_board, &[("n", &n)]));
            }
            said.push(fill(
                m.meeting_created,
                &[("id", &id.short()), ("body", &body), ("at", &starts_at)],
            ));
            stdout_line = Some(id.short());
        }
        MeetingCommand::Case {
            meeting,
            title,
            proposal,
            item,
            exempt,
            closed,
            disqualified,
            archive_ref,
        } => {
            let meeting = match find(meeting) {
                Ok(id) => id,
                Err(e) => return fail(&e),
            };
            let mut items = Vec::new();
            for q in item {
                match mops::find_item(&portfolio, q) {
                    Ok(id) => items.push(id),
                    Err(e) => return fail(&find_error(t, &e, true)),
                }
            }
            let nonempty = |s: &Option<String>| {
                s.as_deref()
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
            };
            let mut out = Vec::new();
            for entry in disqualified {
                match styr::model::meeting::Disqualified::parse(entry) {
                    Some(d) => out.push(d),
                    None => return fail(&fill(m.bad_disqualified, &[("value", entry)])),
                }
            }
            let case = CaseId::new();
            let details = CaseDetails {
                title: title.trim().to_string(),
                proposal: proposal.trim().to_string(),
                items,
                archive_ref: archive_ref.trim().to_string(),
                exempt: nonempty(exempt),
                closed_session: nonempty(closed),
                disqualified: out,
            };
            if let Err(r) = b.push(mops::add_case(meeting, case, details)) {
                return fail(&refused(r));
            }
            let number = b
                .meetings()
                .case(&case)
                .and_then(|c| c.number)
                .map(|n| n.format(config.meeting.case_format))
                .unwrap_or_else(|| "–".into());
            said.push(fill(
                m.case_added,
                &[
                    ("number", &number),
                    ("title", &title.trim()),
                    ("id", &case.short()),
                ],
            ));
        }
        MeetingCommand::Attend { meeting, people } => {
            let meeting = match find(meeting) {
                Ok(id) => id,
                Err(e) => return fail(&e),
            };
            let attendees =
                match mops::parse_attendance(&people.present, &people.absent, &people.substitute) {
                    Ok(a) => a,
                    Err(e) => return fail(&person_error(e)),
                };
            let n = attendees.len();
            let change = styr::model::meeting::MeetingChange::Attendance { meeting, attendees };
            if let Err(r) = b.push(change) {
                return fail(&refused(r));
            }
            said.push(fill(
                m.attendance_set,
                &[("meeting", &meeting.short()), ("n", &n)],
            ));
        }
        MeetingCommand::Approve { meeting } | MeetingCommand::Freeze { meeting } => {
            let status = if matches!(command, MeetingCommand::Approve { .. }) {
                MinutesStatus::Approved
            } else {
                MinutesStatus::Frozen
            };
            let meeting = match find(meeting) {
                Ok(id) => id,
                Err(e) => return fail(&e),
            };
            if let Err(r) = b.push(mops::set_minutes(meeting, status)) {
                return fail(&refused(r));
            }
            said.push(fill(
                m.status_set,
                &[
                    ("meeting", &meeting.short()),
                    ("status", &(m.status_name)(status)),
                ],
            ));
        }
    }
    if let Err(e) = store.append(&b.into_ops()) {
        return fail(&e.to_string());
    }
    for s in &said {
        eprintln!("{s}");
    }
    if let Some(line) = stdout_line {
        println!("{line}");
    }
    match server {
        Some(login) => send_shared(t, &store, &login),
        None => ExitCode::SUCCESS,
    }
}
