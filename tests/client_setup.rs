//! The client's set-up: which server addresses are accepted, where each server's cache
//! lives, the credentials file and its mode, and the reconnect delays.

use std::time::Duration;
use styr::sync::{Backoff, Credentials, CredentialsError, ServerUrl, UrlError};

#[test]
fn https_anywhere_and_http_only_to_this_machine() {
    for ok in [
        "https://styr.fosen-ikt.no",
        "https://styr.fosen-ikt.no:8443/styr/",
        "http://127.0.0.1:8470",
        "http://localhost:8470",
        "http://[::1]:8470",
    ] {
        assert!(ServerUrl::parse(ok, false).is_ok(), "{ok}");
    }
    let err = ServerUrl::parse("http://styr.fosen-ikt.no", false).unwrap_err();
    assert!(matches!(err, UrlError::PlainHttp(_)), "{err:?}");
    assert!(
        err.to_string().contains("--allow-http"),
        "the message says how: {err}"
    );
    assert!(ServerUrl::parse("http://styr.fosen-ikt.no", true).is_ok());
    assert!(matches!(
        ServerUrl::parse("ftp://styr.fosen-ikt.no", true),
        Err(UrlError::Scheme(..))
    ));
    for bad in [
        "",
        "styr.fosen-ikt.no",
        "https://",
        "mailto:a@b.no",
        "https://[::1",
    ] {
        assert!(ServerUrl::parse(bad, true).is_err(), "{bad:?}");
    }
}

#[test]
fn addresses_are_joined_without_double_slashes() {
    let url = ServerUrl::parse("https://styr.fosen-ikt.no/styr/?x=1#top", false).expect("ok");
    assert_eq!(url.as_str(), "https://styr.fosen-ikt.no/styr");
    assert_eq!(
        url.join("/api/v1/ops"),
        "https://styr.fosen-ikt.no/styr/api/v1/ops"
    );
    let root = ServerUrl::parse("https://styr.fosen-ikt.no/", false).expect("ok");
    assert_eq!(
        root.join("/api/v1/ops"),
        "https://styr.fosen-ikt.no/api/v1/ops"
    );
}

#[test]
fn every_server_gets_its_own_readable_cache_folder() {
    let names: Vec<String> = [
        "https://styr.fosen-ikt.no",
        "https://styr.fosen-ikt.no:8443",
        "http://styr.fosen-ikt.no",
        "https://styr.fosen-ikt.no/a",
        "https://ror-ikt.no",
        "http://127.0.0.1:8470",
    ]
    .iter()
    .map(|u| ServerUrl::parse(u, true).expect("ok").cache_name())
    .collect();
    assert_eq!(names[0], "https_styr.fosen-ikt.no_443");
    let mut unique = names.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), names.len(), "{names:?}");
    for n in &names {
        assert!(!n.contains('/') && !n.contains(':') && !n.is_empty(), "{n}");
    }
}

#[test]
fn credentials_round_trip_and_only_the_user_can_read_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("styr");
    assert!(Credentials::load(&config)
        .expect("no file is fine")
        .is_none());
    let creds = Credentials {
        server: "https://styr.fosen-ikt.no".into(),
        token: "styr_0123456789abcdef".into(),
        allow_http: false,
        ca_file: Some("/etc/styr/ca.pem".into()),
    };
    creds.save(&config).expect("saved");
    assert_eq!(
        Credentials::load(&config).expect("read"),
        Some(creds.clone())
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(Credentials::path(&config))
            .expect("file")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "mode {mode:o}");
    }
    assert!(Credentials::remove(&config).expect("removed"));
    assert!(!Credentials::remove(&config).expect("nothing to remove"));
    assert!(Credentials::load(&config).expect("gone").is_none());
}

#[test]
fn a_broken_credentials_file_is_named_not_panicked_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    for text in [
        "server = ",
        "server = \"https://x.no\"",
        "server = \"http://x.no\"\ntoken = \"t\"",
        "server = 3\ntoken = \"t\"",
        "\u{0}\u{ff}",
    ] {
        std::fs::write(Credentials::path(dir.path()), text).expect("write");
        let err = Credentials::load(dir.path()).expect_err(text);
        let msg = err.to_string();
        match err {
            CredentialsError::Broken { .. } => assert!(msg.contains("credentials.toml"), "{msg}"),
            CredentialsError::Url(UrlError::PlainHttp(_)) => {}
            other => panic!("{text:?}: {other:?}"),
        }
    }
}

#[test]
fn backoff_grows_to_its_cap_with_jitter_and_resets() {
    let mut b = Backoff::new(Duration::from_millis(100), Duration::from_secs(2));
    let mut delays = Vec::new();
    for attempt in 0..12u32 {
        let ceiling = b.ceiling();
        let expected = Duration::from_millis(100 * 2u64.pow(attempt)).min(Duration::from_secs(2));
        assert_eq!(ceiling, expected, "attempt {attempt}");
        let d = b.next_delay();
        assert!(
            d >= Duration::from_millis(10) && d <= ceiling,
            "{d:?} at {attempt}"
        );
        delays.push(d);
    }
    assert_eq!(b.attempts(), 12);
    // Jitter: the delays at the cap are not all the same.
    let capped = &delays[6..];
    assert!(capped.iter().any(|d| *d != capped[0]), "{capped:?}");
    b.reset();
    assert_eq!(b.ceiling(), Duration::from_millis(100));
    // Far past any shift width: no overflow, still capped.
    for _ in 0..100 {
        assert!(b.next_delay() <= Duration::from_secs(2));
    }
}

#[test]
fn the_reconnect_cap_can_be_lowered_from_the_environment_and_junk_is_ignored() {
    use styr::tui::run::backoff_capped;
    let default = Backoff::default();
    assert_eq!(backoff_capped(None).cap(), default.cap());
    assert_eq!(
        backoff_capped(Some("1000")).cap(),
        Duration::from_millis(1000)
    );
    assert_eq!(backoff_capped(Some(" 1500 ")).base(), default.base());
    // Below the first delay: the first delay.
    assert_eq!(backoff_capped(Some("0")).cap(), default.base());
    for junk in ["", "soon", "-5", "1e3", "99999999999999999999999"] {
        assert_eq!(backoff_capped(Some(junk)).cap(), default.cap(), "{junk:?}");
    }
}
