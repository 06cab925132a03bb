//! The minutes [møtebok]: a scripted meeting of Bestillerutvalget folded through
//! `Meetings::stamp` + `apply` (so case numbers, eligible voters, the round's result and
//! the decision chain are set as the server sets them), written as Markdown (a snapshot)
//! and JSON, internal and public; and the `styr minutes`, `styr meeting` and
//! `styr verify` commands run as a person would run them.

mod common;

use common::meeting::{add_case, decide, decision, meeting_op, schedule};
use common::server::{push, TestServer};
use reqwest::StatusCode;
use styr::i18n::Lang;
use styr::io::minutes::{minutes, MinutesFormat, MinutesOptions};
use styr::model::meeting::{
    Attendee, CaseDetails, CaseId, CaseNumberFormat, Decision, DecisionId, Disqualified,
    MeetingChange, MeetingDetails, MeetingId, Meetings, MinutesStatus, Presence, Reached, RoundId,
};
use styr::model::vote::{Ballot, Choice, Majority, Method, RoundRules, Weighting, YesNo};
use styr::model::{Op, OpId, Payload, Portfolio, Role};
use uuid::Uuid;

const MEETING: MeetingId = MeetingId(Uuid::from_u128(0x0193_6a2b_4c00_7000_8000_0000_0000_0001));
const CASE_A: CaseId = CaseId(Uuid::from_u128(0x0193_6a2b_4c00_7000_8000_0000_0000_00a1));
const CASE_B: CaseId = CaseId(Uuid::from_u128(0x0193_6a2b_4c00_7000_8000_0000_0000_00b2));
const CASE_C: CaseId = CaseId(Uuid::from_u128(0x0193_6a2b_4c00_7000_8000_0000_0000_00c3));
const ROUND: RoundId = RoundId(Uuid::from_u128(0x0193_6a2b_4c00_7000_8000_0000_0000_0d01));
const DECISION_A: DecisionId =
    DecisionId(Uuid::from_u128(0x0193_6a2b_4c00_7000_8000_0000_0000_de01));
const DECISION_B: DecisionId =
    DecisionId(Uuid::from_u128(0x0193_6a2b_4c00_7000_8000_0000_0000_de02));
const DECISION_C: DecisionId =
    DecisionId(Uuid::from_u128(0x0193_6a2b_4c00_7000_8000_0000_0000_de03));
const CORRECTION: DecisionId =
    DecisionId(Uuid::from_u128(0x0193_6a2b_4c00_7000_8000_0000_0000_de04));

/// 26 November 2026, 10:00 UTC.
const AT: i64 = 1_795_687_200_000;

const SECRET_PROPOSAL: &str = "Avtalen med leverandøren av skoleportalen sies opp.";
const SECRET_DECISION: &str = "Avtalen med leverandøren sies opp fra 1. januar 2027.";
const SECRET_TITLE: &str = "Oppsigelse av avtale om skoleportal";
const DISQUALIFIED_BASIS: &str = "inhabil etter fvl. § 6 første ledd bokstav a";
const CLOSED_BASIS: &str = "kommuneloven § 11-5 andre ledd";

/// The server's side of the fold: check, stamp (with the ballots it kept), apply.
struct Script {
    meetings: Meetings,
    seq: u128,
    ballots: Vec<Ballot>,
}

impl Script {
    fn run(&mut self, author: &str, change: MeetingChange) {
        assert_eq!(self.meetings.check(&change), Ok(()), "{change:?}");
        self.seq += 1;
        let mut op = Op {
            op_id: OpId(Uuid::from_u128(
                0x0193_6a2b_4c00_7000_9000_0000_0000_0000 + self.seq,
            )),
            ..Op::new(
                author,
                AT + self.seq as i64 * 60_000,
                Payload::Meeting {
                    change: Box::new(change),
                },
            )
        };
        let ballots = self.ballots.clone();
        self.meetings.stamp(&mut op, |_| ballots);
        assert!(self.meetings.apply(&op));
    }
}

