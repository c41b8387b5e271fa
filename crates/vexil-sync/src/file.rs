//! The file source: a `.vx` file on disk, watched by polling (a reload is a
//! changed text; an unreadable or missing file is a lost source, and the last
//! good ruleset keeps serving).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::follower::{Follower, Offer};
use crate::status::State;

/// Follows `path` on the current tokio runtime, looking at it every `every`
/// (a `stat`; the file is read only when its size, modification time or
/// inode changed). Dropping the handle stops it.
pub fn follow_file(path: PathBuf, follower: Arc<Follower>, every: Duration) -> FileFollowing {
    let task = tokio::spawn(async move {
        let mut seen = None;
        loop {
            poll_once(&path, &follower, &mut seen).await;
            tokio::time::sleep(every).await;
        }
    });
    FileFollowing { task }
}

/// What identifies a version of the file without reading it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    len: u64,
    modified: Option<std::time::SystemTime>,
    inode: u64,
}

fn stamp(metadata: &std::fs::Metadata) -> Stamp {
    #[cfg(unix)]
    let inode = std::os::unix::fs::MetadataExt::ino(metadata);
    #[cfg(not(unix))]
    let inode = 0;
    Stamp { len: metadata.len(), modified: metadata.modified().ok(), inode }
}

/// Looks at the file once and, if it changed since `seen`, reads it and
/// offers its text (what `follow_file` does each tick).
pub async fn poll_once(path: &std::path::Path, follower: &Follower, seen: &mut Option<Stamp>) {
    let read = async {
        let metadata = tokio::fs::metadata(path).await?;
        let now = stamp(&metadata);
        if seen.as_ref() == Some(&now) {
            return Ok(None);
        }
        // A FIFO or a device (`/dev/zero`) would block or never end: only regular files are read.
        if !metadata.is_file() {
            return Err(std::io::Error::other("not a regular file"));
        }
        if metadata.len() > vexil::limits::MAX_SOURCE_BYTES as u64 {
            return Err(std::io::Error::other(format!(
                "the file is {} bytes, over the {} bytes a ruleset may have",
                metadata.len(),
                vexil::limits::MAX_SOURCE_BYTES
            )));
        }
        let bytes = tokio::fs::read(path).await?;
        let text = String::from_utf8(bytes).map_err(|_| std::io::Error::other("the file is not UTF-8"))?;
        Ok(Some((text, metadata.modified().ok(), now)))
    };
    match read.await {
        Ok(None) => {}
        Ok(Some((text, modified, now))) => {
            *seen = Some(now);
            if follower.status().state != State::Connected {
                follower.set_state(State::Connected, None);
            }
            follower.offer(Offer::Source { source: &text, modified });
        }
        Err(error) => {
            *seen = None;
            let message = format!("cannot read {}: {error}", path.display());
            let status = follower.status();
            if status.state != State::Disconnected || status.last_error.as_deref() != Some(message.as_str()) {
                follower.set_state(State::Disconnected, Some(message));
            }
        }
    }
}

/// A running file follower; dropping it stops the polling.
#[derive(Debug)]
pub struct FileFollowing {
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FileFollowing {
    fn drop(&mut self) {
        self.task.abort();
    }
}
