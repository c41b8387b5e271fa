//! NATS JetStream KV: the control plane (publish with compare-and-set,
//! history, rollback) and the NATS source of a follower (watch + resync,
//! connection state → status). The layout is DISTRIBUTION.md §2.

use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::{self, kv};
use futures_util::StreamExt;
use serde::Serialize;

use crate::follower::{Follower, Offer};
use crate::record::{Published, name_problem, now_rfc3339};
use crate::status::State;

/// The default bucket (`--bucket`).
pub const DEFAULT_BUCKET: &str = "vexil_rulesets";
/// Revisions kept per key: NATS KV's maximum, and §2's minimum.
pub const HISTORY: i64 = 64;

/// Errors of the control plane, each its own case so a pipeline can tell them apart.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("cannot reach NATS at {urls}: {message}")]
    Unreachable { urls: String, message: String },
    #[error("{0}")]
    InvalidName(String),
    #[error("the ruleset does not compile ({} error(s)); nothing was published", .0.len())]
    DoesNotCompile(Vec<String>),
    #[error(
        "lost the race: revision {revision} (version {version}) was published since revision {expected} was read; nothing was overwritten"
    )]
    Conflict { expected: u64, revision: u64, version: String },
    #[error(
        "the published value would be {size} bytes, over the broker's maximum payload of {max} bytes; nothing was written"
    )]
    TooLarge { size: usize, max: usize },
    #[error("no ruleset `{name}` in bucket `{bucket}`")]
    NotFound { name: String, bucket: String },
    #[error("revision {revision} is not a revision of `{name}` (history keeps the last {HISTORY})")]
    NoSuchRevision { name: String, revision: u64 },
    #[error("revision {revision} of `{name}` is not a published ruleset: {message}")]
    BadRevision { name: String, revision: u64, message: String },
    #[error("NATS: {0}")]
    Broker(String),
}

fn broker(error: impl std::fmt::Display) -> SyncError {
    SyncError::Broker(error.to_string())
}

/// What to publish.
#[derive(Debug, Clone)]
pub struct Publication<'a> {
    pub name: &'a str,
    pub source: &'a str,
    pub author: &'a str,
    pub message: &'a str,
    /// Compare-and-set on this revision (0: the key must not exist yet)
    /// instead of the one read just before writing.
    pub expect_revision: Option<u64>,
}

/// What publishing did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublishResult {
    pub name: String,
    pub revision: u64,
    pub version: String,
    pub previous_revision: u64,
    /// The source was identical to the latest revision's: nothing was written.
    pub unchanged: bool,
}

/// One revision in `history`, with what changed from the revision before it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistoryEntry {
    pub revision: u64,
    /// `put`, `delete` or `purge`.
    pub operation: &'static str,
    pub version: Option<String>,
    pub author: Option<String>,
    pub published_at: Option<String>,
    pub message: Option<String>,
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub changed: Vec<String>,
    /// Why the value is not a published ruleset, if it is not one.
    pub error: Option<String>,
    /// The revision's source (kept out of the JSON: `history --diff` compares it).
    #[serde(skip)]
    pub source: Option<String>,
}

/// A connection to the control plane: one bucket on one NATS (cluster).
#[derive(Debug, Clone)]
pub struct Broker {
    client: async_nats::Client,
    js: jetstream::Context,
    bucket: String,
}

/// `nats://a:4222,nats://b:4222` → the server list.
pub fn server_list(urls: &str) -> Vec<String> {
    urls.split(',').map(str::trim).filter(|u| !u.is_empty()).map(str::to_owned).collect()
}

