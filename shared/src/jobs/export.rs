//! The daily export of one UTC day to the destination:
//!
//! ```text
//! <prefix>/dt=YYYY-MM-DD/events-0000.ndjson.gz   (a new file every export.max_file_bytes)
//!                        users.ndjson.gz          (snapshot of every profile)
//!                        stats.json               (the day's stats, as GET /v1/stats)
//!                        manifest.json            (rows, bytes and sha256 of each file)
//!                        _SUCCESS                 (written last)
//! ```
//!
//! Memory stays bounded: events are read a page at a time, gzipped into a temporary file,
//! and each file is uploaded from disk once closed. Re-running a date first removes
//! `_SUCCESS`, rewrites the files, deletes `events-NNNN` files beyond the new count and
//! writes `_SUCCESS` again last: a reader that waits for `_SUCCESS` and then reads the
//! manifest sees one consistent set.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use chrono::{DateTime, NaiveDate, Utc};
use flate2::Compression;
use flate2::write::GzEncoder;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use utoipa::ToSchema;

use super::object_store::ObjectStore;
use super::{JobContext, JobError};
use crate::event::Event;
use crate::settings::ExportSettings;
use crate::storage::{Stats, Store, UserQuery};

/// Version of the file layout and manifest; bumped on incompatible changes.
pub const SCHEMA_VERSION: u32 = 1;
pub const MANIFEST: &str = "manifest.json";
pub const SUCCESS: &str = "_SUCCESS";
const USERS_PAGE: usize = 1000;

/// One file of an export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ManifestFile {
    /// Name inside the day's directory.
    pub name: String,
    /// Records in the file (events or users; 0 for `stats.json`).
    pub rows: u64,
    pub bytes: u64,
    /// Hex SHA-256 of the file's bytes as stored.
    pub sha256: String,
}

/// `manifest.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Manifest {
    pub schema_version: u32,
    pub date: NaiveDate,
    pub generated_at: DateTime<Utc>,
    pub job_id: String,
    /// Events in the `events-NNNN` files together.
    pub events: u64,
    /// Profiles in `users.ndjson.gz`.
    pub users: u64,
    pub files: Vec<ManifestFile>,
}

/// The directory (key prefix) of a day.
pub fn day_dir(date: NaiveDate) -> String {
    format!("dt={}/", date.format("%Y-%m-%d"))
}

/// Writes through to `inner`, counting and hashing the bytes.
struct Tee<W> {
    inner: W,
    hasher: Sha256,
    bytes: u64,
}

impl<W: Write> Write for Tee<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// One gzip NDJSON file being written to a temporary path.
struct Part {
    name: String,
    path: PathBuf,
    /// The buffer in front of the encoder matters: the encoder does work (zeroing its
    /// output buffer) on every write, and serde writes a record in many small pieces.
    enc: BufWriter<GzEncoder<Tee<BufWriter<std::fs::File>>>>,
    rows: u64,
}

impl Part {
    fn create(dir: &Path, name: &str) -> std::io::Result<Self> {
        let path = dir.join(name);
        let file = std::fs::File::create(&path)?;
        let tee = Tee {
            inner: BufWriter::with_capacity(256 * 1024, file),
            hasher: Sha256::new(),
            bytes: 0,
        };
        Ok(Self {
            name: name.to_owned(),
            path,
            enc: BufWriter::with_capacity(256 * 1024, GzEncoder::new(tee, Compression::fast())),
            rows: 0,
        })
    }

    fn write_row<T: Serialize>(&mut self, row: &T) -> std::io::Result<()> {
        serde_json::to_writer(&mut self.enc, row)?;
        self.enc.write_all(b"\n")?;
        self.rows += 1;
        Ok(())
    }

    /// Compressed bytes written so far (lags by what gzip still buffers).
    fn compressed_bytes(&self) -> u64 {
        self.enc.get_ref().get_ref().bytes
    }

    fn finish(self) -> std::io::Result<(ManifestFile, PathBuf)> {
        let mut tee = self
            .enc
            .into_inner()
            .map_err(|e| e.into_error())?
            .finish()?;
        tee.flush()?;
        tee.inner
            .into_inner()
            .map_err(|e| e.into_error())?
            .sync_all()?;
        Ok((
            ManifestFile {
                name: self.name,
                rows: self.rows,
                bytes: tee.bytes,
                sha256: hex::encode(tee.hasher.finalize()),
            },
            self.path,
        ))
    }
}

