//! The command line: `styr` opens your portfolio; subcommands do the rest.

use crate::model::meeting::CaseNumberFormat;
use crate::model::Role;
use crate::protocol::DEFAULT_PORT;
use clap::{Parser, Subcommand, ValueEnum};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "styr",
    version,
    about = "IT-styring for kommuner og IKT-samarbeid: porteføljetavle i terminalen.\n\
             IT governance for municipalities: a portfolio board in the terminal."
)]
pub struct Cli {
    /// Where styr keeps its data (default: $XDG_DATA_HOME/styr, usually ~/.local/share/styr).
    #[arg(long, global = true, value_name = "DIR", env = "STYR_DATA_DIR")]
    pub data_dir: Option<PathBuf>,

    /// Language of the interface: nb (bokmål, default) or en. Without it, an English LANG gives English.
    #[arg(long, global = true, value_name = "LANG")]
    pub lang: Option<String>,

    /// Theme: dark (default), light, high-contrast, or a file in the config directory's themes/.
    #[arg(long, global = true, value_name = "NAME")]
    pub theme: Option<String>,

    /// Open the board read-only: look, search and export, change nothing.
    #[arg(long, global = true)]
    pub read_only: bool,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Open a demo board of real sample data (Fosen's action plan and two dozen proposals).
    /// It has its own data directory and never touches your portfolio.
    Demo {
        /// Start the demo afresh from the sample data.
        #[arg(long)]
        reset: bool,
    },
    /// Import items from a CSV file (Fosen's action plan, a proposal list, or styr's own
    /// export; comma or semicolon, UTF-8 or Windows-1252), a workbook (.xlsx) or styr's
    /// JSON export. Every malformed row is reported, and then nothing is imported. Rows
    /// like an existing item are listed: the same title is left out, a similar one is
    /// imported tagged "mulig-duplikat".
    Import {
        /// The file to read (.csv, .xlsx or .json).
        file: PathBuf,
        /// Show what would be imported, the duplicates and the errors; save nothing.
        #[arg(long)]
        dry_run: bool,
        /// Read other columns as styr fields: "Column in the file=title,Other=description".
        /// May be given more than once.
        #[arg(long, value_name = "COLUMN=FIELD")]
        map: Vec<String>,
        /// The sheet of a workbook to read (default: the first).
        #[arg(long, value_name = "NAME")]
        sheet: Option<String>,
    },
    /// Log in to a styr server with the token you were given; from then on `styr` opens
    /// the shared portfolio and keeps it in sync.
    Login {
        /// The server's address, e.g. https://styr.example.no
        url: String,
        /// The token (styr_…). Without it, styr reads it from standard input, so that it
        /// stays out of the shell's history.
        token: Option<String>,
        /// Accept plain http:// to another machine (only on a network you trust: the
        /// token travels unencrypted).
        #[arg(long)]
        allow_http: bool,
        /// Trust this certificate authority (a PEM file) too: the cooperation's own CA or
        /// the server's self-signed certificate.
        #[arg(long, value_name = "FILE")]
        ca_file: Option<PathBuf>,
    },
    /// Forget the login; `styr` opens your local portfolio again.
    Logout,
    /// Show the server, your user and role, and what is waiting to be sent.
    Status,
    /// Export the portfolio as CSV, CSV for Excel, or JSON.
    Export {
        /// csv (comma-separated UTF-8, reads back with styr import), excel (semicolons and
        /// a byte order mark, as Excel in Norway opens it, formulas guarded) or json
        /// (every item with its history).
        #[arg(long, value_enum, default_value_t = Format::Csv)]
        format: Format,
        /// Only items whose title, description or submitter contains this text (case aside).
        #[arg(long, value_name = "TEXT")]
        filter: Option<String>,
        /// Only items in this stage (its key or name, e.g. vurdering).
        #[arg(long, value_name = "KEY")]
        stage: Option<String>,
        /// Write to this file instead of standard output.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Run the shared server that terminals sync with (HTTP, or HTTPS with --tls-cert and
    /// --tls-key). The first start creates the user admin and prints its token once.
    /// Logs go to standard error; RUST_LOG (e.g. debug) sets how much.
    Serve {
        #[command(subcommand)]
        command: Option<ServeCommand>,
        /// Address and port to listen on (0.0.0.0:8470 for every interface).
        #[arg(long, value_name = "ADDR", default_value_t = SocketAddr::from(([127, 0, 0, 1], DEFAULT_PORT)))]
        listen: SocketAddr,
        /// The server's database: a SQLite file (default: <data dir>/server/styr.db), or
        /// a PostgreSQL URL (postgres://user:password@host/db; sslmode=require in the
        /// URL insists on TLS).
        #[arg(long, value_name = "FILE|URL", env = "STYR_SERVER_DB")]
        db: Option<PathBuf>,
        /// TLS certificate chain (PEM); with --tls-key the server speaks HTTPS.
        #[arg(long, value_name = "PEM", requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// TLS private key (PEM).
        #[arg(long, value_name = "PEM", requires = "tls_cert")]
        tls_key: Option<PathBuf>,
    },
    /// Manage the server's users: run on the server host, also while the server runs.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Write a meeting's minutes [møtebok]: attendance, the cases in agenda order, votes
    /// and decisions. Pulls from the server first when logged in.
    Minutes {
        /// The meeting: its id, its first 8 hex digits, a date (YYYY-MM-DD) or `latest`.
        meeting: String,
        /// The copy for the public: exempt cases show only their legal reference.
        #[arg(long)]
        public: bool,
        #[arg(long, value_enum, default_value_t = MinutesFormat::Md)]
        format: MinutesFormat,
        /// Write to this file instead of standard output.
        #[arg(long, short, value_name = "FILE")]
        out: Option<PathBuf>,
        /// How case numbers are written: NN/YY (08/12) or YYYY/NNN (2012/008) (default:
        /// the body's format in the settings, NN/YY unless configured otherwise).
        #[arg(long, value_name = "FORMAT", value_parser = parse_case_format)]
        case_format: Option<CaseNumberFormat>,
    },
    /// Check the decision log's hash chain: of a server database with --db (the op log's
    /// chain too), otherwise of this terminal's cache. Exits non-zero at a break.
    Verify {
        /// The server's database: a SQLite file or a PostgreSQL URL.
        #[arg(long, value_name = "FILE|URL")]
        db: Option<PathBuf>,
    },
    /// Prepare meetings from the command line or a script: create one, add cases, list
    /// them, approve and freeze the minutes.
    Meeting {
        #[command(subcommand)]
        command: MeetingCommand,
    },
}

#[derive(Subcommand, Debug)]
pub enum MeetingCommand {
    /// Create a meeting and print its short id.
    New {
        /// The body that meets (default: the body in the settings, Bestillerutvalget
        /// unless configured otherwise).
        #[arg(long)]
        body: Option<String>,
        /// When: "YYYY-MM-DD HH:MM".
        #[arg(long, value_name = "TIME")]
        at: String,
        /// A room, or a video link.
        #[arg(long, default_value = "")]
        place: String,
        /// The meeting's number in the body's year, e.g. 4/2026.
        #[arg(long, default_value = "")]
        number: String,
        /// Build the agenda from the board: each item in Prioritert, then in Vurdering,
        /// as a case of its own.
        #[arg(long)]
        agenda_from_board: bool,
        #[command(flatten)]
        people: Attendance,
    },
    /// Put a case on a meeting's agenda (the server, or this cache, numbers it).
    Case {
        /// The meeting: its id, its first 8 hex digits, a date (YYYY-MM-DD) or `latest`.
        meeting: String,
        #[arg(long)]
        title: String,
        /// The proposed decision [forslag til vedtak].
        #[arg(long, default_value = "")]
        proposal: String,
        /// Portfolio items the case is about (ids or their first hex digits).
        #[arg(long, value_name = "ID", num_args = 1..)]
        item: Vec<String>,
        /// Exempt from public access, with the legal basis, e.g. "offl. § 13".
        #[arg(long, value_name = "BASIS")]
        exempt: Option<String>,
        /// Handled in a closed session, with the legal basis, e.g. "koml. § 11-5".
        #[arg(long, value_name = "BASIS")]
        closed: Option<String>,
        /// A member disqualified [inhabil] who left the case, with the legal basis:
        /// "NAME:BASIS", e.g. "medlem-b:fvl. § 6 første ledd bokstav a". Repeatable.
        #[arg(long, value_name = "NAME:BASIS")]
        disqualified: Vec<String>,
        /// The archive's case number (saksår/sekvensnummer), e.g. 2012/3869.
        #[arg(long, value_name = "REF", default_value = "")]
        archive_ref: String,
    },
    /// Set who is there (replaces the list): a late arrival, a substitute stepping in.
    Attend {
        /// The meeting: its id, the end of its hex digits, a date (YYYY-MM-DD) or `latest`.
        meeting: String,
        #[command(flatten)]
        people: Attendance,
    },
    /// List the meetings, oldest first.
    List,
    /// Approve the minutes (draft → approved): from then on only corrections.
    Approve { meeting: String },
    /// Freeze the approved minutes.
    Freeze { meeting: String },
}

fn parse_case_format(s: &str) -> Result<CaseNumberFormat, String> {
    s.parse()
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum MinutesFormat {
    Md,
    Json,
}

#[derive(Subcommand, Debug)]
pub enum ServeCommand {
    /// Take a consistent backup of the server's database into FILE, also while the
    /// server runs and clients write. FILE must not exist; the copy is verified before
    /// it gets its name.
    Backup {
        file: PathBuf,
        /// The server's database file (default: <data dir>/server/styr.db).
        #[arg(long, value_name = "FILE", env = "STYR_SERVER_DB")]
        db: Option<PathBuf>,
    },
    /// Copy the server's whole history from its SQLite file into an empty PostgreSQL
    /// database (ops with their seqs and hash chain, users, ballots of open rounds), and
    /// verify the copy. Also while the old server runs: run it again after stopping it
    /// to copy what came in meanwhile.
    Migrate {
        /// The SQLite file: sqlite://FILE (or just FILE).
        #[arg(long, value_name = "sqlite://FILE")]
        from: String,
        /// The PostgreSQL database: postgres://user:password@host/db.
        #[arg(long, value_name = "URL")]
        to: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Add a user and print their token (shown only this once) and the line to log in with.
    Add {
        /// The user's name, shown as the author of their changes.
        name: String,
        /// viewer, member, secretary, chair or admin.
        #[arg(long, value_parser = parse_role, default_value = "member")]
        role: Role,
        /// The user's organisation (municipality).
        #[arg(long, default_value = "")]
        org: String,
        /// The server's address as users reach it, for the login line
        /// (default: http://<this host>:8470).
        #[arg(long, value_name = "URL")]
        url: Option<String>,
        /// The server's database: a SQLite file (default: <data dir>/server/styr.db) or a
        /// PostgreSQL URL.
        #[arg(long, value_name = "FILE|URL", env = "STYR_SERVER_DB")]
        db: Option<PathBuf>,
    },
    /// List the users, revoked ones too.
    List {
        #[arg(long, value_name = "FILE|URL", env = "STYR_SERVER_DB")]
        db: Option<PathBuf>,
    },
    /// Revoke a user's token at once.
    Revoke {
        name: String,
        #[arg(long, value_name = "FILE|URL", env = "STYR_SERVER_DB")]
        db: Option<PathBuf>,
    },
}

fn parse_role(s: &str) -> Result<Role, String> {
    s.parse()
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv,
    Excel,
    Json,
}

/// Who is at a meeting, as `styr meeting new` and `styr meeting attend` take it.
#[derive(clap::Args, Debug, Clone)]
pub struct Attendance {
    /// Members present: name:Organisation, comma-separated.
    #[arg(long, value_name = "LIST")]
    pub present: Vec<String>,
    /// Members absent [forfall]: name:Organisation, comma-separated.
    #[arg(long, value_name = "LIST")]
    pub absent: Vec<String>,
    /// Substitutes [vara]: name:Organisation:for-member, comma-separated.
    #[arg(long, value_name = "LIST")]
    pub substitute: Vec<String>,
}
