//! Sync end to end as people use it: a real `styr serve` child process on loopback, real
//! `styr user add`, `styr login` and `styr status` runs, and two real `styr` boards in
//! two pseudo-terminals, each with its own home (credentials and cache).

mod common;

use common::styr_cli::*;

use std::path::PathBuf;
use styr::model::{FieldValue, ItemId, Op, Payload, StageKey};
use styr::store::Store;
use styr::sync::ServerUrl;

/// Pushes proposals to the server as the admin, over HTTP, before anyone opens a board.
fn seed(url: &str, admin: &str, titles: &[&str]) {
    let ops: Vec<Op> = titles
        .iter()
        .enumerate()
        .map(|(i, title)| {
            Op::new(
                "admin",
                1_700_000_000_000 + i as i64,
                Payload::CreateItem {
                    item: ItemId::new(),
                    stage: StageKey::new("innkommet"),
                    fields: vec![FieldValue::Title(title.to_string())],
                },
            )
        })
        .collect();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let res = common::server::push(&common::server::client(), url, admin, &ops).await;
        assert!(res.status().is_success(), "{}", res.status());
    });
}

fn port_of(url: &str) -> u16 {
    url.rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no port in {url}"))
}

#[test]
fn two_boards_follow_each_other_and_offline_work_waits_through_a_server_restart() {
    let server_home = tempfile::tempdir().expect("tempdir");
    let a_home = tempfile::tempdir().expect("tempdir");
    let b_home = tempfile::tempdir().expect("tempdir");
    let db: PathBuf = server_home.path().join("styr.db");
    let (server, url, admin) = first_start(server_home.path(), &db);
    let radgiver_a = add_user(server_home.path(), &db, &url, "radgiver-a", "chair");
    let radgiver_b = add_user(server_home.path(), &db, &url, "radgiver-b", "chair");
    login(a_home.path(), &url, &radgiver_a);
    login(b_home.path(), &url, &radgiver_b);
    seed(
        &url,
        &admin,
        &["Felles innbyggerportal", "Digital postkasse"],
    );

    let mut a = board(a_home.path());
    let mut b = board(b_home.path());
    for p in [&a, &b] {
        p.wait_for(&["Innkommet (2)", "Vurdering (0)", "● tilkoblet"]);
    }

    // A moves a card; B sees it move.
    a.send("L");
    a.wait_for(&["Innkommet (1)", "Vurdering (1)", "Flyttet til Vurdering"]);
    b.wait_for(&["Innkommet (1)", "Vurdering (1)"]);
    a.wait_until("A's move confirmed", |s| {
        s.contains("● tilkoblet") && !s.contains("venter")
    });
    let s = status(b_home.path());
    for want in [
        url.as_str(),
        "tilgjengelig, siste sekvensnummer 3",
        "Bruker:      radgiver-b (leder, Fosen IKT)",
        "Plass 0:",
        "ventende endringer: 0, siste bekreftede sekvensnummer 3 (i bruk)",
    ] {
        assert!(s.contains(want), "{want:?} in:\n{s}");
    }

    // The server goes away; A keeps working, and the change waits in its outbox.
    server.stop();
    a.wait_for(&["○ frakoblet"]);
    b.wait_for(&["○ frakoblet"]);
    a.send("h"); // back to Innkommet (the selection followed the moved card)
    a.wait_for(&["Innkommet 1/1"]);
    a.send("L");
    // Saved (so also its status file written) and waiting.
    a.wait_for(&[
        "Innkommet (0)",
        "Vurdering (2)",
        "✓ Lagret",
        "○ frakoblet",
        "1 venter",
    ]);
    let s = status(a_home.path());
    for want in [
        "ikke tilgjengelig",
        "ventende endringer: 1, siste bekreftede sekvensnummer 3 (i bruk)",
    ] {
        assert!(s.contains(want), "{want:?} in:\n{s}");
    }
    assert!(
        !s.contains("Bruker:"),
        "no user line without a server:\n{s}"
    );
    // B has not seen it.
    assert!(b.screen().contains("Vurdering (1)"), "{}", b.screen());

    // Back on the same address and database: A's change goes out, B gets it.
    let listen = format!("127.0.0.1:{}", port_of(&url));
    let mut server = Server::start(server_home.path(), &db, &listen);
    server.wait_line("listening on");
    b.wait_for(&["Innkommet (0)", "Vurdering (2)", "● tilkoblet"]);
    a.wait_until("A's outbox empty and A online", |s| {
        s.contains("● tilkoblet") && !s.contains("venter") && s.contains("Vurdering (2)")
    });
    let s = status(a_home.path());
    assert!(
        s.contains("ventende endringer: 0, siste bekreftede sekvensnummer 4 (i bruk)"),
        "{s}"
    );

    for p in [&mut a, &mut b] {
        p.send("q");
        assert_eq!(p.wait_exit(), 0, "{}", p.screen());
    }
    // Closed: the slot is read from the cache itself, and no longer in use.
    let s = status(a_home.path());
    assert!(
        s.contains("Plass 0:     ventende endringer: 0, siste bekreftede sekvensnummer 4\n"),
        "{s}"
    );
    server.stop();
}

