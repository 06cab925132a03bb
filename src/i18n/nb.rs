//! Bokmål, with the words of DOMAIN.md.

use super::{
    IoStrings, MeetingStrings, MinutesStrings, ScoringStrings, Strings, SyncStrings, TriageStrings,
};
use crate::io::error::{FileFormat, FormatReason, JsonReason, RowReason};
use crate::model::criteria::PriorityClass;
use crate::model::meeting::{ChainBreak, MinutesStatus, Refusal};
use crate::model::Role;
use crate::model::{FieldName, ScoreError};
use crate::tui::keymap::Action;

pub static STRINGS: Strings = Strings {
    portfolio: "Portefølje",
    demo_portfolio: "Demo: Fosen og innspill",
    board: "Tavle",
    detail: "Sak",
    edit_item: "Rediger",
    new_item: "Nytt forslag",
    help_title: "Taster",
    palette_title: "Kommandoer",
    items_count: "{n} saker",
    saved: "✓ Lagret",
    saving: "… Lagrer",
    sync: &SYNC,
    meeting: &MEETING,
    triage: &TRIAGE,
    criterion: criterion_name,
    criterion_guidance,
    scoring: &SCORING,
    minutes: &MINUTES,
    io: &IO,
    not_saved: "✗ Ikke lagret: {err}",
    slot_note: "egen kopi (plass {n})",
    hint_help: "? hjelp · : kommandoer · q avslutt",
    too_small: "Terminalen er for liten: minst {w}x{h}",
    empty_column: "(tom)",
    no_priority: "P–",
    filter_prompt: "Filter: ",
    filter_matches: "{n} treff",
    filter_searching: "søker …",
    moved_to: "Flyttet til {stage}",
    already_first: "Saken står allerede i første kolonne",
    already_last: "Saken står allerede i siste kolonne",
    deleted_undo: "Slettet «{title}» – trykk u for å angre",
    undone: "Angret",
    nothing_to_undo: "Ingenting å angre",
    created: "Opprettet «{title}»",
    updated: "Lagret endringer i «{title}»",
    no_changes: "Ingen endringer",
    confirm_discard: "Forkaste endringene?",
    confirm_delete: "Slette «{title}»?",
    yes_no: "j = ja · n = nei",
    draft_offer: "Et ulagret skjema ble tatt vare på forrige gang. Åpne det igjen?",
    draft_restored: "Utkastet er åpnet igjen",
    draft_discarded: "Utkastet er forkastet",
    title_required: "Tittel må fylles ut",
    bad_number: "{field}: «{value}» er ikke et heltall",
    bad_date: "{field}: «{value}» er ikke en dato (ÅÅÅÅ-MM-DD)",
    form_hint: "Tab neste felt · Ctrl-S lagre · Esc avbryt · F1 hjelp",
    similar_warning: "⚠ Ligner på noe som finnes:",
    similar_hint: "Ctrl-S opprett likevel · Ctrl-L lenk til valgt · Ctrl-N neste",
    linked: "Lenket til «{title}»: innspillet står i beskrivelsen",
    linked_note: "Også meldt inn{by}: {title}. {description}",
    linked_by: " av {submitter}",
    palette_hint: "Skriv for å søke · Enter kjør · Esc lukk",
    no_selection: "Ingen sak valgt",
    history: "Historikk",
    history_loading: "Henter historikken …",
    history_failed: "Historikken kunne ikke leses: {err}",
    stage: "Status",
    created_at: "Opprettet",
    updated_at: "Endret",
    ev_created: "opprettet i {stage}",
    ev_edited: "endret {fields}",
    ev_moved: "flyttet fra {from} til {to}",
    ev_deleted: "slettet",
    ev_restored: "gjenopprettet",
    kr: "kr",
    all_slots_busy: "Alle {n} plassene for styr-data i {dir} er i bruk av andre styr-vinduer; lukk ett av dem og prøv igjen.",
    store_failed: "Kunne ikke åpne styr-data i {dir}: {err}",
    store_newer: "Dataene i {dir} er skrevet av en nyere styr (skjema {found}); oppdater styr.",
    theme_broken: "Temafilen {file} har en feil på linje {line}: {err}. Bruker standardtema.",
    config_broken: "Innstillingsfilen {file} har en feil på linje {line}: {err}. Bruker standardinnstillinger.",
    interrupted_signal: "styr ble avsluttet ({signal}); skjemaet er lagret som utkast.",
    crashed: "styr møtte en intern feil og ble avsluttet; skjemaet er lagret som utkast. Feil: {err}",
    imported: "Importerte {n} saker fra {file}.",
    import_nothing: "Ingen nye saker i {file}: alle finnes fra før.",
    import_failed: "Importen fra {file} ble avbrutt, ingenting er importert: {err}",
    exported: "Eksporterte {n} saker til {file}.",
    portfolio_busy: "Porteføljen er åpen i styr i en annen terminal; lukk den og prøv igjen.",
    demo_reset: "Demoen er nullstilt.",
    server_db_failed: "Kunne ikke åpne serverdatabasen {file}: {err}",
    server_db_file_only: "{command} virker bare på en SQLite-databasefil; den tar ikke en PostgreSQL-adresse ennå",
    credentials_exposed: "Advarsel: {file} kan leses av andre (rettigheter {mode}), og nøkkelen din står i den. Rett det med: chmod 600 {file}",
    server_backup_done: "Sikkerhetskopi skrevet til {file}: {ops} endringer og {decisions} vedtak ({bytes} byte), og begge hashkjedene holder.",
    server_migrate_done: "Kopierte {copied} endringer til {url} ({ops} i alt), med {users} brukere og {ballots} stemmer i åpne avstemninger. Kopien er i orden: {decisions} vedtak, begge hashkjedene holder. Start serverne med: styr serve --db URL",
    server_migrate_failed: "Migreringen stoppet: {err}",
    server_backup_failed: "Sikkerhetskopien ble ikke tatt: {err}",
    server_listen_failed: "Kunne ikke lytte på {addr}: {err}",
    server_tls_failed: "TLS kunne ikke settes opp: {err}",
    server_first_admin: "Første oppstart: brukeren admin (rolle admin) er opprettet. Nøkkelen vises bare denne ene gangen; ta vare på den:\n  {token}\nLogg inn fra en terminal med:\n  styr login {url} {token}\nLegg til andre med: styr user add NAVN --role member --org ORG",
    server_failed: "Serveren stoppet med en feil: {err}",
    user_added: "La til {name} ({role}{org}). Nøkkelen vises bare denne ene gangen; gi personen denne linjen:\n  styr login {url} {token}",
    user_exists: "Det finnes allerede en bruker som heter {name}.",
    user_bad_name: "Navnet «{name}» kan ikke brukes: bruk 1 til 64 bokstaver, sifre, mellomrom eller . - _ @.",
    user_not_found: "Det finnes ingen bruker som heter {name}.",
    user_revoked: "{name} er sperret: nøkkelen virker ikke lenger.",
    user_list_empty: "Ingen brukere ennå.",
    user_columns: "navn|rolle|organisasjon|opprettet|status",
    user_active: "aktiv",
    user_revoked_on: "sperret {date}",
    not_a_terminal: "styr trenger en terminal; for skript, bruk styr import/export.",
    fields: field_name,
    actions: action_name,
};

