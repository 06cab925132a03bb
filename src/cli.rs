//! The command line: `styr` opens your portfolio; subcommands do the rest.

use clap::{Parser, Subcommand, ValueEnum};
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
    /// export) or styr's JSON export. Nothing is imported if any row is malformed.
    Import {
        /// The file to read (.csv or .json).
        file: PathBuf,
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
    },
    /// Forget the login; `styr` opens your local portfolio again.
    Logout,
    /// Show the server, your user and role, and what is waiting to be sent.
    Status,
    /// Export the portfolio as CSV or JSON.
    Export {
        #[arg(long, value_enum, default_value_t = Format::Csv)]
        format: Format,
        /// Write to this file instead of standard output.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
}
