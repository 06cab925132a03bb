//! The login: which server this user syncs with and the token they were given, in
//! `credentials.toml` in the user's config directory, readable by the user alone.

use super::server_url::{ServerUrl, UrlError};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

pub const FILE_NAME: &str = "credentials.toml";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    pub server: String,
    pub token: String,
    /// The user accepted plain http to another machine with `--allow-http`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_http: bool,
    /// A certificate authority to trust besides the system's (a cooperation's own CA,
    /// or the server's self-signed certificate), as a PEM file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    #[error("{file}: {message}")]
    Broken { file: String, message: String },
    #[error("{file}: {source}")]
    Io {
        file: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Url(#[from] UrlError),
}

impl Credentials {
    pub fn server_url(&self) -> Result<ServerUrl, UrlError> {
        ServerUrl::parse(&self.server, self.allow_http)
    }

    pub fn path(config_dir: &Path) -> PathBuf {
        config_dir.join(FILE_NAME)
    }

    /// Reads the login, `None` when there is none.
    pub fn load(config_dir: &Path) -> Result<Option<Credentials>, CredentialsError> {
        let path = Self::path(config_dir);
        let file = path.display().to_string();
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(CredentialsError::Io { file, source }),
        };
        let creds: Credentials = toml::from_str(&text).map_err(|e| CredentialsError::Broken {
            file: file.clone(),
            message: e.message().trim().to_string(),
        })?;
        creds.server_url()?;
        Ok(Some(creds))
    }

    /// Writes the login with mode 0600 from the first byte (the file is created with
    /// that mode, then renamed over the old one, so the token is never readable by others).
    pub fn save(&self, config_dir: &Path) -> Result<(), CredentialsError> {
        let path = Self::path(config_dir);
        let io = |source| CredentialsError::Io {
            file: path.display().to_string(),
            source,
        };
        std::fs::create_dir_all(config_dir).map_err(io)?;
        let text = toml::to_string(self).map_err(|e| CredentialsError::Broken {
            file: path.display().to_string(),
            message: e.to_string(),
        })?;
        let tmp = config_dir.join(format!(".{FILE_NAME}.tmp"));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut f = options.open(&tmp).map_err(io)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            // An old temp file keeps its mode through `open`; set it again.
            f.set_permissions(std::fs::Permissions::from_mode(0o600))
                .map_err(io)?;
        }
        f.write_all(text.as_bytes()).map_err(io)?;
        f.sync_all().map_err(io)?;
        std::fs::rename(&tmp, &path).map_err(io)?;
        Ok(())
    }

    /// The login file and its permission bits when others than the user may read or
    /// write it (someone copied it, or changed its mode): the token in it is as good as
    /// a password. `None` when it is private or absent.
    pub fn exposed(config_dir: &Path) -> Option<(PathBuf, u32)> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let path = Self::path(config_dir);
            let mode = std::fs::metadata(&path).ok()?.permissions().mode() & 0o777;
            (mode & 0o077 != 0).then_some((path, mode))
        }
        #[cfg(not(unix))]
        {
            let _ = config_dir;
            None
        }
    }

    /// Forgets the login. Returns whether there was one.
    pub fn remove(config_dir: &Path) -> Result<bool, CredentialsError> {
        let path = Self::path(config_dir);
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(source) => Err(CredentialsError::Io {
                file: path.display().to_string(),
                source,
            }),
        }
    }
}