/// The `events-NNNN` files: closes one and opens the next at `max_bytes`.
struct EventFiles {
    dir: PathBuf,
    max_bytes: u64,
    current: Option<Part>,
    next_index: usize,
    /// Closed files waiting to be uploaded.
    ready: Vec<(ManifestFile, PathBuf)>,
}

fn events_name(i: usize) -> String {
    format!("events-{i:04}.ndjson.gz")
}

impl EventFiles {
    fn write_page(&mut self, events: &[Event]) -> std::io::Result<()> {
        for e in events {
            let part = match &mut self.current {
                Some(p) => p,
                None => {
                    let p = Part::create(&self.dir, &events_name(self.next_index))?;
                    self.next_index += 1;
                    self.current.insert(p)
                }
            };
            part.write_row(e)?;
            if part.compressed_bytes() >= self.max_bytes {
                self.close()?;
            }
        }
        Ok(())
    }

    fn close(&mut self) -> std::io::Result<()> {
        if let Some(p) = self.current.take() {
            self.ready.push(p.finish()?);
        }
        Ok(())
    }

    /// Closes the last file; a day without events still gets one (empty) events file.
    fn finish(&mut self) -> std::io::Result<()> {
        if self.next_index == 0 {
            self.current = Some(Part::create(&self.dir, &events_name(0))?);
            self.next_index = 1;
        }
        self.close()
    }
}

/// Runs `f` on a blocking thread with `value` moved there and back (gzip and file writes
/// must not stall the async runtime).
async fn blocking<T: Send + 'static, R: Send + 'static>(
    value: T,
    f: impl FnOnce(&mut T) -> std::io::Result<R> + Send + 'static,
) -> anyhow::Result<(T, R)> {
    tokio::task::spawn_blocking(move || {
        let mut value = value;
        let r = f(&mut value)?;
        Ok((value, r))
    })
    .await
    .context("Export writer task failed")?
}

async fn upload(
    objects: &dyn ObjectStore,
    dir: &str,
    ready: Vec<(ManifestFile, PathBuf)>,
    files: &mut Vec<ManifestFile>,
) -> anyhow::Result<()> {
    for (entry, path) in ready {
        objects
            .put_file(&format!("{dir}{}", entry.name), &path)
            .await
            .with_context(|| format!("Failed to upload {}", entry.name))?;
        let _ = tokio::fs::remove_file(&path).await;
        files.push(entry);
    }
    Ok(())
}

/// What an export job records as its result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ExportResult {
    pub date: NaiveDate,
    /// Events written (equals the manifest's `events`).
    pub events: u64,
    pub users: u64,
    pub files: usize,
    pub bytes: u64,
    /// URL of `manifest.json`.
    pub manifest: String,
    /// Events of the day the store counted (from its rollups) when the export finished;
    /// more than `events` means some arrived while it ran.
    pub stored_events_at_finish: u64,
}