fn field_name(f: FieldName) -> &'static str {
    match f {
        FieldName::Title => "Tittel",
        FieldName::Description => "Beskrivelse",
        FieldName::Submitter => "Innsender",
        FieldName::Anchoring => "Strategisk forankring",
        FieldName::Priority => "Prioritet",
        FieldName::ProjectLeader => "Prosjektleder",
        FieldName::ProjectGroup => "Prosjektgruppe",
        FieldName::Timeline => "Tidsplan",
        FieldName::TimelineStart => "Startdato",
        FieldName::TimelineEnd => "Sluttdato",
        FieldName::Funds => "Prosjektmidler (kr)",
        FieldName::FundingSource => "Finansiering",
        FieldName::BenefitSummary => "Gevinster",
        FieldName::SavedCosts => "Sparte utgifter",
        FieldName::SavedTime => "Spart tid",
        FieldName::IncreasedQuality => "Økt kvalitet",
        FieldName::IntroducesSystem => "Nytt system",
        FieldName::RetiresSystem => "Fases ut (system)",
        FieldName::Tags => "Stikkord",
    }
}

fn action_name(a: Action) -> &'static str {
    match a {
        Action::Left => "Forrige kolonne",
        Action::Right => "Neste kolonne",
        Action::Up => "Opp",
        Action::Down => "Ned",
        Action::Top => "Første sak i kolonnen",
        Action::Bottom => "Siste sak i kolonnen",
        Action::MoveNext => "Flytt saken til neste status",
        Action::MovePrev => "Flytt saken til forrige status",
        Action::Open => "Åpne saken",
        Action::New => "Nytt forslag",
        Action::Edit => "Rediger saken",
        Action::Delete => "Slett saken",
        Action::Undo => "Angre siste endring",
        Action::Filter => "Filtrer tavla",
        Action::Help => "Vis taster",
        Action::Palette => "Kommandopalett",
        Action::Quit => "Avslutt",
        Action::Back => "Tilbake",
        Action::NextField => "Neste felt",
        Action::PrevField => "Forrige felt",
        Action::Save => "Lagre",
        Action::Cancel => "Avbryt",
        Action::TakeOther => "Bruk den andre versjonen",
        Action::KeepShown => "Behold den viste versjonen",
        Action::Meetings => "Møte: saksliste og votering",
        Action::Decisions => "Vedtaksprotokoll",
        Action::SwitchFocus => "Bytt mellom saksliste og stemmeseddel",
        Action::OpenVote => "Åpne navngitt votering (ja/nei)",
        Action::OpenAnonymous => "Åpne anonym votering (ja/nei)",
        Action::OpenDots => "Åpne prikkstemming om tiltakene",
        Action::CloseRound => "Lukk voteringen, vis resultatet",
        Action::VoteYes => "Stem for",
        Action::VoteNo => "Stem mot",
        Action::VoteAbstain => "Avstå",
        Action::AddDot => "Legg en prikk på valget",
        Action::RemoveDot => "Ta bort en prikk",
        Action::SendBallot => "Send stemmen",
        Action::RecordDecision => "Registrer vedtak",
        Action::CaseUp => "Flytt saken opp på sakslista",
        Action::CaseDown => "Flytt saken ned på sakslista",
        Action::Postpone => "Utsett saken (eller ta den opp igjen)",
        Action::HandCount => "Håndtelt stemme: velg hvem den gjelder",
        Action::OpenRanked => "Åpne rangering (Borda) om tiltakene",
        Action::OpenApproval => "Åpne godkjenningsvotering om tiltakene",
        Action::OpenScoring => "Åpne poenggiving på kriteriene",
        Action::TwoThirds => "2/3 flertall i neste votering (av/på)",
        Action::Election => "Neste votering er et valg (av/på)",
        Action::BuildAgenda => "Hent saker fra Prioritert og Vurdering",
        Action::Score(_) => "Karakter 1–5 på kriteriet",
        Action::AddToAgenda => "Sett saken på neste saksliste",
        Action::Correct => "Rett vedtaket (ny, lenket oppføring)",
        Action::Triage => "Innspill: godta, parker, avvis",
        Action::Accept => "Godta (til Vurdering)",
        Action::Park => "Parker, med begrunnelse",
        Action::Reject => "Avvis, med begrunnelse",
        Action::Mark => "Merk / fjern merke",
        Action::MarkAll => "Merk alle i lista",
        Action::ClearMarks => "Fjern alle merker",
        Action::SortByScore => "Sorter: tavla, poeng, uenighet",
        Action::FilterByClass => "Vis bare én klasse (Må ha, Bør ha, …)",
        Action::LinkSimilar => "Lenk innspillet til saken det ligner på",
        Action::NextSimilar => "Velg neste sak det ligner på",
        Action::Newline => "Ny linje (i beskrivelsen)",
        Action::ScoreItem => "Gi poeng på kriteriene",
        Action::AdjustUp => "Juster summen opp",
        Action::AdjustDown => "Juster summen ned",
        Action::Withdraw => "Trekk tilbake poengene dine",
    }
}