fn attendee(name: &str, org: &str, presence: Presence) -> Attendee {
    Attendee {
        name: name.into(),
        org: org.into(),
        presence,
    }
}

/// Bestillerutvalget's meeting: nine who may vote (leder, seven members and vara-h for
/// medlem-h), medlem-i absent without a substitute; three cases.
fn scripted() -> Meetings {
    let mut s = Script {
        meetings: Meetings::default(),
        seq: 0,
        ballots: vec![],
    };
    let sec = "sekretaer";
    s.run(
        sec,
        MeetingChange::Schedule {
            meeting: MEETING,
            details: MeetingDetails {
                body: "Bestillerutvalget".into(),
                starts_at: "2026-11-26 10:00".into(),
                place: "Rådhuset i Åfjord, møterom 2".into(),
                number: "4/2026".into(),
            },
        },
    );
    let orgs = ["Åfjord", "Indre Fosen", "Ørland", "Osen"];
    let mut attendees = vec![attendee("leder", "Fosen IKT", Presence::Present)];
    for (i, m) in ["a", "b", "c", "d", "e", "f", "g"].iter().enumerate() {
        attendees.push(attendee(
            &format!("medlem-{m}"),
            orgs[i % orgs.len()],
            Presence::Present,
        ));
    }
    attendees.push(attendee("medlem-h", "Ørland", Presence::Absent));
    attendees.push(attendee(
        "vara-h",
        "Ørland",
        Presence::Substitute {
            replaces: "medlem-h".into(),
        },
    ));
    attendees.push(attendee("medlem-i", "Osen", Presence::Absent));
    s.run(
        sec,
        MeetingChange::Attendance {
            meeting: MEETING,
            attendees,
        },
    );
    let case = |title: &str, proposal: &str, archive: &str, exempt: Option<&str>| CaseDetails {
        title: title.into(),
        proposal: proposal.into(),
        archive_ref: archive.into(),
        exempt: exempt.map(str::to_string),
        ..CaseDetails::default()
    };
    // Case A: medlem-d is disqualified and leaves; case C is handled in a closed session.
    let case_a = |d: CaseDetails| CaseDetails {
        disqualified: vec![Disqualified {
            name: "medlem-d".into(),
            basis: DISQUALIFIED_BASIS.into(),
        }],
        ..d
    };
    let case_c = |d: CaseDetails| CaseDetails {
        closed_session: Some(CLOSED_BASIS.into()),
        ..d
    };
    for (id, details) in [
        (
            CASE_A,
            case_a(case(
                "Felles sak- og arkivsystem",
                "Bestillerutvalget prioriterer felles sak- og arkivsystem for 2027.",
                "2026/1187",
                None,
            )),
        ),
        (
            CASE_B,
            case(
                "Digital innbyggerdialog",
                "Chatbot for innbyggerdialog settes i gang som forprosjekt.",
                "2026/1190",
                None,
            ),
        ),
        (
            CASE_C,
            case_c(case(
                SECRET_TITLE,
                SECRET_PROPOSAL,
                "2012/3869",
                Some("offl. § 13"),
            )),
        ),
    ] {
        s.run(
            sec,
            MeetingChange::AddCase {
                meeting: MEETING,
                case: id,
                details,
                number: None,
            },
        );
    }

    // Case A: unanimous, and later corrected.
    s.run(
        sec,
        MeetingChange::Decide {
            decision: Box::new(decision(
                DECISION_A,
                CASE_A,
                "Felles sak- og arkivsystem",
                "Felles sak- og arkivsystem prioriteres for 2027.",
                Reached::Unanimous,
            )),
        },
    );

    // Case B: a named yes/no round, 6 for and 3 against; medlem-c's dissent recorded.
    s.run(
        "leder",
        MeetingChange::OpenRound {
            round: ROUND,
            case: CASE_B,
            rules: RoundRules {
                method: Method::YesNo {
                    majority: Majority::Simple,
                },
                options: vec![],
                weighting: Weighting::PerPerson,
                body_size: 10,
                casting_vote: false,
                election: false,
                chair: Some("leder".into()),
            },
            anonymous: false,
            eligible: vec![],
        },
    );
    assert_eq!(
        s.meetings.round(&ROUND).map(|r| r.eligible.len()),
        Some(9),
        "present members and the substitute may vote"
    );
    let no = ["medlem-b", "medlem-c", "medlem-f"];
    s.ballots = s
        .meetings
        .round(&ROUND)
        .expect("open")
        .eligible
        .iter()
        .map(|v| Ballot {
            voter: Some(v.name.clone()),
            org: v.org.clone(),
            choice: Choice::YesNo(if no.contains(&v.name.as_str()) {
                YesNo::No
            } else {
                YesNo::Yes
            }),
            hand_counted: v.name == "medlem-g",
        })
        .collect();
    s.run(
        "leder",
        MeetingChange::CloseRound {
            round: ROUND,
            result: None,
            ballots: vec![],
        },
    );
    s.run(
        sec,
        MeetingChange::Decide {
            decision: Box::new(Decision {
                dissent: vec!["medlem-c".into()],
                ..decision(
                    DECISION_B,
                    CASE_B,
                    "Digital innbyggerdialog",
                    "Chatbot for innbyggerdialog settes i gang som forprosjekt i 2027.",
                    Reached::Round { round: ROUND },
                )
            }),
        },
    );

    // Case C: exempt from public access, decided 8 to 1 with medlem-b dissenting.
    s.run(
        sec,
        MeetingChange::Decide {
            decision: Box::new(Decision {
                dissent: vec!["medlem-b".into()],
                exempt: Some("offl. § 13".into()),
                ..decision(
                    DECISION_C,
                    CASE_C,
                    SECRET_TITLE,
                    SECRET_DECISION,
                    Reached::Votes {
                        in_favour: 8,
                        against: 1,
                        abstain: 0,
                    },
                )
            }),
        },
    );

    s.run(
        "leder",
        MeetingChange::Minutes {
            meeting: MEETING,
            status: MinutesStatus::Approved,
        },
    );
    // After approval only a correction may be added, linked to what it corrects.
    s.run(
        sec,
        MeetingChange::Decide {
            decision: Box::new(Decision {
                corrects: Some(DECISION_A),
                ..decision(
                    CORRECTION,
                    CASE_A,
                    "Felles sak- og arkivsystem",
                    "Felles sak- og arkivsystem prioriteres for 2027 og 2028.",
                    Reached::Unanimous,
                )
            }),
        },
    );
    s.meetings
}