impl Broker {
    /// Connects, failing after `timeout` when no server answers (a publisher
    /// must not hang; followers use [`follow`], which keeps trying).
    pub async fn connect(urls: &str, bucket: &str, timeout: Duration) -> Result<Broker, SyncError> {
        let servers = server_list(urls);
        let unreachable = |message: String| SyncError::Unreachable { urls: urls.to_owned(), message };
        let connecting = async_nats::ConnectOptions::new()
            .connection_timeout(timeout)
            .request_timeout(Some(timeout))
            .max_reconnects(Some(3))
            .connect(servers);
        let client = match tokio::time::timeout(timeout, connecting).await {
            Ok(Ok(client)) => client,
            Ok(Err(error)) => return Err(unreachable(error.to_string())),
            Err(_) => return Err(unreachable(format!("no answer within {} ms", timeout.as_millis()))),
        };
        let js = jetstream::new(client.clone());
        Ok(Broker { client, js, bucket: bucket.to_owned() })
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// The bucket, created (history 64, `replicas` copies) when missing.
    pub async fn ensure_bucket(&self, replicas: usize) -> Result<kv::Store, SyncError> {
        if let Ok(store) = self.js.get_key_value(&self.bucket).await {
            return Ok(store);
        }
        let config = kv::Config {
            bucket: self.bucket.clone(),
            description: "Vexil rulesets (DISTRIBUTION.md §2)".to_owned(),
            history: HISTORY,
            num_replicas: replicas.max(1),
            ..Default::default()
        };
        match self.js.create_key_value(config).await {
            Ok(store) => Ok(store),
            // Another publisher created it meanwhile.
            Err(error) => self.js.get_key_value(&self.bucket).await.map_err(|_| broker(error)),
        }
    }

    async fn store(&self) -> Result<kv::Store, SyncError> {
        self.js.get_key_value(&self.bucket).await.map_err(broker)
    }

    /// The latest revision of `name` and its value (`None`: no such key, or deleted).
    pub async fn latest(&self, name: &str) -> Result<Option<(u64, Published)>, SyncError> {
        let store = self.store().await?;
        match latest_entry(&store, name).await? {
            Some(entry) if entry.operation == kv::Operation::Put => {
                let record = Published::decode(&entry.value, name).map_err(|e| SyncError::BadRevision {
                    name: name.to_owned(),
                    revision: entry.revision,
                    message: e.to_string(),
                })?;
                Ok(Some((entry.revision, record)))
            }
            _ => Ok(None),
        }
    }

    /// §2 publication: check (a source with errors is never written), then a
    /// compare-and-set write. An identical source is a no-op that says so.
    pub async fn publish(&self, publication: &Publication<'_>, replicas: usize) -> Result<PublishResult, SyncError> {
        let name = publication.name;
        if let Some(problem) = name_problem(name) {
            return Err(SyncError::InvalidName(problem));
        }
        if let Err(error) = vexil::compile(publication.source, &vexil::CheckOptions::default()) {
            return Err(SyncError::DoesNotCompile(crate::target::diagnostic_lines(publication.source, &error)));
        }
        let store = self.ensure_bucket(replicas).await?;
        let latest = latest_entry(&store, name).await?;
        let latest_revision = latest.as_ref().map_or(0, |e| e.revision);
        let version = vexil::ruleset_version(publication.source);
        let conflict =
            |revision: u64, version: String, expected: u64| SyncError::Conflict { expected, revision, version };
        if let Some(expected) = publication.expect_revision
            && expected != latest_revision
        {
            let won = latest.as_ref().map(|e| version_of_entry(e, name)).unwrap_or_default();
            return Err(conflict(latest_revision, won, expected));
        }
        if let Some(entry) = &latest
            && entry.operation == kv::Operation::Put
            && version_of_entry(entry, name) == version
        {
            return Ok(PublishResult {
                name: name.to_owned(),
                revision: entry.revision,
                version,
                previous_revision: entry.revision,
                unchanged: true,
            });
        }
        let record = Published::new(
            name,
            publication.source,
            publication.author,
            publication.message,
            now_rfc3339(),
            latest_revision,
        );
        let value = record.to_json();
        // The broker refuses a message over its max payload; say so before writing anything.
        let max = self.client.server_info().max_payload;
        if max > 0 && value.len() > max {
            return Err(SyncError::TooLarge { size: value.len(), max });
        }
        let written = match latest {
            None => store.create(name, value.into()).await.map_err(|error| match error.kind() {
                kv::CreateErrorKind::AlreadyExists => None,
                _ => Some(broker(error)),
            }),
            Some(_) => store.update(name, value.into(), latest_revision).await.map_err(|error| match error.kind() {
                kv::UpdateErrorKind::WrongLastRevision => None,
                _ => Some(broker(error)),
            }),
        };
        match written {
            Ok(revision) => Ok(PublishResult {
                name: name.to_owned(),
                revision,
                version,
                previous_revision: latest_revision,
                unchanged: false,
            }),
            Err(Some(error)) => Err(error),
            // Lost the compare-and-set: name the revision that won.
            Err(None) => {
                let winner = latest_entry(&store, name).await?;
                let (revision, version) =
                    winner.map(|e| (e.revision, version_of_entry(&e, name))).unwrap_or((0, String::new()));
                Err(conflict(revision, version, latest_revision))
            }
        }
    }

    /// Every revision the bucket keeps for `name`, oldest first, with the
    /// flags added, removed and changed from the one before.
    pub async fn history(&self, name: &str) -> Result<Vec<HistoryEntry>, SyncError> {
        let store = self.store().await?;
        // A key with no entry at all would leave the history stream waiting forever.
        if latest_entry(&store, name).await?.is_none() {
            return Err(SyncError::NotFound { name: name.to_owned(), bucket: self.bucket.clone() });
        }
        let mut entries = store.history(name).await.map_err(broker)?;
        let mut out = Vec::new();
        let mut previous: Option<FlagTexts> = None;
        while let Some(entry) = entries.next().await {
            let entry = entry.map_err(broker)?;
            let operation = match entry.operation {
                kv::Operation::Put => "put",
                kv::Operation::Delete => "delete",
                kv::Operation::Purge => "purge",
            };
            let mut item = HistoryEntry {
                revision: entry.revision,
                operation,
                version: None,
                author: None,
                published_at: None,
                message: None,
                added: Vec::new(),
                removed: Vec::new(),
                changed: Vec::new(),
                error: None,
                source: None,
            };
            if entry.operation == kv::Operation::Put {
                match Published::decode(&entry.value, name) {
                    Ok(record) => {
                        let flags = FlagTexts::of(&record.source);
                        let before = previous.take().unwrap_or_default();
                        (item.added, item.removed, item.changed) = before.compare(&flags);
                        previous = Some(flags);
                        item.version = Some(record.version);
                        item.author = Some(record.author);
                        item.published_at = Some(record.published_at);
                        item.message = Some(record.message);
                        item.source = Some(record.source);
                    }
                    Err(error) => item.error = Some(error.to_string()),
                }
            }
            out.push(item);
            if entry.delta == 0 {
                break;
            }
        }
        if out.is_empty() {
            return Err(SyncError::NotFound { name: name.to_owned(), bucket: self.bucket.clone() });
        }
        Ok(out)
    }

    /// Republishes revision `to`'s source as a new revision (history is never rewritten).
    pub async fn rollback(
        &self,
        name: &str,
        to: u64,
        author: &str,
        message: Option<&str>,
    ) -> Result<PublishResult, SyncError> {
        let store = self.store().await?;
        let entry = store
            .entry_for_revision(name, to)
            .await
            .map_err(broker)?
            .filter(|e| e.operation == kv::Operation::Put)
            .ok_or_else(|| SyncError::NoSuchRevision { name: name.to_owned(), revision: to })?;
        let record = Published::decode(&entry.value, name).map_err(|e| SyncError::BadRevision {
            name: name.to_owned(),
            revision: to,
            message: e.to_string(),
        })?;
        let default_message = format!("rollback to revision {to} (version {})", record.version);
        let publication = Publication {
            name,
            source: &record.source,
            author,
            message: message.unwrap_or(&default_message),
            expect_revision: None,
        };
        self.publish(&publication, 1).await
    }

    /// Writes raw bytes as a new revision, with no check at all: for tests of
    /// what followers do with a broken or forged value.
    pub async fn put_unchecked(&self, name: &str, value: Vec<u8>) -> Result<u64, SyncError> {
        let store = self.ensure_bucket(1).await?;
        store.put(name, value.into()).await.map_err(broker)
    }

    /// Deletes the key (followers keep serving their last good ruleset).
    pub async fn delete(&self, name: &str) -> Result<(), SyncError> {
        self.store().await?.delete(name).await.map_err(broker)
    }
}

async fn latest_entry(store: &kv::Store, name: &str) -> Result<Option<kv::Entry>, SyncError> {
    store.entry(name).await.map_err(broker)
}

fn version_of_entry(entry: &kv::Entry, name: &str) -> String {
    Published::decode(&entry.value, name).map(|r| r.version).unwrap_or_default()
}

/// Each flag's fingerprint (`FlagInfo::fingerprint`), by key, for
/// `history`'s added / removed / changed lists: a flag "changed" when its
/// declaration or anything flags share (context, enums, segments) changed,
/// whitespace aside. A source that does not compile (forced in) has none.
#[derive(Debug, Default)]
struct FlagTexts(Vec<(String, String)>);

impl FlagTexts {
    fn of(source: &str) -> FlagTexts {
        let Ok(ruleset) = vexil::compile(source, &vexil::CheckOptions::default()) else { return FlagTexts::default() };
        let mut flags: Vec<(String, String)> =
            ruleset.flags().iter().map(|f| (f.key.clone(), f.fingerprint.clone())).collect();
        flags.sort();
        FlagTexts(flags)
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0.binary_search_by(|(n, _)| n.as_str().cmp(name)).ok().map(|i| self.0[i].1.as_str())
    }