static SYNC: SyncStrings = SyncStrings {
    online: "● tilkoblet",
    offline: "○ frakoblet",
    connecting: "… kobler til",
    syncing: "⟳ synkroniserer",
    logged_out: "✗ ikke innlogget",
    pending: "{n} venter",
    read_only: "kun lesing",
    read_only_refused: "Tavla er åpnet bare for lesing; ingenting kan endres.",
    refused: "Serveren avviste endringen: {err}",
    denied: "Rollen din ({role}) kan ikke gjøre dette; det krever {needs}.",
    local_failed: "Synkroniseringen stoppet, hurtiglageret svarte ikke: {err}",
    rewound: "Serveren er satt tilbake fra en sikkerhetskopi (til endring {head}): {requeued} av dine endringer sendes på nytt, {dropped} fra andre kommer når de kobler til igjen.",
    changed_concurrently: "endret samtidig av {by} (vist: {winner})",
    other_version: "Den andre versjonen ({by}):",
    took_other: "Valgte versjonen til {by}.",
    kept_shown: "Beholdt versjonen som vises.",
    no_conflict: "Ingen samtidige endringer å velge mellom.",
    conflict_hint: "v: bruk den andre versjonen · V: behold den viste",
    login_ok: "Logget inn på {server} som {user} ({role}{org}). Start styr for å åpne den felles porteføljen.",
    login_refused: "Serveren {server} godtok ikke nøkkelen: {err}",
    login_unreachable: "Fikk ikke kontakt med {server}: {err}",
    logout_ok: "Logget ut fra {server}. Hurtiglageret ligger igjen i {dir}.",
    logout_none: "Du er ikke logget inn på noen server.",
    not_logged_in: "Ikke logget inn: styr bruker din lokale portefølje. Logg inn med «styr login ADRESSE NØKKEL».",
    status_server: "Server:      {server} ({state})",
    status_user: "Bruker:      {user} ({role}{org})",
    status_reachable: "tilgjengelig, siste sekvensnummer {head}",
    status_unreachable: "ikke tilgjengelig: {err}",
    sent: "Sendt til {server}.",
    waiting: "Fikk ikke kontakt med {server} ({err}); endringene venter og sendes neste gang styr kobler til.",
    some_refused: "Serveren avviste {n} av endringene, og de er tatt bort igjen: {err}",
    status_token_refused: "Bruker:      serveren godtar ikke nøkkelen ({err}); logg inn på nytt med «styr login».",
    status_slot: "Plass {n}:     ventende endringer: {pending}, siste bekreftede sekvensnummer {seq}{busy}",
    status_busy: " (i bruk)",
    status_no_cache: "Ingen hurtiglager ennå for denne serveren.",
    role_name,
};

fn role_name(r: Role) -> &'static str {
    match r {
        Role::Viewer => "leser",
        Role::Member => "medlem",
        Role::Secretary => "sekretær",
        Role::Chair => "leder",
        Role::Admin => "administrator",
    }
}

static TRIAGE: TriageStrings = TriageStrings {
    title: "Innspill",
    hint: "a godta · p parker · r avvis · Space merk · / søk · S poeng · ? alle taster",
    marked: " {n} merket ",
    empty: "Ingen innspill her.",
    similar: "Ligner på:",
    reason_shown: "Begrunnelse: {reason}",
    prompt_one: "«{title}» → {stage}",
    prompt_many: "{n} saker → {stage}",
    reason_optional: "Begrunnelse (valgfri):",
    reason_required: "Begrunnelse (vises for innsenderen):",
    reason_missing: "Skriv en begrunnelse først.",
    prompt_hint: "Enter utfør · Esc avbryt",
    no_stage: "Tavla har ingen kolonne «{stage}».",
    nothing_selected: "Ingen sak valgt.",
    cancelled: "Avbrutt; ingenting er flyttet.",
    moved_one: "«{title}» → {stage} – u angrer",
    moved_many: "{n} saker → {stage} – u angrer",
    sorted_score: "etter poeng",
    sorted_spread: "etter uenighet",
    only: "bare {class}",
    unscored: "uten poeng",
    flag: "⚑",
};

