//! The server's rulesets: one follower (and one native `Serving`) per
//! ruleset, whatever its source, and a broadcast of every new version.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use vexil_sync::nats::{self, FollowOptions};
use vexil_sync::{Cache, Follower, Serving};

/// Where one ruleset comes from.
#[derive(Debug, Clone)]
pub enum Source {
    /// A `.vx` file, watched (its name is the file name without `.vx`).
    File(PathBuf),
    /// A key of the NATS bucket.
    Nats(String),
}

/// A new version of a ruleset, as the delivery SSE stream sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VersionEvent {
    pub name: String,
    pub revision: Option<u64>,
    pub version: String,
}

/// One served ruleset.
#[derive(Debug)]
pub struct Entry {
    pub name: String,
    pub follower: Arc<Follower>,
    pub serving: Arc<Serving>,
    /// The file, for a file source (the playground reads it fresh, errors and all).
    pub file: Option<PathBuf>,
    pub versions: tokio::sync::broadcast::Sender<VersionEvent>,
}

impl Entry {
    pub fn current_version(&self) -> Option<VersionEvent> {
        let record = self.follower.record()?;
        Some(VersionEvent {
            name: self.name.clone(),
            revision: self.follower.revision(),
            version: record.version.clone(),
        })
    }
}

/// Running followers; dropping it stops them.
#[derive(Debug, Default)]
pub struct Sources {
    _nats: Option<nats::Following>,
    _files: Vec<vexil_sync::file::FileFollowing>,
    _watchers: Vec<AbortOnDrop>,
}

#[derive(Debug)]
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The name of a file source: the file name without `.vx`.
pub fn file_ruleset_name(path: &std::path::Path) -> String {
    path.file_stem().map_or_else(|| path.display().to_string(), |s| s.to_string_lossy().into_owned())
}

/// Starts a follower per source (on the current tokio runtime) and returns
/// the rulesets by name. Names must be unique.
pub fn start(
    sources: &[Source],
    nats_options: Option<&FollowOptions>,
    cache: Option<&Cache>,
    file_poll: Duration,
) -> Result<(BTreeMap<String, Arc<Entry>>, Sources), String> {
    let mut entries: BTreeMap<String, Arc<Entry>> = BTreeMap::new();
    let mut running = Sources::default();
    let mut nats_followers = Vec::new();
    for source in sources {
        let (name, label, file) = match source {
            Source::File(path) => (file_ruleset_name(path), path.display().to_string(), Some(path.clone())),
            Source::Nats(name) => {
                let options = nats_options.ok_or("--ruleset needs --nats")?;
                (name.clone(), options.label(name), None)
            }
        };
        if let Some(problem) = vexil_sync::record::name_problem(&name) {
            return Err(match source {
                Source::File(path) => {
                    format!("{problem}: rename `{}` (the file name is the ruleset name)", path.display())
                }
                Source::Nats(_) => problem,
            });
        }
        if entries.contains_key(&name) {
            return Err(format!("two rulesets are named `{name}`"));
        }
        let serving = Arc::new(Serving::default());
        let follower = Follower::new(&name, &label, serving.clone(), cache.cloned());
        follower.load_cache();
        let (versions, _) = tokio::sync::broadcast::channel(64);
        let entry =
            Arc::new(Entry { name: name.clone(), follower: follower.clone(), serving, file: file.clone(), versions });
        running._watchers.push(AbortOnDrop(tokio::spawn(announce_versions(entry.clone()))));
        match file {
            Some(path) => running._files.push(vexil_sync::file::follow_file(path, follower, file_poll)),
            None => nats_followers.push(follower),
        }
        entries.insert(name, entry);
    }
    if let Some(options) = nats_options
        && !nats_followers.is_empty()
    {
        running._nats = Some(nats::follow(options, nats_followers));
    }
    Ok((entries, running))
}

/// Broadcasts each new version the follower serves (SSE subscribers).
async fn announce_versions(entry: Arc<Entry>) {
    let mut changes = entry.follower.changes();
    let mut last: Option<String> = None;
    loop {
        if let Some(event) = entry.current_version()
            && last.as_deref() != Some(event.version.as_str())
        {
            last = Some(event.version.clone());
            // No subscriber is not an error.
            let _ = entry.versions.send(event);
        }
        if changes.changed().await.is_err() {
            return;
        }
    }
}