fn write(meetings: &Meetings, lang: Lang, public: bool, format: MinutesFormat) -> String {
    write_as(meetings, lang, public, format, CaseNumberFormat::NnYy)
}

fn write_as(
    meetings: &Meetings,
    lang: Lang,
    public: bool,
    format: MinutesFormat,
    case_format: CaseNumberFormat,
) -> String {
    minutes(
        meetings,
        &Portfolio::default(),
        &MEETING,
        &MinutesOptions {
            public,
            format,
            case_format,
            strings: lang.strings().minutes,
        },
    )
    .expect("the meeting exists")
}

#[test]
fn the_minutes_hold_what_the_law_asks_for() {
    let meetings = scripted();
    assert_eq!(
        styr::model::meeting::verify_chain(meetings.decisions()),
        Ok(4)
    );
    let md = write(&meetings, Lang::Nb, false, MinutesFormat::Markdown);
    for part in [
        "# Møtebok – Bestillerutvalget",
        "Møte nr. 4/2026",
        "2026-11-26 10:00",
        "Rådhuset i Åfjord",
        "- medlem-a (Åfjord)",
        "## Forfall\n\n- medlem-h (Ørland)\n- medlem-i (Osen)",
        "vara-h (Ørland) for medlem-h",
        "### Sak 01/26 Felles sak- og arkivsystem",
        "### Sak 02/26 Digital innbyggerdialog",
        "Vedtatt med 6 mot 3 stemmer",
        "Enstemmig vedtatt",
        "Dissens: medlem-c",
        "1 av 9 stemmer ble talt opp for hånd",
        "medlem-g (for, håndtelt)",
        "**Rettelse av vedtak nr. 1** (vedtak nr. 4)",
        "- Rettet ved vedtak nr. 4",
        "Arkivsak: 2012/3869",
        "Unntatt offentlighet, offl. § 13",
        SECRET_DECISION,
        "**Protokollen:** godkjent",
        "Inhabil: medlem-d (inhabil etter fvl. § 6 første ledd bokstav a), fratrådte under behandlingen",
        "Behandlet i lukket møte, kommuneloven § 11-5 andre ledd",
        "Utvalget var beslutningsdyktig: 9 av 10 medlemmer avga stemme",
    ] {
        assert!(md.contains(part), "{part:?} missing from:\n{md}");
    }
    // Agenda order, and how each voted grouped by organisation.
    let (a, b, c) = (
        md.find("Sak 01/26").unwrap(),
        md.find("Sak 02/26").unwrap(),
        md.find("Sak 03/26").unwrap(),
    );
    assert!(a < b && b < c);
    assert!(
        md.contains("  - Indre Fosen: medlem-b (mot), medlem-f (mot)\n  - Osen: medlem-d (for)\n  - Ørland: "),
        "{md}"
    );
    insta::assert_snapshot!("minutes_nb", md);
    let en = write(&meetings, Lang::En, false, MinutesFormat::Markdown);
    assert!(en.contains("Adopted by 6 votes to 3"), "{en}");
    assert!(en.contains("## Absent"), "{en}");
    assert!(en.contains("The committee had a quorum: 9 of 10"), "{en}");
}