static MEETING: MeetingStrings = MeetingStrings {
    correction: "[retting]",
    added_to_agenda: "Satt på sakslista: {title}",
    classes: ["Må ha", "Bør ha", "Kan ha", "Skal ikke ha"],
    spread: "spredning {n}",
    scores_hint: "↑↓ rad · 1–5 karakter · +/- juster · Enter send",
    adjustment_row: "Justering {n}",
    comment_row: "Kommentar: {text}",
    next_round: "Neste ja/nei-votering: {majority}",
    simple_majority: "simpelt flertall",
    two_thirds: "2/3 flertall",
    election: "valg (ingen dobbeltstemme)",
    election_short: "valg",
    agenda_complete: "Alle saker i Prioritert og Vurdering står alt på sakslista.",
    agenda_built: "{n} saker fra tavla satt på sakslista",
    ranked_hint: "↑↓ valg · + neste plass · - fjern · Enter send",
    total: "Sum {n}",
    hand_for: "Håndtelt for {name}",
    title: "Møte",
    decisions_title: "Vedtak",
    no_meetings: "Ingen møter ennå. Sekretæren lager et med «styr meeting new».",
    agenda: "Saksliste",
    no_cases: "Ingen saker på sakslista.",
    postponed: "utsatt",
    proposal: "Forslag til vedtak",
    items: "Gjelder",
    decided: "Vedtak",
    vote: "Votering",
    no_round: "Ingen votering. Leder: o = ja/nei (t = 2/3, e = valg), p = prikkstemming.",
    round_open: "Åpen",
    round_closed: "Lukket",
    anonymous: "anonym",
    named: "navngitt",
    count: "{n} av {of} har stemt",
    voted: "Har stemt: {names}",
    your_ballot: "Din stemme",
    dots_left: "{n} prikker igjen",
    yes: "For",
    no: "Mot",
    abstain: "Avstår",
    ballot_hint: "y/n/a velg · Enter send",
    dots_hint: "↑↓ valg · +/- prikk · Enter send",
    ballot_sent: "✓ Stemmen er levert",
    ballot_changed: "endret, ikke sendt",
    ballot_failed: "Stemmen ble ikke levert: {err}",
    ballot_incomplete: "Velg før du sender.",
    no_ballot: "Du har ingen stemme i en åpen votering her.",
    needs_server: "Votering krever en delt portefølje (styr login).",
    no_open_round: "Ingen åpen votering på saken.",
    round_already_open: "Det er allerede en åpen votering på saken.",
    needs_options: "Prikkstemming trenger minst to tiltak knyttet til saken.",
    result: "Resultat",
    adopted: "Vedtatt",
    not_adopted: "Ikke vedtatt",
    winner: "Flest stemmer: {option}",
    tie: "Stemmelikhet",
    no_quorum: "Ikke beslutningsdyktig",
    no_ballots: "Ingen stemmer",
    casting_vote: "avgjort med leders dobbeltstemme",
    hand_counted: "{n} håndtelt",
    decision_form: "Registrer vedtak",
    field_text: "Vedtak",
    field_dissent: "Dissens (navn)",
    field_exempt: "Unntatt offentlighet (hjemmel)",
    field_closed: "Lukket møte (hjemmel)",
    field_disqualified: "Inhabil (navn: hjemmel; …)",
    bad_disqualified: "«{value}» mangler hjemmel; skriv navn: hjemmel, f.eks. «medlem-b: fvl. § 6 første ledd bokstav a».",
    form_hint: "Tab neste felt · Ctrl-S lagre · Esc avbryt",
    decision_winner: "Bestillerutvalget prioriterer «{option}».",
    decision_needs_text: "Vedtaket trenger en tekst.",
    decision_saved: "✓ Vedtaket er registrert",
    unanimous: "enstemmig vedtatt",
    votes_for_against: "vedtatt med {for} mot {against} stemmer",
    no_decisions: "Ingen vedtak ennå.",
    exempt: "Unntatt offentlighet, {basis}",
    minutes_draft: "utkast",
    minutes_approved: "godkjent",
    minutes_frozen: "låst",
};

fn criterion_name(key: &str) -> &str {
    match key {
        "strategic_value" => "Strategisk verdi",
        "qualitative_benefit" => "Kvalitativ gevinst",
        "economic_benefit" => "Økonomisk gevinst",
        "operational_need_or_legal_duty" => "Driftsbehov eller lovkrav",
        "risk" => "Risiko",
        "user_value" => "Verdi for brukerne",
        "efficiency" => "Effektiviseringspotensial",
        "benefits" => "Gevinster",
        other => other,
    }
}

