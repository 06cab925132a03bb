//! End to end, in a real pseudo-terminal, as a person would use styr.

mod common;

use common::pty::Pty;
use std::os::unix::process::CommandExt;

/// Set in a child of this test binary: block SIGHUP, then become styr with these
/// arguments (separated by spaces). A blocked signal stays blocked across exec.
const EXEC_WITH_SIGHUP_BLOCKED: &str = "STYR_TEST_EXEC_WITH_SIGHUP_BLOCKED";

/// Leave the alternate screen; show the cursor again.
const LEAVE_ALT_SCREEN: &[u8] = b"\x1b[?1049l";
const SHOW_CURSOR: &[u8] = b"\x1b[?25h";

/// The column (in cells) where `text` starts on screen, if shown.
fn column_of(p: &Pty, text: &str) -> Option<usize> {
    p.rows()
        .iter()
        .find_map(|r| r.find(text).map(|b| r[..b].chars().count()))
}

/// How long styr may take to end once its terminal is gone or it is told to stop.
const ENDS_WITHIN: std::time::Duration = std::time::Duration::from_secs(2);

/// Waits for styr to end after `since` (the signal, the hangup) and checks it took at
/// most `ENDS_WITHIN`; returns the exit code.
fn ends_in_time(p: &mut Pty, since: std::time::Instant) -> u32 {
    let code = p.wait_exit();
    let took = since.elapsed();
    assert!(took < ENDS_WITHIN, "styr took {took:?} to end");
    code
}

/// After styr was stopped by something other than quitting: it exited as a failure,
/// within `ENDS_WITHIN` of `since`, and gave the terminal back (left the alternate
/// screen, showed the cursor).
fn ended_and_restored(p: &mut Pty, why: &str, since: std::time::Instant) {
    assert_ne!(ends_in_time(p, since), 0, "{why} is not a clean quit");
    assert!(
        p.raw_contains(LEAVE_ALT_SCREEN),
        "the alternate screen was left"
    );
    assert!(p.raw_contains(SHOW_CURSOR), "the cursor was shown again");
}

/// A new styr on `home` offers the draft and opens it again with `typed` in it.
fn draft_is_offered_back(home: &std::path::Path, typed: &str) -> Pty {
    let mut p = Pty::spawn(home, &["demo"], 80, 24);
    p.wait_for(&["ulagret skjema"]);
    p.send("j");
    p.wait_for(&[typed, "Utkastet er åpnet igjen"]);
    p
}

#[test]
fn a_moved_card_is_still_moved_after_a_restart() {
    let home = tempfile::tempdir().expect("tempdir");
    let mut p = Pty::spawn(home.path(), &["demo"], 80, 24);
    p.wait_for(&["Innkommet (24)", "Vurdering (0)", "✓ Lagret"]);
    assert!(
        column_of(&p, "Min side for").is_some_and(|c| c < 26),
        "{}",
        p.screen()
    );
    p.send("L");
    p.wait_for(&[
        "Innkommet (23)",
        "Vurdering (1)",
        "Flyttet til Vurdering",
        "✓ Lagret",
    ]);
    p.send("q");
    assert_eq!(p.wait_exit(), 0);
    assert!(p.raw_contains(LEAVE_ALT_SCREEN));

    let p = Pty::spawn(home.path(), &["demo"], 80, 24);
    p.wait_for(&["Innkommet (23)", "Vurdering (1)"]);
    let col = column_of(&p, "Min side for").expect("the card is on screen");
    assert!(
        (26..53).contains(&col),
        "the card is in the Vurdering column:\n{}",
        p.screen()
    );
}