    fn compare(&self, new: &FlagTexts) -> (Vec<String>, Vec<String>, Vec<String>) {
        let added = new.0.iter().filter(|(n, _)| self.get(n).is_none()).map(|(n, _)| n.clone()).collect();
        let removed = self.0.iter().filter(|(n, _)| new.get(n).is_none()).map(|(n, _)| n.clone()).collect();
        let changed =
            new.0.iter().filter(|(n, t)| self.get(n).is_some_and(|old| old != t)).map(|(n, _)| n.clone()).collect();
        (added, removed, changed)
    }
}

// ------------------------------------------------------------------ following

/// How a NATS source behaves.
#[derive(Debug, Clone)]
pub struct FollowOptions {
    pub urls: String,
    pub bucket: String,
    /// How often to re-read the newest revision even without a watch event
    /// (a safety net under the watch, which also resyncs on every reconnect).
    pub resync_every: Duration,
    /// The longest wait between reconnect attempts.
    pub max_reconnect_delay: Duration,
}

impl FollowOptions {
    pub fn new(urls: &str) -> FollowOptions {
        FollowOptions {
            urls: urls.to_owned(),
            bucket: DEFAULT_BUCKET.to_owned(),
            resync_every: Duration::from_secs(5),
            max_reconnect_delay: Duration::from_secs(2),
        }
    }