/// What each mark means, as a municipal IT adviser would explain it to the committee.
/// Every criterion is marked so that 5 argues most for the item (for risk: the risk of
/// *not* doing it).
fn criterion_guidance(key: &str, mark: u8) -> &'static str {
    let levels: [&'static str; 5] = match key {
        "strategic_value" => [
            "Ingen kobling til vedtatte strategier",
            "Svak kobling; støtter strategien bare indirekte",
            "Støtter et delmål i strategien",
            "Bidrar tydelig til flere mål i strategien",
            "Sentralt for et hovedmål i strategien",
        ],
        "qualitative_benefit" => [
            "Ingen merkbar forbedring for innbyggere eller ansatte",
            "Små forbedringer for en avgrenset gruppe",
            "Merkbart bedre tjeneste eller arbeidshverdag for mange",
            "Klart bedre kvalitet, trygghet eller tilgjengelighet",
            "Vesentlig bedre tjenester for innbyggerne i alle kommunene",
        ],
        "economic_benefit" => [
            "Ingen innsparing; driftskostnadene øker",
            "Liten innsparing, usikker eller langt fram i tid",
            "Innsparingen dekker kostnadene over levetiden",
            "Tydelig innsparing i tid eller penger innen tre år",
            "Stor, målbar innsparing som kan tas ut i budsjettet",
        ],
        "operational_need_or_legal_duty" => [
            "Ikke nødvendig for driften",
            "Ønskelig, men driften går fint uten",
            "Løser et kjent driftsproblem eller en svakhet",
            "Nødvendig for stabil drift, f.eks. system uten støtte fra leverandør",
            "Pålagt i lov eller forskrift, eller driften stopper uten",
        ],
        "risk" => [
            "Liten risiko ved å la være",
            "Noe risiko ved å la være, lett å håndtere",
            "Merkbar risiko for tjenesten eller informasjonssikkerheten ved å la være",
            "Høy risiko for avvik, brudd eller tap av data ved å la være",
            "Kritisk risiko for liv, helse eller personvern ved å la være",
        ],
        "user_value" => [
            "Brukerne merker ingen forskjell",
            "Litt enklere for en liten gruppe brukere",
            "Enklere og raskere for mange brukere",
            "Klart bedre tjeneste for de fleste brukerne",
            "Løser et viktig behov brukerne selv har meldt inn",
        ],
        "efficiency" => [
            "Sparer verken tid eller arbeid",
            "Sparer litt tid i enkelte oppgaver",
            "Fjerner manuelle trinn i en hel arbeidsprosess",
            "Frigjør merkbar tid i flere enheter",
            "Endrer arbeidsprosessen grunnleggende, i alle kommunene",
        ],
        "benefits" => [
            "Ingen gevinster beskrevet",
            "Gevinster nevnt, men ikke målbare",
            "Gevinster beskrevet med målepunkter",
            "Målbare gevinster i sparte utgifter, spart tid eller økt kvalitet, med eier",
            "Målbare gevinster med plan for gevinstrealisering og en ansvarlig",
        ],
        _ => return "",
    };
    usize::from(mark)
        .checked_sub(1)
        .and_then(|i| levels.get(i))
        .copied()
        .unwrap_or("")
}

fn set_name(key: &str) -> &str {
    match key {
        "prosjektportalen" => "Prosjektportalen",
        "nordland" => "Nordland",
        other => other,
    }
}

fn score_refusal(e: &ScoreError) -> String {
    match e {
        ScoreError::UnknownSet(set) => format!(
            "«{set}» er ikke et kriteriesett styr kjenner (settene er prosjektportalen og nordland)"
        ),
        ScoreError::CriteriaCount { expected, got } => {
            format!("{got} karakterer for {expected} kriterier")
        }
        ScoreError::MarkOutOfRange { criterion, mark } => format!(
            "kriterium {}: karakteren {mark} er utenfor 1–5",
            criterion + 1
        ),
        ScoreError::AdjustmentOutOfRange(a) => format!("justeringen {a} er utenfor ±5"),
        ScoreError::AdjustmentWithoutComment => {
            "en justering må begrunnes i kommentarfeltet".to_string()
        }
    }
}

static SCORING: ScoringStrings = ScoringStrings {
    title: "Gi poeng: {title}",
    set_name,
    set_line: "Kriteriesett: {set}",
    adjustment: "Justering",
    comment: "Kommentar",
    comment_needed: "(begrunn justeringen)",
    total: "Sum: {total} av {max}",
    no_mark: "–",
    guidance: "Veiledning",
    hint: "↑/↓ kriterium · 1–5 karakter · +/- justering · Tab kommentar · Ctrl-S lagre · x trekk tilbake · Esc tilbake",
    hint_comment: "Skriv kommentaren · Tab tilbake til kriteriene · Ctrl-S lagre · Esc tilbake",
    saved: "Poengene dine for «{title}» er lagret",
    withdrawn: "Poengene dine for «{title}» er trukket tilbake",
    nothing_to_withdraw: "Du har ikke gitt poeng på denne saken",
    incomplete: "Gi karakter på alle kriteriene først ({n} mangler)",
    heading: "Poeng",
    summary: "Snitt {mean} · {class} · spredning {spread} · {n} har gitt poeng",
    scorer_total: "{scorer}: {total}",
    none_yet: "Ingen har gitt poeng ennå (S for å gi poeng)",
    other_set: "{n} har gitt poeng med kriteriesettet {set}",
    ev_scored: "ga {total} poeng ({set})",
    ev_withdrawn: "trakk tilbake poengene sine",
    lacks_retired_system: "⚠ Innfører et nytt system uten å si hvilket som fases ut (ett system inn, ett ut)",
    refusal: score_refusal,
};

