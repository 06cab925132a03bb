//! Where styr keeps its files. Data (the sled caches) under the XDG data directory,
//! settings and theme overrides under the XDG config directory.

use std::path::{Path, PathBuf};

pub struct Paths {
    pub data_root: PathBuf,
    pub config_dir: Option<PathBuf>,
}

impl Paths {
    /// `--data-dir` wins; otherwise `$XDG_DATA_HOME/styr` (usually `~/.local/share/styr`).
    pub fn resolve(data_dir: Option<&Path>) -> Result<Paths, String> {
        let dirs = directories::ProjectDirs::from("", "", "styr");
        let data_root = match (data_dir, &dirs) {
            (Some(d), _) => d.to_path_buf(),
            (None, Some(p)) => p.data_dir().to_path_buf(),
            (None, None) => {
                return Err(
                    "no home directory was found for styr's data; pass --data-dir DIR".into(),
                )
            }
        };
        Ok(Paths {
            data_root,
            config_dir: dirs.map(|p| p.config_dir().to_path_buf()),
        })
    }

    /// The user's own portfolio, with no server.
    pub fn local(&self) -> PathBuf {
        self.data_root.join("local")
    }

    /// The cache of one server's shared portfolio: one folder per server, so that
    /// logging in somewhere else never mixes two portfolios.
    pub fn server(&self, url: &crate::sync::ServerUrl) -> PathBuf {
        self.data_root.join("servers").join(url.cache_name())
    }

    /// The database of `styr serve` (and of `styr user`) unless `--db` says otherwise.
    pub fn server_db(&self) -> PathBuf {
        self.data_root.join("server").join("styr.db")
    }

    /// The demo's own cache, so the demo never touches the user's portfolio.
    pub fn demo(&self) -> PathBuf {
        self.data_root.join("demo")
    }
}