#[test]
fn sigterm_in_the_edit_form_keeps_a_draft_and_restores_the_terminal() {
    let home = tempfile::tempdir().expect("tempdir");
    let mut p = Pty::spawn(home.path(), &["demo"], 80, 24);
    p.wait_for(&["Innkommet (24)"]);
    p.send("e");
    p.wait_for(&["Rediger: Min side"]);
    p.send(" utkast");
    p.wait_for(&["(KS FIKS) utkast"]);
    let since = std::time::Instant::now();
    p.signal("TERM");
    ended_and_restored(&mut p, "a signal", since);

    let mut p = draft_is_offered_back(home.path(), "(KS FIKS) utkast");
    p.send("\x13"); // Ctrl-S saves it.
    p.wait_for(&["Lagret endringer", "✓ Lagret"]);
    p.send("q");
    assert_eq!(p.wait_exit(), 0);
    // Answered drafts are not offered again.
    let mut p = Pty::spawn(home.path(), &["demo"], 80, 24);
    let s = p.wait_for(&["Innkommet (24)"]);
    assert!(!s.contains("ulagret skjema"), "{s}");
    p.send("\r");
    p.wait_for(&["(KS FIKS) utkast"]);
}

#[test]
fn an_ssh_drop_ends_styr_and_keeps_the_draft() {
    let home = tempfile::tempdir().expect("tempdir");
    let mut p = Pty::spawn(home.path(), &["demo"], 80, 24);
    p.wait_for(&["Innkommet (24)"]);
    p.send("e");
    p.wait_for(&["Rediger: Min side"]);
    p.send(" borte");
    p.wait_for(&["(KS FIKS) borte"]);
    let since = std::time::Instant::now();
    p.hang_up();
    ends_in_time(&mut p, since);
    let p = Pty::spawn(home.path(), &["demo"], 80, 24);
    p.wait_for(&["ulagret skjema"]);
}

/// The terminal going away while styr is busy with input and drawing: styr must hear
/// the hangup however its loop is placed at that moment. (Reading the terminal on the
/// loop's thread once left a styr caught for good in crossterm's reader, which loops on
/// a hung-up terminal; it failed about one run in fifteen of the test above.) Several
/// rounds of several styr, each hung up in the middle of a burst of keys.
#[test]
fn an_ssh_drop_in_the_middle_of_typing_ends_every_styr() {
    for _round in 0..6 {
        let homes: Vec<_> = (0..4)
            .map(|_| tempfile::tempdir().expect("tempdir"))
            .collect();
        let mut all: Vec<Pty> = homes
            .iter()
            .map(|h| Pty::spawn(h.path(), &["demo"], 80, 24))
            .collect();
        for p in &all {
            p.wait_for(&["Innkommet (24)"]);
        }
        for p in &mut all {
            p.send("jjlkh/digital");
        }
        let since = std::time::Instant::now();
        for p in &mut all {
            p.hang_up();
        }
        for p in &mut all {
            ends_in_time(p, since);
        }
    }
}

#[test]
fn a_second_styr_on_the_same_data_gets_its_own_slot() {
    let home = tempfile::tempdir().expect("tempdir");
    let a = Pty::spawn(home.path(), &["demo"], 80, 24);
    a.wait_for(&["Innkommet (24)"]);
    let b = Pty::spawn(home.path(), &["demo"], 80, 24);
    let s = b.wait_for(&["plass 1"]);
    assert!(!s.to_lowercase().contains("lock"), "{s}");
}

/// Not a test on its own: the re-executed child of
/// `a_closed_terminal_ends_styr_even_without_sighup` runs this to become styr.
#[test]
fn exec_styr_with_sighup_blocked() {
    let Ok(args) = std::env::var(EXEC_WITH_SIGHUP_BLOCKED) else {
        return;
    };
    // SAFETY: plain signal-mask calls on this single-threaded child before exec.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGHUP);
        assert_eq!(
            libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()),
            0
        );
    }
    let err = std::process::Command::new(env!("CARGO_BIN_EXE_styr"))
        .args(args.split(' '))
        .exec();
    panic!("exec styr: {err}");
}