static MINUTES: MinutesStrings = MinutesStrings {
    attendance_set: "Møte {meeting}: {n} på lista over deltakere.",
    approve_previous_title: "Godkjenning av møtebok fra møtet {date}",
    approve_previous_proposal: "Møteboka fra møtet {date} godkjennes.",
    heading: "Møtebok – {body}",
    meeting_number: "Møte nr. {number}",
    time: "Tid",
    place: "Sted",
    status: "Protokollen",
    status_name: minutes_status_name,
    present: "Til stede",
    absent: "Forfall",
    substitutes: "Vara",
    substitute_for: "{name} ({org}) for {replaces}",
    nobody: "ingen",
    cases: "Saker",
    no_cases: "Ingen saker på sakslisten.",
    case: "Sak {number}",
    case_unnumbered: "Sak uten nummer",
    postponed: "utsatt",
    archive_ref: "Arkivsak",
    exempt: "Unntatt offentlighet, {basis}",
    closed_session: "Behandlet i lukket møte, {basis}",
    disqualified: "Inhabil",
    disqualified_entry: "{name} ({basis}), fratrådte under behandlingen",
    proposal: "Forslag til vedtak",
    concerns: "Gjelder",
    vote: "Votering",
    decision: "Vedtak",
    dissent: "Dissens",
    moved_to: "Flyttet til «{stage}»",
    decision_no: "vedtak nr. {n}",
    decision_id: "vedtak {id}",
    corrects: "Rettelse av {id}",
    corrected_by: "Rettet ved {id}",
    recorded_by: "Protokollført av {by}",
    method_yes_no: "For eller mot",
    majority_simple: "alminnelig flertall",
    majority_two_thirds: "to tredjedels flertall",
    method_dots: "Prikkvotering, {n} prikker hver",
    method_borda: "Rangering (Borda)",
    method_scoring: "Poengsetting etter kriterier",
    method_approval: "Godkjenningsvotering",
    per_organisation: "én stemme per kommune",
    secret_ballot: "skriftlig og hemmelig",
    unanimous: "Enstemmig vedtatt",
    adopted: "Vedtatt med {yes} mot {no} stemmer",
    not_adopted: "Forslaget falt med {yes} mot {no} stemmer",
    fell_on_tie: "Forslaget falt ved stemmelikhet, {yes} mot {no} stemmer",
    abstained: "{n} avsto",
    winner: "Flest poeng: {option}",
    tie: "Stemmelikhet mellom {options}",
    classed: "Høyest snitt: {option}, {mean} ({class})",
    no_quorum: "Ikke vedtaksført: {n} av {size} medlemmer avga stemme (koml. § 11-9)",
    quorum_met: "Utvalget var beslutningsdyktig: {n} av {size} medlemmer avga stemme",
    no_ballots: "Ingen stemmer ble avgitt",
    overflow: "Stemmene kunne ikke telles",
    casting_vote: "Møteleders dobbeltstemme avgjorde (koml. § 11-9)",
    hand_counted: "{n} av {total} stemmer ble talt opp for hånd",
    hand_mark: "håndtelt",
    rejected: "{n} ugyldige stemmer ble ikke talt med",
    how_each_voted: "Slik stemte medlemmene",
    totals: "Resultat",
    points_line: "{option}: {points}",
    score_line: "{option}: snitt {mean} ({class}), spredning {spread} ({min}–{max})",
    option_n: "alternativ {n}",
    yes: "for",
    no: "mot",
    abstain: "avsto",
    class_name: priority_class_name,
    decimal_separator: ",",
    no_meetings: "Det finnes ingen møter ennå; lag et med «styr meeting new».",
    meeting_not_found: "Fant ikke noe møte «{query}». Oppgi møtets id, de første 8 tegnene av den, en dato (ÅÅÅÅ-MM-DD) eller «latest»; «styr meeting list» viser møtene.",
    meeting_ambiguous: "«{query}» passer til flere møter: {list}. Oppgi flere tegn av id-en.",
    item_not_found: "Fant ingen sak i porteføljen med id «{query}».",
    item_ambiguous: "«{query}» passer til flere saker i porteføljen: {list}.",
    using_cache: "Fikk ikke kontakt med {server} ({err}); bruker hurtiglageret, som kan mangle de siste endringene.",
    bad_time: "«{value}» er ikke et tidspunkt; skriv ÅÅÅÅ-MM-DD TT:MM, f.eks. 2026-11-26 10:00.",
    bad_person: "«{value}» er ikke en deltaker; skriv navn:organisasjon, f.eks. medlem-a:Åfjord.",
    bad_substitute: "«{value}» er ikke en vara; skriv navn:organisasjon:for-navn, f.eks. vara-d:Osen:for-medlem-d.",
    agenda_from_board: "{n} saker fra Prioritert og Vurdering satt på sakslista",
    bad_disqualified: "«{value}» er ikke en inhabil med hjemmel; skriv navn:hjemmel, f.eks. «medlem-b:fvl. § 6 første ledd bokstav a».",
    refused: "Kan ikke: {err}",
    refusal: refusal_text,
    meeting_created: "Opprettet møte {id}: {body}, {at}.",
    case_added: "La til sak {number} «{title}» ({id}).",
    status_set: "Protokollen for møtet {meeting} er nå {status}.",
    list_columns: "id|tid|organ|sted|saker|protokoll",
    minutes_written: "Skrev møteboken ({n} saker) til {file}.",
    verify_db_ok: "{file} er i orden: {ops} endringer og {decisions} vedtak, kjedene er ubrutte.",
    verify_cache_ok: "Vedtaksloggen i {dir} er i orden: {n} vedtak, kjeden er ubrutt.",
    verify_broken: "Kontrollen fant et brudd: {err}",
    chain_break: chain_break_text,
};

fn minutes_status_name(s: MinutesStatus) -> &'static str {
    match s {
        MinutesStatus::Draft => "utkast",
        MinutesStatus::Approved => "godkjent",
        MinutesStatus::Frozen => "godkjent og låst",
    }
}

fn priority_class_name(c: PriorityClass) -> &'static str {
    match c {
        PriorityClass::MustHave => "må ha",
        PriorityClass::ShouldHave => "bør ha",
        PriorityClass::CouldHave => "kan ha",
        PriorityClass::WillNotHave => "skal ikke ha",
    }
}

