//! DISTRIBUTION.md §3 in one place, whatever the source: verify, compile,
//! swap atomically, keep the last good ruleset on any failure, write the disk
//! cache, keep the status. Sources (`file`, `nats`) only report what they
//! saw; every decision about serving is made here.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Instant, SystemTime};

use serde::{Deserialize, Serialize};

use crate::record::{Published, RecordError, now_rfc3339, rfc3339_at};
use crate::status::{Readiness, Rejected, State, Status};
use crate::target::Target;

/// Where the follower keeps its disk cache: `DIR/NAME.json`.
#[derive(Debug, Clone)]
pub struct Cache {
    pub dir: PathBuf,
}

/// The cache file: the published value and the revision it was read at.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CacheFile {
    /// The follower's source (`nats://…/BUCKET/NAME` or a path): a cache
    /// written for another source is not this one's.
    source: String,
    revision: Option<u64>,
    record: Published,
}

/// What a source saw, handed to [`Follower::offer`].
#[derive(Debug)]
pub enum Offer<'a> {
    /// A value: a KV revision's bytes (verified here) …
    Value { revision: Option<u64>, bytes: &'a [u8] },
    /// … or a source text read from a file (its version is computed).
    Source { source: &'a str, modified: Option<SystemTime> },
    /// The key was deleted or purged at this revision.
    Deleted { revision: u64 },
}

/// What an offer did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The offered revision now serves.
    Loaded,
    /// Already serving it (or an older one was offered).
    Unchanged,
    /// Refused; the last good ruleset keeps serving (see `Status::rejected`).
    Rejected,
}

/// One followed ruleset: the status of §3 and the target it feeds.
pub struct Follower {
    name: String,
    source: String,
    target: Arc<dyn Target>,
    cache: Option<Cache>,
    inner: Mutex<Inner>,
    changes: tokio::sync::watch::Sender<u64>,
}

impl std::fmt::Debug for Follower {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Follower").field("name", &self.name).field("source", &self.source).finish_non_exhaustive()
    }
}

#[derive(Debug)]
struct Inner {
    state: State,
    since: SystemTime,
    revision: Option<u64>,
    version: Option<String>,
    updated_at: Option<SystemTime>,
    /// When the follower last knew it was current (connected, or started).
    current_at: Instant,
    last_error: Option<String>,
    rejected: Option<Rejected>,
    /// The highest revision refused: not offered again.
    rejected_revision: Option<u64>,
    /// The last file text seen (file sources): unchanged text is not recompiled.
    seen_version: Option<String>,
    from_cache: bool,
    /// The source failed before anything loaded (OpenFeature ERROR).
    failed: bool,
    /// The published value serving (for a file: built from its text).
    record: Option<Arc<Published>>,
}