    /// The status `source` label of a key.
    pub fn label(&self, name: &str) -> String {
        let first = server_list(&self.urls).into_iter().next().unwrap_or_default();
        format!("{first}/{}/{name}", self.bucket)
    }
}

/// Running NATS followers; dropping it stops them (the followers keep
/// serving their last good rulesets).
#[derive(Debug)]
pub struct Following {
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for Following {
    fn drop(&mut self) {
        // The tasks hold the client; aborting them closes the connection.
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// Follows each follower's key over one NATS connection, on the current
/// tokio runtime. Never fails: while the broker is unreachable the followers
/// say so in their status and keep serving; they catch up when it returns.
pub fn follow(options: &FollowOptions, followers: Vec<Arc<Follower>>) -> Following {
    let (events, mut event_rx) = tokio::sync::mpsc::unbounded_channel();
    let max_delay = options.max_reconnect_delay;
    let connect = async_nats::ConnectOptions::new()
        .retry_on_initial_connect()
        .max_reconnects(None)
        .connection_timeout(Duration::from_secs(2))
        .request_timeout(Some(Duration::from_secs(2)))
        .reconnect_delay_callback(move |attempts| {
            let millis = 50u64.saturating_mul(u64::try_from(attempts).unwrap_or(u64::MAX));
            Duration::from_millis(millis).min(max_delay)
        })
        .event_callback(move |event| {
            let events = events.clone();
            async move {
                let _ = events.send(event);
            }
        });
    let servers = server_list(&options.urls);
    // One resync signal per follower: `notify_one` keeps a permit, so a
    // reconnect during a read or a back-off is not lost.
    let resyncs: Vec<Arc<tokio::sync::Notify>> =
        followers.iter().map(|_| Arc::new(tokio::sync::Notify::new())).collect();
    let mut tasks = Vec::new();

    // retry_on_initial_connect: `connect` returns at once and connects in the background.
    let (client_tx, client_rx) = tokio::sync::watch::channel::<Option<async_nats::Client>>(None);
    let urls = options.urls.clone();
    let connecting = followers.clone();
    tasks.push(tokio::spawn(async move {
        match connect.connect(servers).await {
            Ok(client) => {
                let _ = client_tx.send(Some(client));
            }
            Err(error) => {
                for follower in &connecting {
                    follower.set_state(State::Disconnected, Some(format!("cannot connect to {urls}: {error}")));
                }
            }
        }
    }));

    // Connection events: a lost connection makes every follower disconnected
    // at once; a (re)connection makes each re-read its key, and a follower is
    // connected again only once that read succeeded.
    let watched = followers.clone();
    let signals = resyncs.clone();
    tasks.push(tokio::spawn(async move {
        while let Some(event) = event_rx.recv().await {
            match event {
                async_nats::Event::Connected => signals.iter().for_each(|s| s.notify_one()),
                async_nats::Event::Disconnected => {
                    for follower in &watched {
                        follower.set_state(State::Disconnected, Some("lost the connection to NATS".to_owned()));
                    }
                }
                _ => {}
            }
        }
    }));

    for (follower, resync) in followers.into_iter().zip(resyncs) {
        let options = options.clone();
        let mut client_rx = client_rx.clone();
        tasks.push(tokio::spawn(async move {
            let client = loop {
                if let Some(client) = client_rx.borrow_and_update().clone() {
                    break client;
                }
                if client_rx.changed().await.is_err() {
                    return;
                }
            };
            follow_key(client, &options, follower, &resync).await;
        }));
    }
    Following { tasks }
}

/// One key: watch it, re-read the newest revision on start, on every
/// reconnect and every `resync_every`; any failure → back off and set up again.
async fn follow_key(
    client: async_nats::Client,
    options: &FollowOptions,
    follower: Arc<Follower>,
    resync: &tokio::sync::Notify,
) {
    let js = jetstream::new(client.clone());
    let name = follower.name().to_owned();
    let mut delay = Duration::from_millis(50);
    let back_off = |delay: &mut Duration| {
        let now = *delay;
        *delay = (*delay * 2).min(options.max_reconnect_delay);
        now
    };
    loop {
        let store = match js.get_key_value(&options.bucket).await {
            Ok(store) => store,
            Err(error) => {
                if client.connection_state() == async_nats::connection::State::Connected {
                    follower.set_error(format!("bucket `{}`: {error}", options.bucket));
                }
                tokio::time::sleep(back_off(&mut delay)).await;
                continue;
            }
        };
        // Watch first, then read the newest: nothing published in between is missed.
        let mut watch = match store.watch(&name).await {
            Ok(watch) => watch,
            Err(error) => {
                follower.set_error(format!("cannot watch `{name}`: {error}"));
                tokio::time::sleep(back_off(&mut delay)).await;
                continue;
            }
        };
        if read_latest(&store, &follower).await {
            delay = Duration::from_millis(50);
        }
        let mut every = tokio::time::interval(options.resync_every);
        every.tick().await;
        loop {
            tokio::select! {
                item = watch.next() => match item {
                    Some(Ok(entry)) => offer_entry(&follower, entry).await,
                    // The watch ended (a lost consumer): back off, then set up again.
                    Some(Err(_)) | None => break,
                },
                () = resync.notified() => { read_latest(&store, &follower).await; }
                _ = every.tick() => { read_latest(&store, &follower).await; }
            }
        }
        tokio::time::sleep(back_off(&mut delay)).await;
    }
}

/// Reads the newest revision and offers it; on success the follower is
/// connected (it knows it is current). Whether the read succeeded.
async fn read_latest(store: &kv::Store, follower: &Arc<Follower>) -> bool {
    match store.entry(follower.name()).await {
        Ok(entry) => {
            if follower.status().state != State::Connected {
                follower.set_state(State::Connected, None);
            }
            match entry {
                Some(entry) => offer_entry(follower, entry).await,
                None if follower.revision().is_none() => {
                    follower.set_error(format!("no ruleset `{}` has been published yet", follower.name()));
                }
                None => {}
            }
            true
        }
        Err(error) => {
            follower.set_error(format!("cannot read `{}`: {error}", follower.name()));
            false
        }
    }
}

/// Offers an entry; compiling runs on the blocking pool, not on a runtime worker.
async fn offer_entry(follower: &Arc<Follower>, entry: kv::Entry) {
    let follower = follower.clone();
    let _ = tokio::task::spawn_blocking(move || match entry.operation {
        kv::Operation::Put => follower.offer(Offer::Value { revision: Some(entry.revision), bytes: &entry.value }),
        kv::Operation::Delete | kv::Operation::Purge => follower.offer(Offer::Deleted { revision: entry.revision }),
    })
    .await;
}