fn refusal_text(r: &Refusal) -> String {
    match r {
        Refusal::NoMeeting => "møtet finnes ikke".into(),
        Refusal::NoCase => "saken finnes ikke".into(),
        Refusal::NoRound => "voteringen finnes ikke".into(),
        Refusal::NoDecision => "vedtaket som rettes, finnes ikke i loggen".into(),
        Refusal::Exists => "den finnes allerede".into(),
        Refusal::Locked => {
            "protokollen for møtet er godkjent; bare en rettelse kan legges til".into()
        }
        Refusal::RoundOpen => "det er allerede en åpen votering i saken".into(),
        Refusal::RoundClosed => "voteringen er avsluttet".into(),
        Refusal::Backwards => "protokollen kan bare gå framover (utkast, godkjent, låst)".into(),
        Refusal::BadRules(why) => format!("reglene for voteringen holder ikke: {why}"),
        Refusal::NoTitle => "en tittel må fylles ut".into(),
        Refusal::VotingOpen => {
            "saken er til votering: forslaget, sakene og alternativene er låst til voteringen er avsluttet".into()
        }
        Refusal::CastingVoteInElection => "ved valg har møtelederen ikke dobbeltstemme".into(),
        Refusal::BodyTooSmall { body_size, members } => format!(
            "voteringen regner med {body_size} medlemmer for beslutningsdyktighet, men møtet har {members} medlemmer på listen"
        ),
        Refusal::NotEligible => {
            "bare medlemmer som er til stede (eller en vara for et medlem med forfall) kan stemme i denne voteringen".into()
        }
    }
}

fn chain_break_text(b: &ChainBreak) -> String {
    match b {
        ChainBreak::Unlinked { position, id } => {
            format!("vedtak nr. {position} ({id}) har ikke plass i kjeden")
        }
        ChainBreak::Misplaced {
            position,
            id,
            index,
        } => format!("vedtak nr. {position} ({id}) står feil: det sier det er nr. {index}"),
        ChainBreak::WrongPrev { position, id } => {
            format!("vedtak nr. {position} ({id}) følger ikke vedtaket før")
        }
        ChainBreak::Altered { position, id } => {
            format!("vedtak nr. {position} ({id}) er endret etter at det ble protokollført")
        }
    }
}

static IO: IoStrings = IoStrings {
    read_windows_1252: "{file} er ikke UTF-8 og ble lest som Windows-1252 (slik Excel lagrer «CSV» i Norge). Sjekk at æ, ø og å ser riktige ut.",
    read_utf16: "{file} ble lest som UTF-16 (Excels «Unicode-tekst»).",
    read_sheet: "Leste arket «{sheet}» i {file}.",
    bad_rows: "Importen fra {file} ble avbrutt, ingenting er importert. {n} rader er feil:",
    bad_line: "  {file}, linje {line}: {err}",
    bad_sheet_row: "  {file}, rad {line}: {err}",
    dry_run: "Prøvekjøring: ingenting er lagret. Dette ville blitt importert fra {file}:",
    dry_run_item: "  {row} {line}: «{title}»{flag}",
    dry_run_flag: " (merkes «{tag}»)",
    dry_run_total: "{n} nye saker ville blitt opprettet.",
    dry_run_bad: "Prøvekjøring: {file} kan ikke importeres slik den er. {n} rader er feil:",
    row_word: "linje",
    sheet_row_word: "rad",
    known: "{n} rader har en id som finnes fra før, og ble hoppet over.",
    exact_heading: "Ikke importert, finnes allerede ({n}):",
    likely_heading: "Importert, men merket «{tag}» fordi de ligner på noe som finnes ({n}):",
    dry_exact_heading: "Ville ikke blitt importert, finnes allerede ({n}):",
    dry_likely_heading: "Ville blitt importert og merket «{tag}» ({n}):",
    duplicate: "  {row} {line}: «{title}» – Ligner på: «{like}»{where}",
    like_earlier_row: " ({row} {line} i samme fil)",
    map_unknown_field: "--map: «{field}» er ikke et felt i styr. Gyldige felt: {valid}",
    map_syntax: "--map: «{part}» skal skrives «Kolonne i fila=felt», for eksempel «Navn på tiltak=title».",
    progress_reading: "Leser {file}",
    progress_checking: "Ser etter duplikater",
    unknown_stage: "Tavlen har ingen status «{stage}». Den har: {stages}",
    row_line: "linje {line}: {err}",
    cannot_read: "kan ikke lese «{file}»: {err}",
    row_reason,
    format_reason,
};