/// Disqualification and the closed session are in the JSON too, with their legal
/// basis; the public copy keeps both (they are legal references, not exempt text).
#[test]
fn disqualification_and_closed_session_are_in_every_copy() {
    let meetings = scripted();
    for public in [false, true] {
        let json = write(&meetings, Lang::Nb, public, MinutesFormat::Json);
        let v: serde_json::Value = serde_json::from_str(&json).expect("parses");
        let cases = v["cases"].as_array().expect("cases");
        assert_eq!(cases[0]["disqualified"][0]["name"], "medlem-d", "{json}");
        assert_eq!(cases[0]["disqualified"][0]["basis"], DISQUALIFIED_BASIS);
        assert_eq!(cases[2]["closed_session"], CLOSED_BASIS, "{json}");
        assert!(cases[1]["closed_session"].is_null());
        assert_eq!(cases[1]["votes"][0]["quorum_met"], true);
        let md = write(&meetings, Lang::Nb, public, MinutesFormat::Markdown);
        assert!(
            md.contains(DISQUALIFIED_BASIS) && md.contains(CLOSED_BASIS),
            "{md}"
        );
    }
}

/// The same minutes with case numbers as YYYY/NNN.
#[test]
fn minutes_in_the_yyyy_nnn_format() {
    let meetings = scripted();
    let md = write_as(
        &meetings,
        Lang::Nb,
        false,
        MinutesFormat::Markdown,
        CaseNumberFormat::YyyyNnn,
    );
    for part in [
        "### Sak 2026/001 Felles sak- og arkivsystem",
        "### Sak 2026/002 Digital innbyggerdialog",
        "### Sak 2026/003 Oppsigelse",
    ] {
        assert!(md.contains(part), "{part:?} in:\n{md}");
    }
    assert!(!md.contains("01/26"), "{md}");
    let json = write_as(
        &meetings,
        Lang::Nb,
        true,
        MinutesFormat::Json,
        CaseNumberFormat::YyyyNnn,
    );
    let v: serde_json::Value = serde_json::from_str(&json).expect("parses");
    let numbers: Vec<&str> = v["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| c["case_number"].as_str().unwrap())
        .collect();
    assert_eq!(numbers, ["2026/001", "2026/002", "2026/003"]);
}

#[test]
fn public_minutes_show_the_legal_basis_in_place_of_an_exempt_case() {
    let meetings = scripted();
    for lang in [Lang::Nb, Lang::En] {
        for format in [MinutesFormat::Markdown, MinutesFormat::Json] {
            let text = write(&meetings, lang, true, format);
            for secret in [SECRET_TITLE, SECRET_PROPOSAL, SECRET_DECISION] {
                assert!(!text.contains(secret), "{secret:?} in public:\n{text}");
            }
            assert!(text.contains("offl. § 13"), "{text}");
            // The dissent on the exempt case is hidden; on the open case it stays.
            assert!(!text.contains("Dissens: medlem-b") && !text.contains("Dissent: medlem-b"));
            assert!(text.contains("Digital innbyggerdialog"), "{text}");
        }
    }
    let md = write(&meetings, Lang::Nb, true, MinutesFormat::Markdown);
    assert!(
        md.contains("### Sak 03/26 Unntatt offentlighet, offl. § 13"),
        "{md}"
    );
    assert!(md.contains("Vedtatt med 8 mot 1 stemmer"), "{md}");
}

#[test]
fn json_minutes_carry_numbers_archive_refs_and_the_chain() {
    let meetings = scripted();
    let json = write(&meetings, Lang::Nb, false, MinutesFormat::Json);
    let v: serde_json::Value = serde_json::from_str(&json).expect("the JSON parses");
    assert_eq!(v["body"], "Bestillerutvalget");
    assert_eq!(v["meeting_number"], "4/2026");
    assert_eq!(v["date"], "2026-11-26");
    let cases = v["cases"].as_array().expect("cases");
    let numbers: Vec<&str> = cases
        .iter()
        .map(|c| c["case_number"].as_str().unwrap())
        .collect();
    assert_eq!(numbers, ["01/26", "02/26", "03/26"]);
    assert_eq!(cases[2]["archive_ref"], "2012/3869");
    assert_eq!(cases[2]["archive_case_year"], 2012);
    assert_eq!(cases[2]["archive_sequence"], 3869);
    assert_eq!(cases[0]["archive_ref"], "2026/1187");
    assert_eq!(cases[2]["restriction"]["code"], "skjermet");
    assert_eq!(cases[2]["restriction"]["legal_basis"], "offl. § 13");
    assert!(cases[0]["restriction"].is_null());
    assert_eq!(cases[1]["votes"][0]["in_favour"], "6");
    assert_eq!(cases[1]["votes"][0]["against"], "3");
    assert_eq!(cases[2]["decisions"][0]["text"], SECRET_DECISION);
    let chain = &meetings.decisions()[1].chain.as_ref().unwrap().hash;
    assert_eq!(cases[1]["decisions"][0]["chain_hash"], chain.as_str());
    assert_eq!(
        cases[1]["decisions"][0]["decision_id"],
        DECISION_B.to_string()
    );
    assert_eq!(cases[0]["decisions"][1]["corrects"], DECISION_A.to_string());

    let public: serde_json::Value =
        serde_json::from_str(&write(&meetings, Lang::Nb, true, MinutesFormat::Json))
            .expect("the public JSON parses");
    let secret = &public["cases"][2];
    assert_eq!(secret["case_number"], "03/26");
    assert_eq!(secret["archive_ref"], "2012/3869");
    assert!(secret["decisions"][0].get("text").is_none());
    assert!(secret.get("proposal").is_none());
    assert!(secret["decisions"][0].get("dissent").is_none());
    assert_eq!(public["cases"][1]["decisions"][0]["dissent"][0], "medlem-c");
    assert_eq!(
        public["cases"][0]["decisions"][0]["text"],
        "Felles sak- og arkivsystem prioriteres for 2027."
    );
}

#[test]
fn an_unknown_meeting_is_an_error_not_a_panic() {
    let err = minutes(
        &Meetings::default(),
        &Portfolio::default(),
        &MEETING,
        &MinutesOptions {
            public: false,
            format: MinutesFormat::Markdown,
            case_format: CaseNumberFormat::YyyyNnn,
            strings: Lang::Nb.strings().minutes,
        },
    )
    .expect_err("no such meeting");
    assert!(err.to_string().contains(&MEETING.to_string()));
}

// ---- the commands ----

/// `styr` for a person whose home is `home` (not logged in anywhere).
fn styr(home: &std::path::Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_styr"))
        .env_clear()
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("LANG", "nb_NO.UTF-8")
        .arg("--data-dir")
        .arg(home.join("styr"))
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("styr runs")
}

fn text(o: &std::process::Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn a_secretary_prepares_a_meeting_from_a_script() {
    let home = tempfile::tempdir().expect("home");
    let h = home.path();
    let new = styr(
        h,
        &[
            "meeting",
            "new",
            "--body",
            "Bestillerutvalget",
            "--at",
            "2026-11-26 10:00",
            "--place",
            "Rådhuset, møterom 2",
            "--present",
            "leder:Åfjord,medlem-a:Indre Fosen",
            "--absent",
            "medlem-c:Ørland",
            "--substitute",
            "vara-d:Osen:for-medlem-d",
        ],
    );
    let (out, err) = text(&new);
    assert!(new.status.success(), "{out}{err}");
    let short = out.trim().to_string();
    assert_eq!(short.len(), 8, "the short id alone on stdout: {out:?}");
    for (title, extra) in [
        (
            "Felles sak- og arkivsystem",
            vec!["--archive-ref", "2026/1187"],
        ),
        (
            SECRET_TITLE,
            vec!["--exempt", "offl. § 13", "--proposal", SECRET_PROPOSAL],
        ),
    ] {
        let mut args = vec!["meeting", "case", &short, "--title", title];
        args.extend(extra);
        let o = styr(h, &args);
        let (out, err) = text(&o);
        assert!(o.status.success(), "{out}{err}");
    }
    let list = styr(h, &["meeting", "list"]);
    let (out, _) = text(&list);
    assert!(
        out.contains(&short) && out.contains("Bestillerutvalget"),
        "{out}"
    );

    let md = styr(h, &["minutes", "latest"]);
    let (out, err) = text(&md);
    assert!(md.status.success(), "{err}");
    assert!(
        out.contains("### Sak 01/26 Felles sak- og arkivsystem"),
        "{out}"
    );
    assert!(out.contains("Arkivsak: 2026/1187"), "{out}");
    assert!(out.contains("vara-d (Osen) for medlem-d"), "{out}");
    assert!(out.contains(SECRET_PROPOSAL), "{out}");

    let file = h.join("offentlig.json");
    let public = styr(
        h,
        &[
            "minutes",
            "2026-11-26",
            "--public",
            "--format",
            "json",
            "--out",
            file.to_str().unwrap(),
        ],
    );
    assert!(public.status.success(), "{}", text(&public).1);
    let json = std::fs::read_to_string(&file).expect("written");
    let v: serde_json::Value = serde_json::from_str(&json).expect("parses");
    assert_eq!(v["cases"][1]["case_number"], "02/26");
    assert!(
        !json.contains(SECRET_PROPOSAL) && json.contains("offl. § 13"),
        "{json}"
    );

    // A late arrival: the secretary sets the list again.
    let attend = styr(
        h,
        &[
            "meeting",
            "attend",
            &short,
            "--present",
            "leder:Åfjord,medlem-a:Indre Fosen,medlem-c:Ørland",
        ],
    );
    assert!(attend.status.success(), "{}", text(&attend).1);
    let md = styr(h, &["minutes", &short]);
    let (out, _) = text(&md);
    assert!(out.contains("medlem-c (Ørland)"), "{out}");

    // The next meeting approves these minutes as its first case.
    let next = styr(
        h,
        &[
            "meeting",
            "new",
            "--body",
            "Bestillerutvalget",
            "--at",
            "2026-12-10 10:00",
        ],
    );
    assert!(next.status.success(), "{}", text(&next).1);
    let md = styr(h, &["minutes", "2026-12-10"]);
    let (out, err) = text(&md);
    assert!(md.status.success(), "{err}");
    assert!(
        out.contains("Sak 03/26 Godkjenning av møtebok fra møtet 2026-11-26"),
        "{out}"
    );

    let approve = styr(h, &["meeting", "approve", &short]);
    assert!(approve.status.success(), "{}", text(&approve).1);
    let late = styr(h, &["meeting", "case", &short, "--title", "For sent"]);
    let (_, err) = text(&late);
    assert!(!late.status.success());
    assert!(err.contains("godkjent"), "a clear refusal: {err}");
    let back = styr(h, &["meeting", "approve", &short]);
    assert!(!back.status.success(), "the minutes only move forward");

    let verify = styr(h, &["verify"]);
    assert!(verify.status.success(), "{:?}", text(&verify));
}

#[test]
fn an_unknown_meeting_gets_a_clear_message() {
    let home = tempfile::tempdir().expect("home");
    let h = home.path();
    let o = styr(h, &["minutes", "latest"]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1));
    assert!(err.contains("ingen møter"), "{err}");
    let new = styr(
        h,
        &[
            "meeting",
            "new",
            "--body",
            "Styret",
            "--at",
            "2026-12-03 09:00",
        ],
    );
    assert!(new.status.success(), "{}", text(&new).1);
    for (query, says) in [
        ("2025-01-01", "Fant ikke noe møte «2025-01-01»"),
        ("ffffffff", "Fant ikke noe møte «ffffffff»"),
        ("tirsdag", "Fant ikke noe møte «tirsdag»"),
    ] {
        let o = styr(h, &["minutes", query]);
        let (_, err) = text(&o);
        assert_eq!(o.status.code(), Some(1), "{err}");
        assert!(err.contains(says), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    let bad = styr(
        h,
        &["meeting", "new", "--body", "Styret", "--at", "i morgen"],
    );
    let (_, err) = text(&bad);
    assert!(!bad.status.success());
    assert!(err.contains("«i morgen» er ikke et tidspunkt"), "{err}");
    let bad = styr(
        h,
        &[
            "meeting", "case", "latest", "--title", "X", "--item", "0000",
        ],
    );
    assert!(!bad.status.success());
    assert!(text(&bad).1.contains("«0000»"), "{}", text(&bad).1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_names_a_decision_edited_in_the_server_database() {
    let s = TestServer::start().await;
    let c = common::server::client();
    let secretary = s.add_user("sekretaer", Role::Secretary).await;
    let meeting = MeetingId::new();
    let mut ops = vec![meeting_op("x", schedule(meeting, "2026-11-26 10:00"))];
    for i in 0..3 {
        let case = CaseId::new();
        ops.push(meeting_op(
            "x",
            add_case(meeting, case, &format!("Sak {i}")),
        ));
        ops.push(meeting_op(
            "x",
            decide(
                case,
                &format!("Vedtak {i}"),
                "Saken prioriteres.",
                Reached::Unanimous,
            ),
        ));
    }
    let res = push(&c, &s.url, &secretary, &ops).await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );
    let (dir, db) = s.shutdown().await;
    let home = tempfile::tempdir().expect("home");
    let run = |db: std::path::PathBuf, home: std::path::PathBuf| {
        tokio::task::spawn_blocking(move || styr(&home, &["verify", "--db", db.to_str().unwrap()]))
    };
    let sound = run(db.clone(), home.path().into()).await.unwrap();
    let (out, err) = text(&sound);
    assert!(sound.status.success(), "{out}{err}");
    assert!(out.contains("3 vedtak"), "{out}");
    assert_eq!(out.trim().lines().count(), 1, "one line: {out}");

    assert_eq!(common::meeting::tamper_with_decision(&db, "Vedtak 1"), 1);
    let broken = run(db.clone(), home.path().into()).await.unwrap();
    let (out, err) = text(&broken);
    assert!(!broken.status.success(), "{out}{err}");
    assert!(err.contains("Vedtak 1"), "names the decision: {err}");
    assert!(err.contains("02/26"), "and its case number: {err}");
    let missing = run(dir.path().join("nothing.db"), home.path().into())
        .await
        .unwrap();
    assert!(!missing.status.success());
    assert!(
        text(&missing).1.contains("nothing.db"),
        "{:?}",
        text(&missing)
    );
}

/// The settings name the body and the case number format; a case takes disqualified
/// members and a closed session from the command line; `--agenda-from-board` puts the
/// items in Prioritert and Vurdering on the new meeting's agenda.
#[test]
fn a_script_uses_the_settings_and_builds_the_agenda_from_the_board() {
    let home = tempfile::tempdir().expect("home");
    let h = home.path();
    let config = h.join("config").join("styr");
    std::fs::create_dir_all(&config).expect("config dir");
    std::fs::write(
        config.join("config.toml"),
        "[meeting]\nbody = \"Styret for Fosen IKT\"\ncase_format = \"YYYY/NNN\"\n",
    )
    .expect("settings written");
    let csv = h.join("tiltak.csv");
    std::fs::write(
        &csv,
        "stage,title\nprioritert,Felles sak- og arkivsystem\nvurdering,Digital innbyggerdialog\ninnkommet,Ny idé om droner\n",
    )
    .expect("csv written");
    let import = styr(h, &["import", csv.to_str().unwrap()]);
    assert!(import.status.success(), "{:?}", text(&import));

    let new = styr(
        h,
        &[
            "meeting",
            "new",
            "--at",
            "2026-11-26 10:00",
            "--present",
            "leder:Åfjord,medlem-b:Osen",
            "--agenda-from-board",
        ],
    );
    let (out, err) = text(&new);
    assert!(new.status.success(), "{out}{err}");
    assert!(err.contains("2 saker fra Prioritert og Vurdering"), "{err}");
    let short = out.trim().to_string();
    let case = styr(
        h,
        &[
            "meeting",
            "case",
            &short,
            "--title",
            "Personalsak",
            "--disqualified",
            &format!("medlem-b:{DISQUALIFIED_BASIS}"),
            "--closed",
            CLOSED_BASIS,
        ],
    );
    assert!(case.status.success(), "{:?}", text(&case));
    assert!(
        text(&case).1.contains("2026/003"),
        "the number in the settings' format: {:?}",
        text(&case)
    );
    let md = styr(h, &["minutes", "latest"]);
    let (out, err) = text(&md);
    assert!(md.status.success(), "{err}");
    for part in [
        "# Møtebok – Styret for Fosen IKT",
        "### Sak 2026/001 Felles sak- og arkivsystem",
        "### Sak 2026/002 Digital innbyggerdialog",
        "### Sak 2026/003 Personalsak",
        "Inhabil: medlem-b (inhabil etter fvl. § 6 første ledd bokstav a)",
        "Behandlet i lukket møte, kommuneloven § 11-5 andre ledd",
    ] {
        assert!(out.contains(part), "{part:?} in:\n{out}");
    }
    assert!(
        !out.contains("droner"),
        "only Prioritert and Vurdering: {out}"
    );
    let json = styr(h, &["minutes", "latest", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).expect("parses");
    assert_eq!(
        v["cases"][2]["disqualified"][0]["basis"],
        DISQUALIFIED_BASIS
    );
    assert_eq!(v["cases"][2]["closed_session"], CLOSED_BASIS);
    // The flag still wins over the settings.
    let nn = styr(h, &["minutes", "latest", "--case-format", "NN/YY"]);
    assert!(
        text(&nn).0.contains("### Sak 01/26 Felles"),
        "{:?}",
        text(&nn)
    );

    let bad = styr(
        h,
        &[
            "meeting",
            "case",
            &short,
            "--title",
            "X",
            "--disqualified",
            "medlem-b",
        ],
    );
    let (_, err) = text(&bad);
    assert!(!bad.status.success());
    assert!(
        err.contains("«medlem-b»") && err.contains("navn:hjemmel"),
        "{err}"
    );
}