#[test]
fn styr_login_checks_the_token_and_the_address_and_keeps_only_a_good_login() {
    let server_home = tempfile::tempdir().expect("tempdir");
    let home = tempfile::tempdir().expect("tempdir");
    let db = server_home.path().join("styr.db");
    let (server, url, admin) = first_start(server_home.path(), &db);
    let creds = home
        .path()
        .join("config")
        .join("styr")
        .join("credentials.toml");

    let out = run(home.path(), &["login", &url, "styr_not-a-real-token"]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("godtok ikke nøkkelen"), "{err}");
    assert!(!creds.exists(), "a refused token is not kept");

    let out = run(
        home.path(),
        &["login", "http://styr.fosen-ikt.no:8470", &admin],
    );
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("--allow-http"), "{err}");
    assert!(!creds.exists());

    let out = run(home.path(), &["login", &url, &admin]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(said.contains("som admin (administrator"), "{said}");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&creds)
        .expect("credentials saved")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "mode {mode:o}");
    let saved = std::fs::read_to_string(&creds).expect("readable by its owner");
    assert!(saved.contains(&admin) && saved.contains(&url), "{saved}");

    let out = run(home.path(), &["logout"]);
    assert!(out.status.success());
    assert!(!creds.exists());
    server.stop();
}

#[test]
fn styr_status_names_the_server_the_user_and_each_cache_slot() {
    let server_home = tempfile::tempdir().expect("tempdir");
    let home = tempfile::tempdir().expect("tempdir");
    let db = server_home.path().join("styr.db");
    let (server, url, _admin) = first_start(server_home.path(), &db);
    let token = add_user(server_home.path(), &db, &url, "radgiver-a", "secretary");

    let s = status(home.path());
    assert!(s.contains("Ikke logget inn"), "{s}");
    login(home.path(), &url, &token);
    let s = status(home.path());
    for want in [
        format!("Server:      {url} (tilgjengelig, siste sekvensnummer 0)"),
        "Bruker:      radgiver-a (sekretær, Fosen IKT)".to_string(),
        "Ingen hurtiglager ennå for denne serveren.".to_string(),
    ] {
        assert!(s.contains(&want), "{want:?} in:\n{s}");
    }
    // The login file is private; once someone makes it readable by others, styr says
    // so and how to fix it.
    let out = run(home.path(), &["status"]);
    assert!(!text(&out.stderr).contains("chmod"), "{out:?}");
    let creds = home
        .path()
        .join("config")
        .join("styr")
        .join("credentials.toml");
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&creds, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    }
    let out = run(home.path(), &["status"]);
    let warning = text(&out.stderr);
    assert!(
        warning.contains("kan leses av andre (rettigheter 644)"),
        "{warning}"
    );
    assert!(warning.contains("chmod 600"), "{warning}");
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&creds, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    }

    // A cache with one pending change and three confirmed ones, held open as a running
    // styr holds it.
    let cache = home.path().join("data").join("styr").join("servers").join(
        ServerUrl::parse(&url, false)
            .expect("loopback")
            .cache_name(),
    );
    let store = Store::open_synced(&cache).expect("the cache opens");
    let confirmed: Vec<styr::protocol::SeqOp> = (1..=3)
        .map(|seq| styr::protocol::SeqOp {
            seq,
            op: Op::new(
                "radgiver-b",
                1_700_000_000_000,
                Payload::CreateItem {
                    item: ItemId::new(),
                    stage: StageKey::new("innkommet"),
                    fields: vec![],
                },
            ),
        })
        .collect();
    store.confirm(&confirmed).expect("confirmed");
    let mine = Op::new(
        "radgiver-a",
        1_700_000_000_001,
        Payload::MoveItem {
            item: confirmed[0].op.payload.item().expect("a single-item op"),
            to: StageKey::new("vurdering"),
        },
    );
    store.append(&[mine]).expect("saved");
    let s = status(home.path());
    assert!(
        s.contains("Plass 0:     ventende endringer: 1, siste bekreftede sekvensnummer 3 (i bruk)"),
        "{s}"
    );
    drop(store);
    let s = status(home.path());
    assert!(
        s.contains("Plass 0:     ventende endringer: 1, siste bekreftede sekvensnummer 3\n"),
        "{s}"
    );
    // In English too.
    let out = run(home.path(), &["--lang", "en", "status"]);
    let s = text(&out.stdout);
    assert!(
        s.contains("User:        radgiver-a (secretary, Fosen IKT)")
            && s.contains("Slot 0:      changes pending: 1, last confirmed seq 3"),
        "{s}"
    );
    server.stop();
}