#[test]
fn a_closed_terminal_ends_styr_even_without_sighup() {
    let home = tempfile::tempdir().expect("tempdir");
    let me = std::env::current_exe().expect("test binary");
    let mut p = Pty::spawn_program(
        home.path(),
        me.to_str().expect("utf-8 path"),
        &[
            "--exact",
            "exec_styr_with_sighup_blocked",
            "--nocapture",
            "--test-threads=1",
        ],
        &[(EXEC_WITH_SIGHUP_BLOCKED, "demo")],
        80,
        24,
    );
    p.wait_for(&["Innkommet (24)"]);
    p.send("e");
    p.wait_for(&["Rediger: Min side"]);
    p.send(" uten signal");
    p.wait_for(&["(KS FIKS) uten signal"]);
    let since = std::time::Instant::now();
    p.hang_up();
    // crossterm alone would read end-of-file for ever at full CPU; styr must notice
    // the hangup itself and end.
    ends_in_time(&mut p, since);
    let p = Pty::spawn(home.path(), &["demo"], 80, 24);
    p.wait_for(&["ulagret skjema"]);
}

#[test]
fn triage_verdicts_and_reasons_are_there_after_a_restart() {
    let home = tempfile::tempdir().expect("tempdir");
    let mut p = Pty::spawn(home.path(), &["demo"], 100, 30);
    p.wait_for(&["Innkommet (24)", "✓ Lagret"]);
    p.send("t");
    p.wait_for(&["Innspill", "Innkommet (24)"]);
    // Search "sak", accept the best hit, reject the next with a reason.
    p.send("/sak");
    p.wait_until("the search narrows the list", |s| {
        s.contains("Filter: sak") && !s.contains("Innkommet (24)")
    });
    p.send("\r");
    p.send("a");
    p.wait_for(&["→ Vurdering", "✓ Lagret"]);
    p.send("r");
    p.wait_for(&["vises for innsenderen"]);
    p.send("Dekkes av KS-løsningen\r");
    p.wait_for(&["→ Avvist", "✓ Lagret"]);
    // Clear the search, mark three and park them with one reason.
    p.send("\x1b");
    p.wait_until("the filter is gone", |s| !s.contains("Filter: sak"));
    p.send("   ");
    p.wait_for(&["3 merket"]);
    p.send("p");
    p.wait_for(&["3 saker → Parkert"]);
    p.send("Venter på nasjonal løsning\r");
    p.wait_for(&["3 saker → Parkert – u angrer", "Innkommet (19)", "✓ Lagret"]);
    p.send("q");
    assert_eq!(p.wait_exit(), 0);

    let mut p = Pty::spawn(home.path(), &["demo"], 100, 30);
    p.wait_for(&["Innkommet (19)", "Vurdering (1)"]);
    p.send("t");
    p.wait_for(&["Innkommet (19)"]);
    p.send("h");
    p.wait_for(&["Avvist (1)", "Begrunnelse: Dekkes av KS-løsningen"]);
    p.send("h");
    p.wait_for(&["Parkert (3)", "Begrunnelse: Venter på nasjonal løsning"]);
    p.send("q");
    assert_eq!(p.wait_exit(), 0);
}

#[test]
fn a_storm_of_resizes_leaves_a_right_frame_and_a_plain_too_small_message() {
    let home = tempfile::tempdir().expect("tempdir");
    let mut p = Pty::spawn(home.path(), &["demo"], 80, 24);
    p.wait_for(&["Innkommet (24)", "✓ Lagret"]);
    // 100 sizes in one second, the extremes among them.
    let extremes = [
        (1, 1),
        (500, 200),
        (1, 200),
        (500, 1),
        (2, 2),
        (39, 9),
        (40, 10),
        (300, 5),
    ];
    let start = std::time::Instant::now();
    for i in 0..100u32 {
        let (c, r) = match extremes.get(i as usize % 12) {
            Some(&size) => size,
            // The rest: sizes spread over the whole range.
            None => ((i * 37 % 500 + 1) as u16, (i * 53 % 200 + 1) as u16),
        };
        p.resize(c, r);
        // Pace the storm over one second (a rate, not a wait for anything).
        let at = start + std::time::Duration::from_millis(10 * u64::from(i + 1));
        if let Some(left) = at.checked_duration_since(std::time::Instant::now()) {
            std::thread::sleep(left);
        }
    }
    // Below the minimum: one plain line.
    p.resize(30, 8);
    p.wait_for(&["Terminalen er for liten", "40x10"]);
    // Back to a usable size: the whole board, laid out for it.
    p.resize(100, 30);
    let s = p.wait_for(&["Innkommet (24)", "Vurdering (0)", "✓ Lagret"]);
    assert!(!s.contains("for liten"), "{s}");
    let rows = p.rows();
    assert_eq!(rows.len(), 30);
    assert!(rows[0].contains("styr · Demo"), "{s}");
    assert!(rows[29].contains("35 saker"), "{s}");
    // Still answering keys, and it ends cleanly.
    p.send("t");
    p.wait_for(&["Innspill", "Innkommet (24)"]);
    p.send("q");
    assert_eq!(p.wait_exit(), 0);
    assert!(p.raw_contains(LEAVE_ALT_SCREEN));
}