/// Exports `date`. Checks `ctx` between pages, so a cancel or a lost lease stops it.
pub async fn run(
    store: &dyn Store,
    objects: &dyn ObjectStore,
    settings: &ExportSettings,
    date: NaiveDate,
    ctx: &JobContext,
    now: DateTime<Utc>,
) -> Result<ExportResult, JobError> {
    let dir = day_dir(date);
    // Readers wait for _SUCCESS: removing it first marks the day as being rewritten.
    objects
        .delete(&format!("{dir}{SUCCESS}"))
        .await
        .context("Failed to remove the previous _SUCCESS")?;
    let tmp = tempfile::Builder::new()
        .prefix("shoptrail-export-")
        .tempdir()
        .context("Failed to create a temporary directory")?;
    let mut files: Vec<ManifestFile> = Vec::new();

    let mut writer = EventFiles {
        dir: tmp.path().to_owned(),
        max_bytes: settings.max_file_bytes,
        current: None,
        next_index: 0,
        ready: Vec::new(),
    };
    let mut events = 0u64;
    // The next page is read while the current one is compressed (two blocking threads).
    let mut page = store
        .events_of_day(date, None, settings.page_events)
        .await
        .context("Failed to read the day's events")?;
    loop {
        ctx.check()?;
        let n = page.items.len() as u64;
        let next = page.next.take();
        let items = std::mem::take(&mut page.items);
        let write = blocking(writer, move |w| {
            w.write_page(&items)?;
            Ok(std::mem::take(&mut w.ready))
        });
        let read = async {
            match &next {
                Some(c) => store
                    .events_of_day(date, Some(c.clone()), settings.page_events)
                    .await
                    .map(Some),
                None => Ok(None),
            }
        };
        let (written, read) = tokio::join!(write, read);
        let (w, ready) = written.context("Failed to write an events file")?;
        writer = w;
        let bytes: u64 = ready.iter().map(|(f, _)| f.bytes).sum();
        upload(objects, &dir, ready, &mut files).await?;
        events += n;
        ctx.add_events(n, 0, 0);
        ctx.add_bytes(bytes);
        match read.context("Failed to read the day's events")? {
            Some(p) => page = p,
            None => break,
        }
    }
    let (_, ready) = blocking(writer, |w| {
        w.finish()?;
        Ok(std::mem::take(&mut w.ready))
    })
    .await
    .context("Failed to close the events file")?;
    ctx.add_bytes(ready.iter().map(|(f, _)| f.bytes).sum());
    upload(objects, &dir, ready, &mut files).await?;
    let event_files = files.len();

    // Users snapshot.
    let mut part = {
        let dir = tmp.path().to_owned();
        blocking((), move |_| Part::create(&dir, "users.ndjson.gz"))
            .await
            .context("Failed to create the users file")?
            .1
    };
    let mut cursor = None;
    loop {
        ctx.check()?;
        let page = store
            .list_users(&UserQuery {
                limit: USERS_PAGE,
                after: cursor.take(),
                ..UserQuery::default()
            })
            .await
            .context("Failed to read users")?;
        let (p, ()) = blocking(part, move |p| {
            for u in &page.items {
                p.write_row(u)?;
            }
            Ok(())
        })
        .await
        .context("Failed to write the users file")?;
        part = p;
        match page.next {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    let (_, users) = blocking((), move |_| part.finish())
        .await
        .context("Failed to close the users file")?;
    let user_rows = users.0.rows;
    upload(objects, &dir, vec![users], &mut files).await?;

    // The day's stats.
    let rollups = store
        .rollups(date, date)
        .await
        .context("Failed to read the day's stats")?;
    let stats = Stats::from_rollups(date, date, rollups);
    let stored_events_at_finish = stats.total_events;
    let stats_json = serde_json::to_vec_pretty(&stats).context("Failed to encode stats")?;
    files.push(ManifestFile {
        name: "stats.json".to_owned(),
        rows: 0,
        bytes: stats_json.len() as u64,
        sha256: hex::encode(Sha256::digest(&stats_json)),
    });
    objects
        .put_bytes(&format!("{dir}stats.json"), stats_json)
        .await
        .context("Failed to upload stats.json")?;

    // Files of an earlier, larger run of this date.
    let keep: std::collections::HashSet<String> = files.iter().map(|f| f.name.clone()).collect();
    for key in objects
        .list(&dir)
        .await
        .context("Failed to list the day's files")?
    {
        let name = key.strip_prefix(&dir).unwrap_or(&key);
        if name.starts_with("events-") && !keep.contains(name) {
            objects
                .delete(&key)
                .await
                .with_context(|| format!("Failed to delete stale {name}"))?;
        }
    }

    ctx.check()?;
    let manifest = Manifest {
        schema_version: SCHEMA_VERSION,
        date,
        generated_at: now,
        job_id: ctx.job_id.clone(),
        events,
        users: user_rows,
        files,
    };
    let bytes: u64 = manifest.files.iter().map(|f| f.bytes).sum();
    let manifest_json =
        serde_json::to_vec_pretty(&manifest).context("Failed to encode manifest")?;
    let manifest_sha = hex::encode(Sha256::digest(&manifest_json));
    objects
        .put_bytes(&format!("{dir}{MANIFEST}"), manifest_json)
        .await
        .context("Failed to upload manifest.json")?;
    objects
        .put_bytes(
            &format!("{dir}{SUCCESS}"),
            format!("{manifest_sha}\n").into_bytes(),
        )
        .await
        .context("Failed to write _SUCCESS")?;
    Ok(ExportResult {
        date,
        events,
        users: user_rows,
        files: event_files + 2,
        bytes,
        manifest: objects.url(&format!("{dir}{MANIFEST}")),
        stored_events_at_finish,
    })
}
