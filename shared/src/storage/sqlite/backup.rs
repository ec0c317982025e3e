//! Backups of the embedded engine: a consistent copy taken while the server runs, and a
//! restore into a data directory that holds no database.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, bail};
use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};

use super::MIGRATIONS;

/// Copies the database at `db` to a new file `to`, consistently, while writers go on: SQLite's
/// online backup API in one step, which reads one snapshot (in WAL mode writers never wait
/// for it). The copy is written beside `to` and renamed into place, so a failed backup
/// leaves no half file. Refuses to overwrite an existing file.
pub fn backup(db: &Path, to: &Path) -> anyhow::Result<()> {
    if to.exists() {
        bail!("{} exists already; choose a new file", to.display());
    }
    if !db.exists() {
        bail!("there is no database at {}", db.display());
    }
    let src = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .with_context(|| format!("Failed to open {}", db.display()))?;
    src.busy_timeout(Duration::from_secs(5))?;
    let partial = partial_path(to);
    let mut dst = Connection::open(&partial)
        .with_context(|| format!("Failed to create {}", partial.display()))?;
    let copied = (|| -> anyhow::Result<()> {
        {
            let backup = Backup::new(&src, &mut dst)?;
            loop {
                match backup.step(-1)? {
                    StepResult::Done => break,
                    StepResult::More => {}
                    // Busy or locked (and any later kinds): wait and step again.
                    _ => std::thread::sleep(Duration::from_millis(20)),
                }
            }
        }
        // A self-contained file: no WAL beside it.
        dst.pragma_update(None, "journal_mode", "DELETE")?;
        Ok(())
    })();
    drop(dst);
    if let Err(e) = copied {
        let _ = std::fs::remove_file(&partial);
        return Err(e.context("The backup failed"));
    }
    std::fs::rename(&partial, to)
        .with_context(|| format!("Failed to move the backup to {}", to.display()))
}

/// Puts the backup `from` in place as the database at `db`, whose directory must hold no
/// database yet (stop the server and start from an empty data directory). Checks first
/// that `from` is a whole SQLite database of this or an older schema.
pub fn restore(from: &Path, db: &Path) -> anyhow::Result<()> {
    if db.exists() {
        bail!(
            "{} exists: restore only into a data directory without a database",
            db.display()
        );
    }
    {
        let check = Connection::open_with_flags(from, OpenFlags::SQLITE_OPEN_READ_ONLY)
            .with_context(|| format!("Failed to open {}", from.display()))?;
        let verdict: String = check
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .with_context(|| format!("{} is not a SQLite database", from.display()))?;
        if verdict != "ok" {
            bail!("{} is damaged: {verdict}", from.display());
        }
        let version: usize = check.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version == 0 || version > MIGRATIONS.len() {
            bail!(
                "{} is not a Shoptrail database this version can open (schema {version})",
                from.display()
            );
        }
    }
    if let Some(dir) = db.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let partial = partial_path(db);
    std::fs::copy(from, &partial).with_context(|| format!("Failed to copy {}", from.display()))?;
    std::fs::rename(&partial, db).with_context(|| format!("Failed to place {}", db.display()))
}

fn partial_path(p: &Path) -> PathBuf {
    let mut s = p.as_os_str().to_owned();
    s.push(".partial");
    s.into()
}