/// What a styr started beside others shows once it has settled: its board, or the
/// plain message that every slot is taken.
fn settled(p: &Pty) -> String {
    p.wait_until("a board or the all-slots-busy message", |s| {
        s.contains("Innkommet (") || s.contains("er i bruk av andre styr-vinduer")
    })
}

#[test]
fn two_three_and_ten_styr_started_at_once_each_get_a_slot_or_a_plain_message() {
    for n in [2usize, 3, 10] {
        let home = tempfile::tempdir().expect("tempdir");
        let mut all: Vec<Pty> = (0..n)
            .map(|_| Pty::spawn(home.path(), &["demo"], 100, 24))
            .collect();
        let mut boards = Vec::new();
        let mut busy = 0;
        for (i, p) in all.iter().enumerate() {
            let s = settled(p);
            assert!(!s.to_lowercase().contains("lock"), "{s}");
            if s.contains("Innkommet (") {
                boards.push(i);
            } else {
                busy += 1;
            }
        }
        let slots = styr::store::MAX_SLOTS.min(n);
        assert_eq!(boards.len(), slots, "{n} at once");
        assert_eq!(busy, n - slots);
        // Each board moves one card in its own copy and quits.
        for &i in &boards {
            let p = &mut all[i];
            p.send("L");
            p.wait_for(&["Vurdering (1)", "✓ Lagret"]);
            p.send("q");
            assert_eq!(p.wait_exit(), 0);
        }
        for (i, p) in all.iter_mut().enumerate() {
            if !boards.contains(&i) {
                // Told every slot was busy, it has ended by itself, as a failure.
                assert_ne!(p.wait_exit(), 0, "{}", p.screen());
            }
        }
        drop(all);
        // Every copy opens again with its one change: none damaged another.
        let again: Vec<Pty> = (0..slots)
            .map(|_| Pty::spawn(home.path(), &["demo"], 100, 24))
            .collect();
        for p in &again {
            p.wait_for(&["Innkommet (23)", "Vurdering (1)"]);
        }
    }
}

#[test]
fn a_panic_while_drawing_keeps_the_draft_and_restores_the_terminal() {
    let home = tempfile::tempdir().expect("tempdir");
    let mut p = Pty::spawn_program(
        home.path(),
        env!("CARGO_BIN_EXE_styr"),
        &["demo"],
        &[("STYR_FAULT", "draw-panic")],
        80,
        24,
    );
    p.wait_for(&["Innkommet (24)"]);
    p.send("e");
    p.wait_for(&["Rediger: Min side"]);
    p.send(" etter krasj");
    p.wait_for(&["(KS FIKS) etter krasj"]);
    // F12: the next frame panics inside rendering.
    let since = std::time::Instant::now();
    p.send("\x1b[24~");
    ended_and_restored(&mut p, "a panic", since);
    // The draft was written before anything else, and is offered back.
    let mut p = draft_is_offered_back(home.path(), "(KS FIKS) etter krasj");
    p.send("\x1b");
    p.wait_for(&["Forkaste endringene?"]);
    p.send("j");
    p.send("q");
    assert_eq!(p.wait_exit(), 0);
}
