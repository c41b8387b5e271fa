//! The file source: a `.vx` file on disk, watched by polling (a reload is a
//! changed text; an unreadable or missing file is a lost source, and the last
//! good ruleset keeps serving).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::AsyncReadExt;

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
/// offers its text (what `follow_file` does each tick). Compiling runs on the
/// blocking pool.
pub async fn poll_once(path: &std::path::Path, follower: &Arc<Follower>, seen: &mut Option<Stamp>) {
    let too_large = |len: u64| {
        std::io::Error::other(format!(
            "the file is {len} bytes, over the {} bytes a ruleset may have",
            vexil::limits::MAX_SOURCE_BYTES
        ))
    };
    let read = async {
        // `stat` by path first: opening a FIFO would block until a writer comes.
        let metadata = tokio::fs::metadata(path).await?;
        if !metadata.is_file() {
            return Err(std::io::Error::other("not a regular file"));
        }
        if seen.as_ref() == Some(&stamp(&metadata)) {
            return Ok(None);
        }
        if metadata.len() > vexil::limits::MAX_SOURCE_BYTES as u64 {
            return Err(too_large(metadata.len()));
        }
        // Then read through the handle, checked again and bounded: the path may
        // have been replaced, or the file may grow, after the stat.
        let file = tokio::fs::File::open(path).await?;
        let opened = file.metadata().await?;
        if !opened.is_file() {
            return Err(std::io::Error::other("not a regular file"));
        }
        let mut bytes = Vec::new();
        file.take(vexil::limits::MAX_SOURCE_BYTES as u64 + 1).read_to_end(&mut bytes).await?;
        if bytes.len() > vexil::limits::MAX_SOURCE_BYTES {
            return Err(too_large(bytes.len() as u64));
        }
        let text = String::from_utf8(bytes).map_err(|_| std::io::Error::other("the file is not UTF-8"))?;
        Ok(Some((text, opened.modified().ok(), stamp(&opened))))
    };
    match read.await {
        Ok(None) => {}
        Ok(Some((text, modified, now))) => {
            *seen = Some(now);
            if follower.status().state != State::Connected {
                follower.set_state(State::Connected, None);
            }
            let follower = follower.clone();
            let _ =
                tokio::task::spawn_blocking(move || follower.offer(Offer::Source { source: &text, modified })).await;
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
