//! The file source: a `.vx` file on disk, watched by polling (a reload is a
//! changed text; an unreadable or missing file is a lost source, and the last
//! good ruleset keeps serving).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::follower::{Follower, Offer};
use crate::status::State;

/// Follows `path` on the current tokio runtime, reading it every `every`.
/// Dropping the handle stops it.
pub fn follow_file(path: PathBuf, follower: Arc<Follower>, every: Duration) -> FileFollowing {
    let task = tokio::spawn(async move {
        loop {
            poll_once(&path, &follower).await;
            tokio::time::sleep(every).await;
        }
    });
    FileFollowing { task }
}

/// Reads the file once and offers its text (what `follow_file` does each tick).
pub async fn poll_once(path: &std::path::Path, follower: &Follower) {
    let read = async {
        let metadata = tokio::fs::metadata(path).await?;
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
        Ok((text, metadata.modified().ok()))
    };
    match read.await {
        Ok((text, modified)) => {
            if follower.status().state != State::Connected {
                follower.set_state(State::Connected, None);
            }
            follower.offer(Offer::Source { source: &text, modified });
        }
        Err(error) => {
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