fn quoted(names: &[impl AsRef<str>]) -> String {
    names
        .iter()
        .map(|n| format!("«{}»", n.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn row_reason(r: &RowReason) -> String {
    match r {
        RowReason::EmptyTitle { column } => {
            format!("«{column}» er tom; hver sak må ha en tittel")
        }
        RowReason::NotWholeNumber { column, value } => {
            format!("«{column}» er ikke et heltall: «{value}»")
        }
        RowReason::NotKroner { column, value } => {
            format!("«{column}» er ikke et helt kronebeløp: «{value}»")
        }
        RowReason::NotDate { column, value } => {
            format!("«{column}» er ikke en dato (ÅÅÅÅ-MM-DD eller DD.MM.ÅÅÅÅ): «{value}»")
        }
        RowReason::NotId { column, value } => {
            format!("«{column}» er ikke en id fra styr (en UUID): «{value}»")
        }
        RowReason::UnknownStage {
            column,
            value,
            stages,
        } => format!(
            "«{column}» er ingen status på denne tavlen (den har {}): «{value}»",
            stages.join(", ")
        ),
        RowReason::UnreadableColumn { column, field } => {
            format!("styr kan ikke lese kolonnen «{column}» ({field})")
        }
        RowReason::EndBeforeStart {
            end_column,
            end,
            start_column,
            start,
        } => format!("«{end_column}» ({end}) er før «{start_column}» ({start})"),
        RowReason::CellCount { cells, columns } => format!(
            "har {cells} {}, men overskriften har {columns} {}",
            if *cells == 1 { "celle" } else { "celler" },
            if *columns == 1 { "kolonne" } else { "kolonner" },
        ),
        RowReason::IdTwice { id, first_line } => {
            format!("id-en {id} er brukt to ganger (også på linje {first_line})")
        }
        RowReason::UnnamedColumnValue { column } => {
            format!("har en verdi i kolonne {column}, som ikke har noe navn i overskriften")
        }
        RowReason::Csv { detail } => format!("kan ikke leses som CSV ({detail})"),
        RowReason::Json { column, detail } => {
            format!("ikke gyldig JSON i kolonne {column} ({detail})")
        }
    }
}

fn file_format(f: FileFormat) -> &'static str {
    match f {
        FileFormat::ActionPlan => "handlingsplan-formatet",
        FileFormat::Proposals => "innspillsformatet",
        FileFormat::Styr => "eksportformatet til styr",
    }
}

fn format_reason(r: &FormatReason) -> String {
    match r {
        FormatReason::EmptyFile => {
            "fila er tom; første linje skal være en overskrift som navngir kolonnene".into()
        }
        FormatReason::Csv { detail } => format!("fila kan ikke leses som CSV ({detail})"),
        FormatReason::Workbook { detail } => {
            format!("fila kan ikke leses som et regneark ({detail})")
        }
        FormatReason::NoSuchSheet { sheet, sheets } => format!(
            "regnearket har ikke noe ark «{sheet}» (arkene er: {})",
            sheets.join(", ")
        ),
        FormatReason::NoSheets => "regnearket har ingen ark".into(),
        FormatReason::SheetUnreadable {
            sheet,
            detail: Some(detail),
        } => format!("arket «{sheet}» kan ikke leses ({detail})"),
        FormatReason::SheetUnreadable {
            sheet,
            detail: None,
        } => format!("arket «{sheet}» kan ikke leses"),
        FormatReason::EmptySheet { sheet } => format!(
            "arket «{sheet}» er tomt; første rad skal være en overskrift som navngir kolonnene"
        ),
        FormatReason::UnnamedColumn { index } => {
            format!("kolonne {index} i overskriften har ikke noe navn; alle kolonner må ha det")
        }
        FormatReason::ColumnTwice { column } => {
            format!("kolonnen «{column}» står to ganger i overskriften")
        }
        FormatReason::MapMissing { missing, header } => format!(
            "--map nevner {} som overskriften ikke har (den har: {})",
            quoted(missing),
            quoted(header)
        ),
        FormatReason::ExtraColumns { columns, format } => {
            let one = columns.len() == 1;
            format!(
                "{} {} er ikke med i {} (kolonnene er: {}); gi {it} nytt navn, fjern {it}, eller knytt {it} til et felt med --map \"kolonne=felt\", så ingen data går tapt",
                if one { "kolonnen" } else { "kolonnene" },
                quoted(columns),
                file_format(*format),
                format.columns().join(", "),
                it = if one { "den" } else { "dem" },
            )
        }
        FormatReason::SameField {
            first,
            second,
            field,
        } => format!("kolonnene «{first}» og «{second}» gir begge feltet «{field}»; behold én"),
        FormatReason::UnknownHeader { found } => format!(
            "overskriften passer ikke med noe format styr kan importere (fant: {}). Forventet kolonnene i en handlingsplan ({}), i et innspillsark ({}) eller i eksporten fra styr ({})",
            quoted(found),
            FileFormat::ActionPlan.columns().join(", "),
            FileFormat::Proposals.columns().join(", "),
            FileFormat::Styr.columns().join(", "),
        ),
        FormatReason::UnknownExtension { file } => format!(
            "«{file}» slutter ikke på .csv, .xlsx eller .json, så styr vet ikke hvordan den skal leses"
        ),
        FormatReason::MapOnJson => {
            "--map gjelder CSV-filer og regneark; en JSON-eksport navngir feltene selv".into()
        }
        FormatReason::JsonNotUtf8 => {
            "JSON-fila er ikke UTF-8-tekst; det er JSON-eksporten fra styr alltid".into()
        }
        FormatReason::NulBytes => "fila er ikke tekst styr kan lese (den har NUL-byte): er det et regneark eller en annen binærfil lagret med navn på .csv? Lagre den som CSV (UTF-8) og prøv igjen".into(),
        FormatReason::JsonNotArray => {
            "forventet en JSON-liste med saker, slik JSON-eksporten fra styr skriver".into()
        }
        FormatReason::JsonItem { n, reason } => format!("sak {n}: {}", json_reason(reason)),
    }
}

fn json_reason(r: &JsonReason) -> String {
    match r {
        JsonReason::NotObject => "er ikke et JSON-objekt".into(),
        JsonReason::UnknownKeys { keys } => format!(
            "har nøkler styr ikke kjenner ({}); er den skrevet av en nyere styr?",
            keys.join(", ")
        ),
        JsonReason::Invalid { detail } => format!("passer ikke med styr ({detail})"),
        JsonReason::IdTwice { id, first } => {
            format!("id-en {id} er brukt to ganger (også av sak {first})")
        }
        JsonReason::EmptyTitle { id } => {
            format!("tittelen til {id} er tom; hver sak må ha en tittel")
        }
        JsonReason::UnknownStage {
            title,
            stage,
            stages,
        } => format!(
            "«{title}» har statusen «{stage}», som ikke finnes på denne tavlen (den har {})",
            stages.join(", ")
        ),
    }
}