impl Follower {
    /// A follower of ruleset `name` from `source` (a label for the status),
    /// feeding `target`.
    pub fn new(name: &str, source: &str, target: Arc<dyn Target>, cache: Option<Cache>) -> Arc<Follower> {
        let (changes, _) = tokio::sync::watch::channel(0);
        Arc::new(Follower {
            name: name.to_owned(),
            source: source.to_owned(),
            target,
            cache,
            inner: Mutex::new(Inner {
                state: State::Connecting,
                since: SystemTime::now(),
                revision: None,
                version: None,
                updated_at: None,
                current_at: Instant::now(),
                last_error: None,
                rejected: None,
                rejected_revision: None,
                seen_version: None,
                from_cache: false,
                failed: false,
                record: None,
            }),
            changes,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// A receiver that wakes on every status change (the value counts changes).
    pub fn changes(&self) -> tokio::sync::watch::Receiver<u64> {
        self.changes.subscribe()
    }

    fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn changed(&self) {
        self.changes.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// The published value serving (`None` before the first load): what a
    /// server hands to browsers that evaluate locally.
    pub fn record(&self) -> Option<Arc<Published>> {
        self.inner().record.clone()
    }

    /// The KV revision serving, if any.
    pub fn revision(&self) -> Option<u64> {
        self.inner().revision
    }

    /// The status of §3 now (`stale_for_ms` is computed at this call).
    pub fn status(&self) -> Status {
        let inner = self.inner();
        let loaded = inner.version.is_some();
        let connected = inner.state == State::Connected;
        let readiness = match (loaded, connected) {
            (true, true) => Readiness::Ready,
            (true, false) => Readiness::Stale,
            (false, _) if inner.failed => Readiness::Error,
            (false, _) => Readiness::NotReady,
        };
        Status {
            name: self.name.clone(),
            source: self.source.clone(),
            state: inner.state,
            since: rfc3339_at(inner.since),
            revision: inner.revision,
            version: inner.version.clone(),
            updated_at: inner.updated_at.map(rfc3339_at),
            stale_for_ms: if connected {
                0
            } else {
                u64::try_from(inner.current_at.elapsed().as_millis()).unwrap_or(u64::MAX)
            },
            last_error: inner.last_error.clone(),
            rejected: inner.rejected.clone(),
            readiness,
            from_cache: inner.from_cache,
        }
    }

    /// The link changed. Connecting or disconnecting with an error records it;
    /// connecting clears the source's last error.
    pub fn set_state(&self, state: State, error: Option<String>) {
        {
            let mut inner = self.inner();
            if inner.state != state {
                if inner.state == State::Connected {
                    // Current until this moment.
                    inner.current_at = Instant::now();
                }
                inner.state = state;
                inner.since = SystemTime::now();
            }
            if state == State::Connected {
                inner.current_at = Instant::now();
            } else if inner.version.is_none() && error.is_some() {
                inner.failed = true;
            }
            if error.is_some() || state == State::Connected {
                inner.last_error = error;
            }
        }
        self.changed();
    }

    /// Records a problem that does not change the link (a KV operation failed).
    pub fn set_error(&self, error: String) {
        self.inner().last_error = Some(error);
        self.changed();
    }

    /// §3 for one thing a source saw. Never panics, never loses the serving
    /// ruleset: anything wrong with the offer becomes `rejected`.
    pub fn offer(&self, offer: Offer<'_>) -> Outcome {
        let outcome = self.offer_inner(offer);
        self.changed();
        outcome
    }

    fn offer_inner(&self, offer: Offer<'_>) -> Outcome {
        let (revision, record) = match offer {
            Offer::Deleted { revision } => {
                let mut inner = self.inner();
                if inner.revision.is_some_and(|r| revision <= r) {
                    return Outcome::Unchanged;
                }
                inner.last_error = Some(format!(
                    "the key was deleted at revision {revision}; the last good ruleset ({}) keeps serving",
                    inner.version.as_deref().unwrap_or("none")
                ));
                return Outcome::Unchanged;
            }
            Offer::Value { revision, bytes } => {
                let from_cache = {
                    let inner = self.inner();
                    let seen = |r: Option<u64>| matches!((revision, r), (Some(new), Some(old)) if new <= old);
                    // A cache may come from another bucket or cluster: its revision
                    // numbers say nothing until the source has confirmed it. (Refused
                    // revisions were seen from this source: never compiled twice.)
                    if seen(inner.rejected_revision) || (!inner.from_cache && seen(inner.revision)) {
                        return Outcome::Unchanged;
                    }
                    inner.from_cache
                };
                match Published::decode(bytes, &self.name) {
                    Ok(record) => {
                        let mut inner = self.inner();
                        if from_cache
                            && revision == inner.revision
                            && inner.version.as_deref() == Some(record.version.as_str())
                        {
                            // The source serves what the cache held: confirmed.
                            inner.from_cache = false;
                            return Outcome::Unchanged;
                        }
                        drop(inner);
                        (revision, record)
                    }
                    Err(error) => {
                        let version = match &error {
                            RecordError::VersionMismatch { claimed, .. } => Some(claimed.clone()),
                            _ => None,
                        };
                        self.reject(revision, version, vec![error.to_string()]);
                        return Outcome::Rejected;
                    }
                }
            }
            Offer::Source { source, modified } => {
                let version = vexil::ruleset_version(source);
                {
                    let mut inner = self.inner();
                    if inner.version.as_deref() == Some(version.as_str()) {
                        // The serving text (again: a reverted bad edit, or the cached text
                        // confirmed): nothing newer was refused, nothing to load.
                        inner.from_cache = false;
                        if inner.rejected.take().is_some() {
                            inner.last_error = None;
                        }
                        inner.seen_version = Some(version);
                        return Outcome::Unchanged;
                    }
                    if inner.seen_version.as_deref() == Some(version.as_str()) {
                        return Outcome::Unchanged;
                    }
                    inner.seen_version = Some(version);
                }
                let published_at = rfc3339_at(modified.unwrap_or_else(SystemTime::now));
                (None, Published::new(&self.name, source, "", "", published_at, 0))
            }
        };
        self.apply(revision, record, false)
    }

    fn apply(&self, revision: Option<u64>, record: Published, from_cache: bool) -> Outcome {
        if revision.is_none() && self.inner().version.as_deref() == Some(record.version.as_str()) && !from_cache {
            return Outcome::Unchanged;
        }
        match self.target.load(&record.source) {
            Ok(()) => {
                {
                    let mut inner = self.inner();
                    inner.revision = revision;
                    inner.version = Some(record.version.clone());
                    inner.record = Some(Arc::new(record.clone()));
                    inner.updated_at = Some(SystemTime::now());
                    inner.from_cache = from_cache;
                    inner.failed = false;
                    if !from_cache {
                        inner.rejected = None;
                        if inner.last_error.as_deref().is_some_and(|e| e.starts_with("the key was deleted")) {
                            inner.last_error = None;
                        }
                    }
                }
                if !from_cache {
                    self.write_cache(revision, &record);
                }
                Outcome::Loaded
            }
            Err(errors) => {
                self.reject(revision, Some(record.version), errors);
                Outcome::Rejected
            }
        }
    }

    fn reject(&self, revision: Option<u64>, version: Option<String>, errors: Vec<String>) {
        let mut inner = self.inner();
        inner.last_error = Some(format!(
            "refused {}: {}; the last good ruleset ({}) keeps serving",
            match revision {
                Some(r) => format!("revision {r}"),
                None => "the new source".to_owned(),
            },
            errors.first().map_or("invalid", String::as_str),
            inner.version.as_deref().unwrap_or("none"),
        ));
        inner.rejected = Some(Rejected { revision, version, at: now_rfc3339(), errors });
        if revision.is_some() {
            inner.rejected_revision = revision.max(inner.rejected_revision);
        }
    }

    fn cache_path(&self) -> Option<PathBuf> {
        self.cache.as_ref().map(|c| c.dir.join(format!("{}.json", self.name)))
    }

    /// Loads the disk cache, if configured and valid (its version re-verified
    /// and its source compiled); a missing, corrupt or mismatched file is
    /// ignored (the reason is in `last_error`), never served.
    pub fn load_cache(&self) -> Outcome {
        let Some(path) = self.cache_path() else { return Outcome::Unchanged };
        let text = match std::fs::read(&path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Outcome::Unchanged,
            Err(error) => return self.ignore_cache(&path, &error.to_string()),
        };
        let file: CacheFile = match serde_json::from_slice(&text) {
            Ok(file) => file,
            Err(error) => return self.ignore_cache(&path, &error.to_string()),
        };
        if let Err(error) = file.record.verify(&self.name) {
            return self.ignore_cache(&path, &error.to_string());
        }
        if file.source != self.source {
            return self.ignore_cache(&path, &format!("it was written for {}, not {}", file.source, self.source));
        }
        let outcome = self.apply(file.revision, file.record, true);
        if outcome == Outcome::Rejected {
            let mut inner = self.inner();
            inner.rejected = None;
            inner.rejected_revision = None;
            inner.last_error = Some(format!("ignored the cache file {}: it does not compile", path.display()));
        }
        self.changed();
        outcome
    }

    fn ignore_cache(&self, path: &Path, why: &str) -> Outcome {
        self.inner().last_error = Some(format!("ignored the cache file {}: {why}", path.display()));
        self.changed();
        Outcome::Rejected
    }

    /// Writes the cache atomically: a temporary file in the same directory,
    /// fsynced, renamed over the old one. A failure is recorded, not fatal.
    fn write_cache(&self, revision: Option<u64>, record: &Published) {
        let Some(path) = self.cache_path() else { return };
        let file = CacheFile { source: self.source.clone(), revision, record: record.clone() };
        if let Err(error) = write_atomically(&path, &serde_json::to_vec(&file).unwrap_or_default()) {
            self.inner().last_error = Some(format!("could not write the cache file {}: {error}", path.display()));
        }
    }
}

fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let temporary = path.with_extension(format!("json.tmp-{}", std::process::id()));
    {
        let mut file = std::fs::File::create(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
    }
    std::fs::rename(&temporary, path)?;
    // The rename itself is durable once the directory is synced.
    if let Ok(dir) = std::fs::File::open(dir) {
        let _ = dir.sync_all();
    }
    Ok(())
}
