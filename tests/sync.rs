//! Sync end to end, in process: real `styr serve` on loopback (SQLite in a temporary
//! folder), real synced sled caches, the real HTTP transport and sync loop. A TCP proxy
//! between them cuts the network when a test needs it.

mod common;

use common::client::Client;
use common::proxy::Proxy;
use common::server::{wait_for, TestServer};
use styr::model::{FieldValue, ItemId, Payload, Role, StageKey};
use styr::server::ServerConfig;
use styr::sync::{Link, SyncEvent};

fn create(item: ItemId, title: &str) -> Payload {
    Payload::CreateItem {
        item,
        stage: StageKey::new("innkommet"),
        fields: vec![FieldValue::Title(title.into())],
    }
}

fn stage_of(c: &Client, item: &ItemId) -> Option<String> {
    c.replica()
        .view()
        .get(item)
        .map(|i| i.stage.as_str().to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_move_in_one_client_shows_in_the_other() {
    let server = TestServer::start().await;
    let radgiver_a = server.add_user("radgiver-a", Role::Chair).await;
    let radgiver_b = server.add_user("radgiver-b", Role::Secretary).await;
    let a = Client::start("radgiver-a", &server.url, &radgiver_a);
    let b = Client::start("radgiver-b", &server.url, &radgiver_b);
    a.wait_link("online", |l| *l == Link::Online).await;
    b.wait_link("online", |l| *l == Link::Online).await;

    let item = ItemId::new();
    a.change(create(item, "Felles innbyggerportal")).await;
    b.wait("sees the new proposal", |r| r.view().get(&item).is_some())
        .await;
    b.change(Payload::MoveItem {
        item,
        to: StageKey::new("vurdering"),
    })
    .await;
    a.wait("sees the move", |r| {
        r.view()
            .get(&item)
            .is_some_and(|i| i.stage.as_str() == "vurdering")
    })
    .await;
    // Both have folded the same two ops, nothing is pending, and the author of each
    // op is the user of the token that pushed it.
    b.wait("has its own move confirmed", |r| {
        r.pending().is_empty() && r.last_seq() == 2
    })
    .await;
    a.wait("is at seq 2", |r| r.last_seq() == 2).await;
    assert_eq!(a.replica().view(), b.replica().view());
    let log = a.store.ops().expect("log");
    let authors: Vec<&str> = log.iter().map(|o| o.author.as_str()).collect();
    assert_eq!(authors, ["radgiver-a", "radgiver-b"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_changes_wait_in_the_outbox_and_go_out_when_the_server_is_back() {
    let server = TestServer::start().await;
    let token = server.add_user("radgiver-a", Role::Chair).await;
    let ola_token = server.add_user("radgiver-b", Role::Chair).await;
    let upstream = server
        .url
        .trim_start_matches("http://")
        .parse()
        .expect("addr");
    let proxy = Proxy::start(upstream).await;
    let a = Client::start("radgiver-a", &proxy.url(), &token);
    let b = Client::start("radgiver-b", &server.url, &ola_token);
    a.wait_link("online", |l| *l == Link::Online).await;

    // The network goes, then the server too.
    proxy.cut();
    a.wait_link("offline", |l| matches!(l, Link::Offline { .. }))
        .await;
    let (dir, db) = server.shutdown().await;
    let item = ItemId::new();
    a.change(create(item, "Digital postkasse")).await;
    a.change(Payload::MoveItem {
        item,
        to: StageKey::new("vurdering"),
    })
    .await;
    let r = a.replica();
    assert_eq!(r.pending().len(), 2, "both changes wait, on disk");
    assert_eq!(
        stage_of(&a, &item).as_deref(),
        Some("vurdering"),
        "and show at once"
    );

    // The server comes back (on another port: the proxy points there) with the same file.
    let server = TestServer::start_on(dir, db, ServerConfig::default()).await;
    proxy.heal(
        server
            .url
            .trim_start_matches("http://")
            .parse()
            .expect("addr"),
    );
    a.wait("has its changes confirmed", |r| {
        r.pending().is_empty() && r.last_seq() == 2
    })
    .await;
    let b2 = Client::start("radgiver-b", &server.url, &ola_token);
    b2.wait("sees the offline work", |r| {
        r.view()
            .get(&item)
            .is_some_and(|i| i.stage.as_str() == "vurdering")
    })
    .await;
    drop(b);
    let head = server.store().head().await.expect("head");
    assert_eq!(head, 2, "each op stored once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_change_is_taken_back_and_the_rest_go_through() {
    let server = TestServer::start().await;
    let chair = server.add_user("leder", Role::Chair).await;
    let member = server.add_user("medlem", Role::Member).await;
    let c = Client::start("leder", &server.url, &chair);
    let item = ItemId::new();
    c.change(create(item, "Chatbot")).await;
    let m = Client::start("medlem", &server.url, &member);
    m.wait("sees the item", |r| r.view().get(&item).is_some())
        .await;
    // A member may not move a card; the member's own proposal is fine.
    let refused = m
        .change(Payload::MoveItem {
            item,
            to: StageKey::new("prioritert"),
        })
        .await;
    let other = ItemId::new();
    m.change(create(other, "Ny nettside")).await;
    m.wait("has the refusal undone and the proposal confirmed", |r| {
        r.pending().is_empty() && r.view().get(&other).is_some()
    })
    .await;
    assert_eq!(stage_of(&m, &item).as_deref(), Some("innkommet"));
    assert!(m.saw(|e| matches!(e, SyncEvent::Refused { op_id, .. } if *op_id == refused.op_id)));
    c.wait("sees the proposal, not the move", |r| {
        r.view().get(&other).is_some()
    })
    .await;
    assert_eq!(stage_of(&c, &item).as_deref(), Some("innkommet"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_token_logs_the_client_out_calmly() {
    let server = TestServer::start().await;
    let token = server.add_user("radgiver-a", Role::Member).await;
    let a = Client::start("radgiver-a", &server.url, &token);
    a.wait_link("online", |l| *l == Link::Online).await;
    server
        .store()
        .revoke_user("radgiver-a".into(), common::server::now_ms())
        .await
        .expect("revoked");
    a.change(create(ItemId::new(), "Etter tilbaketrekking"))
        .await;
    a.wait_link("logged out", |l| matches!(l, Link::LoggedOut { .. }))
        .await;
    assert_eq!(
        a.replica().pending().len(),
        1,
        "the change is kept, not thrown away"
    );
    wait_for("identity was reported", || {
        let ok = a.saw(|e| matches!(e, SyncEvent::Identity(i) if i.user == "radgiver-a"));
        async move { ok }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_tls_the_client_trusts_a_given_ca_and_nothing_else() {
    use styr::sync::{HttpTransport, ServerUrl, SyncError, Transport};
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).expect("a cert");
    let der = cert.cert.der().clone();
    let key = rustls_pki_types::PrivateKeyDer::Pkcs8(cert.signing_key.serialize_der().into());
    let tls = styr::server::tls::config_from(vec![der], key).expect("tls config");
    let dir = tempfile::tempdir().expect("tempdir");
    let store: std::sync::Arc<dyn styr::server::ServerStore> = std::sync::Arc::new(
        styr::server::SqliteStore::open(&dir.path().join("s.db")).expect("store"),
    );
    let admin = styr::server::users::ensure_admin(&*store, common::server::now_ms())
        .await
        .expect("admin")
        .expect("first start")
        .token;
    let state = styr::server::AppState::new(store, ServerConfig::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(styr::server::serve_tls(listener, tls, state, async move {
        let _ = stopped.await;
    }));
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, cert.cert.pem()).expect("ca file");
    let url = ServerUrl::parse(&format!("https://localhost:{port}"), false).expect("https");

    let trusting = HttpTransport::with_ca(url.clone(), &admin, Some(&ca)).expect("client");
    let me = trusting.me().await.expect("the server answers over TLS");
    assert_eq!(me.role, Role::Admin);
    let plain = HttpTransport::new(url.clone(), &admin).expect("client");
    assert!(
        matches!(plain.me().await, Err(SyncError::Offline(_))),
        "an unknown certificate is not trusted"
    );
    let bad = dir.path().join("not-a-cert.pem");
    std::fs::write(&bad, "hello").expect("file");
    assert!(matches!(
        HttpTransport::with_ca(url, &admin, Some(&bad)),
        Err(SyncError::Setup(m)) if m.contains("not-a-cert.pem")
    ));
    let _ = stop.send(());
    let _ = tokio::time::timeout(common::server::DEADLINE, task).await;
}

/// `styr` the binary, for a person whose home is `home`.
fn styr_in(home: &std::path::Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_styr"))
        .env_clear()
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("LANG", "en_GB.UTF-8")
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("styr runs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_when_logged_in_goes_to_the_shared_portfolio_and_out_at_once() {
    let server = TestServer::start().await;
    let token = server.add_user("sekretaer", Role::Chair).await;
    let home = tempfile::tempdir().expect("home");
    let h = home.path().to_path_buf();
    let csv =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/io/data/demo-proposals.csv");
    let url = server.url.clone();
    let (login, import, export) = tokio::task::spawn_blocking(move || {
        let login = styr_in(&h, &["login", &url, &token]);
        let import = styr_in(&h, &["import", csv.to_str().expect("utf-8 path")]);
        let export = styr_in(&h, &["export", "--format", "csv"]);
        (login, import, export)
    })
    .await
    .expect("joined");
    assert!(login.status.success(), "{login:?}");
    let out = String::from_utf8_lossy(&import.stdout);
    assert!(import.status.success(), "{import:?}");
    assert!(
        out.contains("Imported 24 items") && out.contains("Sent to"),
        "{out}"
    );
    assert_eq!(
        server.store().head().await.expect("head"),
        24,
        "on the server at once"
    );
    let csv_out = String::from_utf8_lossy(&export.stdout);
    assert_eq!(
        csv_out.lines().count(),
        25,
        "the export reads the shared portfolio: {csv_out}"
    );

    // A viewer's import is refused by the server, op by op, and taken back locally.
    let viewer = server.add_user("leser", Role::Viewer).await;
    let home2 = tempfile::tempdir().expect("home");
    let h2 = home2.path().to_path_buf();
    let csv =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/io/data/demo-proposals.csv");
    let url = server.url.clone();
    let import = tokio::task::spawn_blocking(move || {
        assert!(styr_in(&h2, &["login", &url, &viewer]).status.success());
        styr_in(&h2, &["import", csv.to_str().expect("utf-8 path")])
    })
    .await
    .expect("joined");
    assert!(!import.status.success(), "{import:?}");
    let err = String::from_utf8_lossy(&import.stderr);
    assert!(
        err.contains("The server refused 24 of the changes"),
        "{err}"
    );
    assert_eq!(
        server.store().head().await.expect("head"),
        24,
        "nothing more stored"
    );
}
