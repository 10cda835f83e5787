//! `fluxi config create|list|activate|delete`: saved connections (URL, token, org), one of
//! them active, in `$FLUXI_CONFIGS_PATH`, else `$XDG_CONFIG_HOME/fluxi/configs.json`,
//! else `~/.config/fluxi/configs.json` — a file only its owner may read or write (0600),
//! since it holds tokens, like the `influx` CLI's `configs`.

use super::{print_table, usage};
use crate::out::outln;
use crate::EXIT_ERROR;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// One saved connection. `Debug` does not show the token.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Saved {
    /// Its name.
    pub name: String,
    /// The server's URL.
    pub url: String,
    /// The token.
    pub token: String,
    /// The organization, by name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
    /// Whether commands use it when no other is named.
    #[serde(default)]
    pub active: bool,
}

impl std::fmt::Debug for Saved {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Saved")
            .field("name", &self.name)
            .field("url", &self.url)
            .field("token", &"(hidden)")
            .field("org", &self.org)
            .field("active", &self.active)
            .finish()
    }
}

/// The file's content.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Configs {
    configs: Vec<Saved>,
}

/// Where the configs are kept.
pub fn path() -> Result<PathBuf, String> {
    let env = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
    if let Some(p) = env("FLUXI_CONFIGS_PATH") {
        return Ok(PathBuf::from(p));
    }
    if let Some(d) = env("XDG_CONFIG_HOME") {
        return Ok(PathBuf::from(d).join("fluxi/configs.json"));
    }
    if let Some(h) = env("HOME") {
        return Ok(PathBuf::from(h).join(".config/fluxi/configs.json"));
    }
    Err("no place for saved configs: set $FLUXI_CONFIGS_PATH or $HOME".into())
}

/// The saved configs (none when the file does not exist).
fn load(path: &Path) -> Result<Configs, String> {
    let text = match std::fs::read(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Configs::default()),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    warn_if_open(path);
    serde_json::from_slice(&text).map_err(|e| {
        format!(
            "{} is not a fluxi configs file: {e} (fix it, or delete it and save the configs again)",
            path.display()
        )
    })
}

/// Says so when others than the owner may read the file (it holds tokens).
fn warn_if_open(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(m) = std::fs::metadata(path) {
            let mode = m.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                eprintln!(
                    "warning: {} holds tokens but others may read it (mode {mode:o}); `chmod 600` it",
                    path.display()
                );
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// Writes the configs: to a new file only the owner may read (0600), then renamed over
/// the old one, so a crash leaves the old file or the new one, never half of one.
fn save(path: &Path, configs: &Configs) -> Result<(), String> {
    let fail = |what: &str, e: std::io::Error| format!("cannot {what} {}: {e}", path.display());
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        let mut b = std::fs::DirBuilder::new();
        b.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
        b.create(dir)
            .map_err(|e| fail("create the directory of", e))?;
    }
    let text = serde_json::to_vec_pretty(configs).map_err(|e| e.to_string())?;
    let mut tmp_name = path.as_os_str().to_owned();
    tmp_name.push(format!(".tmp-{}", std::process::id()));
    let tmp = PathBuf::from(tmp_name);
    let _ = std::fs::remove_file(&tmp);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = (|| {
        let mut f = options.open(&tmp)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            // Whatever the umask: the owner only.
            f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
        f.write_all(&text)?;
        f.write_all(b"\n")?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(fail("write", e));
    }
    Ok(())
}

/// The active config, if there is one.
pub fn active() -> Result<Option<Saved>, String> {
    let path = path()?;
    Ok(load(&path)?.configs.into_iter().find(|c| c.active))
}

/// The config of this name.
pub fn named(name: &str) -> Result<Saved, String> {
    let path = path()?;
    load(&path)?
        .configs
        .into_iter()
        .find(|c| c.name == name)
        .ok_or_else(|| {
            format!(
                "no saved config named {name:?} in {} (`fluxi config list` shows them)",
                path.display()
            )
        })
}

/// What `fluxi config` does.
pub enum ConfigAction {
    /// Save a connection.
    Create {
        name: String,
        url: String,
        token: String,
        org: Option<String>,
        active: bool,
    },
    /// List the saved connections (never their tokens).
    List,
    /// Make one the active one.
    Activate { name: String },
    /// Forget one.
    Delete { name: String },
}

fn failed(msg: &str) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::from(EXIT_ERROR)
}

/// `fluxi config ...`.
pub fn config(action: ConfigAction) -> ExitCode {
    let path = match path() {
        Ok(p) => p,
        Err(e) => return usage(&e),
    };
    let mut configs = match load(&path) {
        Ok(c) => c,
        Err(e) => return failed(&e),
    };
    match action {
        ConfigAction::List => {
            let rows: Vec<Vec<String>> = configs
                .configs
                .iter()
                .map(|c| {
                    vec![
                        if c.active { "*" } else { "" }.to_string(),
                        c.name.clone(),
                        c.url.clone(),
                        c.org.clone().unwrap_or_default(),
                    ]
                })
                .collect();
            print_table(&["Active", "Name", "URL", "Org"], &rows);
            return ExitCode::SUCCESS;
        }
        ConfigAction::Create {
            name,
            url,
            token,
            org,
            active,
        } => {
            if name.trim().is_empty() {
                return usage("--name needs a name for the config");
            }
            if token.is_empty() {
                return usage("--token needs the API token");
            }
            if let Err(e) = fluxi_client::http::Url::parse(&url) {
                return usage(&format!("--host-url: {e}"));
            }
            if configs.configs.iter().any(|c| c.name == name) {
                return failed(&format!(
                    "a config named {name:?} exists already; `fluxi config delete {name}` first"
                ));
            }
            let active = active || !configs.configs.iter().any(|c| c.active);
            if active {
                for c in &mut configs.configs {
                    c.active = false;
                }
            }
            configs.configs.push(Saved {
                name: name.clone(),
                url: url.trim_end_matches('/').to_string(),
                token,
                org,
                active,
            });
            if let Err(e) = save(&path, &configs) {
                return failed(&e);
            }
            outln!(
                "saved config {name:?}{} in {}",
                if active { " (active)" } else { "" },
                path.display()
            );
        }
        ConfigAction::Activate { name } => {
            if !configs.configs.iter().any(|c| c.name == name) {
                return failed(&format!("no saved config named {name:?}"));
            }
            for c in &mut configs.configs {
                c.active = c.name == name;
            }
            if let Err(e) = save(&path, &configs) {
                return failed(&e);
            }
            outln!("config {name:?} is active");
        }
        ConfigAction::Delete { name } => {
            let before = configs.configs.len();
            configs.configs.retain(|c| c.name != name);
            if configs.configs.len() == before {
                return failed(&format!("no saved config named {name:?}"));
            }
            if let Err(e) = save(&path, &configs) {
                return failed(&e);
            }
            outln!("deleted config {name:?}");
        }
    }
    ExitCode::SUCCESS
}
