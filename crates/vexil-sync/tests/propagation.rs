//! DISTRIBUTION.md §2–§3 against real nats-server processes (Debian's
//! `nats-server`, JetStream on, temporary storage, free loopback ports):
//! publish → follow → rollback, and every fault the issue lists.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use vexil_sync::nats::{Broker, FollowOptions, Publication, SyncError, follow};
use vexil_sync::testing::{Cluster, NatsServer};
use vexil_sync::{Cache, Follower, Outcome, Published, Readiness, Serving, State};

const V1: &str = "flag mode: string { owner \"t\" default \"legacy\" }\nflag kept: bool { owner \"t\" default true }\n";
const V2: &str = "flag mode: string { owner \"t\" default \"dual\" }\nflag kept: bool { owner \"t\" default true }\nflag added: int { owner \"t\" default 1 }\n";
const V3: &str = "flag mode: string { owner \"t\" default \"new\" }\n";
/// Does not compile: E0204 (the default is not an int).
const BROKEN: &str = "flag mode: int { owner \"t\" default \"two\" }\n";

const PATIENCE: Duration = Duration::from_secs(15);

fn publication<'a>(source: &'a str, message: &'a str) -> Publication<'a> {
    Publication { name: "shop", source, author: "ci", message, expect_revision: None }
}

async fn broker(urls: &str) -> Broker {
    Broker::connect(urls, "vexil_rulesets", Duration::from_secs(5)).await.unwrap()
}

/// Publishes, retrying while JetStream is not ready yet (just started, or
/// electing a leader after a server died).
async fn publish_eventually(urls: &str, source: &str, replicas: usize) -> vexil_sync::nats::PublishResult {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let attempt = async { broker(urls).await.publish(&publication(source, "m"), replicas).await };
        match attempt.await {
            Ok(result) => return result,
            Err(error) if Instant::now() < deadline => {
                eprintln!("publish not yet possible: {error}");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(error) => panic!("publish failed: {error}"),
        }
    }
}

fn serving() -> Arc<Serving> {
    Arc::new(Serving::default())
}

fn mode(target: &Serving) -> Option<String> {
    let ruleset = target.snapshot()?;
    let decision = ruleset.evaluate_json("mode", "{}", vexil::Timestamp::MIN);
    decision.variant.as_deref().map(str::to_owned)
}

/// Serving `expected`, and the status says so too (the status is updated just
/// after the swap, on the blocking pool).
fn settled(follower: &Follower, target: &Serving, expected: &str) -> bool {
    mode(target).as_deref() == Some(expected)
        && follower.status().version == target.snapshot().map(|r| r.version().to_owned())
}

async fn until(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn options(urls: &str) -> FollowOptions {
    let mut options = FollowOptions::new(urls);
    options.max_reconnect_delay = Duration::from_millis(250);
    options
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publish_follow_history_and_rollback() {
    let server = NatsServer::start().unwrap();
    let first = publish_eventually(&server.url(), V1, 1).await;
    assert!(!first.unchanged);
    assert_eq!(first.previous_revision, 0);
    assert_eq!(first.version, vexil::ruleset_version(V1));

    let target = serving();
    let follower = Follower::new("shop", "test", target.clone(), None);
    let _following = follow(&options(&server.url()), vec![follower.clone()]);
    until("v1 serves", || settled(&follower, &target, "legacy")).await;
    let status = follower.status();
    assert_eq!(
        (status.state, status.readiness, status.revision),
        (State::Connected, Readiness::Ready, Some(first.revision))
    );
    assert_eq!(status.stale_for_ms, 0);

    let broker = broker(&server.url()).await;
    let second = broker.publish(&publication(V2, "dual write"), 1).await.unwrap();
    assert_eq!(second.previous_revision, first.revision);
    until("v2 serves", || settled(&follower, &target, "dual")).await;
    assert_eq!(follower.status().version.as_deref(), Some(second.version.as_str()));

    // Publishing the same source again writes nothing and says so.
    let again = broker.publish(&publication(V2, "again"), 1).await.unwrap();
    assert!(again.unchanged);
    assert_eq!(again.revision, second.revision);

    let history = broker.history("shop").await.unwrap();
    assert_eq!(history.iter().map(|h| h.revision).collect::<Vec<_>>(), vec![first.revision, second.revision]);
    assert_eq!(history[0].added, vec!["kept", "mode"]);
    assert_eq!(history[1].added, vec!["added"]);
    assert_eq!(history[1].changed, vec!["mode"]);
    assert!(history[1].removed.is_empty());
    assert_eq!(history[1].message.as_deref(), Some("dual write"));
    assert_eq!(history[1].author.as_deref(), Some("ci"));

    // Rollback republishes revision 1's source as a new revision.
    let rolled = broker.rollback("shop", first.revision, "ops", None).await.unwrap();
    assert!(rolled.revision > second.revision);
    assert_eq!(rolled.version, first.version);
    until("the rollback serves", || settled(&follower, &target, "legacy")).await;
    let history = broker.history("shop").await.unwrap();
    let last = history.last().unwrap();
    assert_eq!(last.removed, vec!["added"]);
    assert!(last.message.as_deref().unwrap().starts_with("rollback to revision"), "{last:?}");
    assert!(matches!(broker.rollback("shop", 999, "ops", None).await, Err(SyncError::NoSuchRevision { .. })));
    assert!(matches!(broker.history("nosuch").await, Err(SyncError::NotFound { .. })), "no hang on a missing key");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_or_forged_revision_leaves_followers_on_the_last_good_one() {
    let server = NatsServer::start().unwrap();
    publish_eventually(&server.url(), V1, 1).await;
    let broker = broker(&server.url()).await;

    // The checked path refuses to publish a broken ruleset and writes nothing.
    let refused = broker.publish(&publication(BROKEN, "oops"), 1).await;
    match refused {
        Err(SyncError::DoesNotCompile(errors)) => assert!(errors[0].starts_with("E0204"), "{errors:?}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(broker.history("shop").await.unwrap().len(), 1);

    let target = serving();
    let follower = Follower::new("shop", "test", target.clone(), None);
    let _following = follow(&options(&server.url()), vec![follower.clone()]);
    until("v1 serves", || settled(&follower, &target, "legacy")).await;

    // Published by force, bypassing the check: a well-formed value whose source does not compile.
    let forced = Published::new("shop", BROKEN, "mallory", "forced", "2026-11-30T00:00:00.000Z".into(), 1);
    let revision = broker.put_unchecked("shop", forced.to_json()).await.unwrap();
    until("the broken revision is rejected", || follower.status().rejected.is_some()).await;
    let status = follower.status();
    let rejected = status.rejected.unwrap();
    assert_eq!(rejected.revision, Some(revision));
    assert_eq!(rejected.version.as_deref(), Some(forced.version.as_str()));
    assert!(rejected.errors[0].starts_with("E0204"), "{:?}", rejected.errors);
    assert_eq!(status.version.as_deref(), Some(vexil::ruleset_version(V1).as_str()));
    assert_eq!(status.readiness, Readiness::Ready);
    assert_eq!(mode(&target).as_deref(), Some("legacy"));

    // A forged version and plain garbage are refused the same way.
    let mut forged = Published::new("shop", V3, "mallory", "forged", "2026-11-30T00:00:00.000Z".into(), 1);
    forged.version = "0000000000000000".into();
    let revision = broker.put_unchecked("shop", forged.to_json()).await.unwrap();
    until("the forged revision is rejected", || {
        follower.status().rejected.as_ref().is_some_and(|r| r.revision == Some(revision))
    })
    .await;
    assert!(follower.status().rejected.unwrap().errors[0].contains("hashes to"));
    let revision = broker.put_unchecked("shop", b"not json".to_vec()).await.unwrap();
    until("garbage is rejected", || follower.status().rejected.as_ref().is_some_and(|r| r.revision == Some(revision)))
        .await;
    assert_eq!(mode(&target).as_deref(), Some("legacy"));

    // The next good revision serves and clears `rejected`.
    broker.publish(&publication(V2, "fixed"), 1).await.unwrap();
    until("v2 serves", || settled(&follower, &target, "dual")).await;
    assert_eq!(follower.status().rejected, None);

    // A deleted key keeps the last good ruleset serving, and says so.
    broker.delete("shop").await.unwrap();
    until("the deletion is reported", || follower.status().last_error.is_some_and(|e| e.contains("deleted"))).await;
    assert_eq!(mode(&target).as_deref(), Some("dual"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn followers_keep_serving_through_a_broker_outage_and_catch_up() {
    let mut server = NatsServer::start().unwrap();
    publish_eventually(&server.url(), V1, 1).await;
    let target = serving();
    let follower = Follower::new("shop", "test", target.clone(), None);
    let _following = follow(&options(&server.url()), vec![follower.clone()]);
    until("v1 serves", || settled(&follower, &target, "legacy")).await;

    server.kill();
    until("the follower notices", || follower.status().state == State::Disconnected).await;
    let first = follower.status().stale_for_ms;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let status = follower.status();
    assert!(status.stale_for_ms >= first + 250, "staleness grows: {first} → {}", status.stale_for_ms);
    assert_eq!(status.readiness, Readiness::Stale);
    assert_eq!(mode(&target).as_deref(), Some("legacy"), "evaluation goes on without the broker");

    server.restart().unwrap();
    let newest = publish_eventually(&server.url(), V2, 1).await;
    until("the follower catches up", || settled(&follower, &target, "dual")).await;
    until("connected again", || follower.status().state == State::Connected).await;
    let status = follower.status();
    assert_eq!((status.revision, status.stale_for_ms, status.readiness), (Some(newest.revision), 0, Readiness::Ready));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follower_started_while_the_broker_is_down_serves_from_its_cache() {
    let mut server = NatsServer::start().unwrap();
    let published = publish_eventually(&server.url(), V1, 1).await;
    let cache_dir = tempfile::tempdir().unwrap();
    let cache = Cache { dir: cache_dir.path().to_path_buf() };
    {
        let target = serving();
        let follower = Follower::new("shop", "test", target.clone(), Some(cache.clone()));
        let _following = follow(&options(&server.url()), vec![follower.clone()]);
        until("v1 serves", || settled(&follower, &target, "legacy")).await;
        // The cache is written just after the swap (on the blocking pool).
        until("the cache is written", || cache_dir.path().join("shop.json").exists()).await;
    }
    server.kill();

    let started = Instant::now();
    let target = serving();
    let follower = Follower::new("shop", "test", target.clone(), Some(cache.clone()));
    assert_eq!(follower.load_cache(), Outcome::Loaded);
    let _following = follow(&options(&server.url()), vec![follower.clone()]);
    // Serving as soon as the cache is read: nothing waits for the broker.
    assert_eq!(mode(&target).as_deref(), Some("legacy"));
    let elapsed = started.elapsed();
    eprintln!("serving from the cache {} µs after start, broker down", elapsed.as_micros());
    assert!(elapsed < Duration::from_secs(1), "{elapsed:?}: it must not wait for the broker");
    let status = follower.status();
    assert!(status.from_cache);
    assert_eq!(status.revision, Some(published.revision));
    assert_ne!(status.readiness, Readiness::Ready);

    // The broker comes back: the cached revision is confirmed (no new publish needed), then newer ones follow.
    server.restart().unwrap();
    until("the cached revision is confirmed", || {
        let status = follower.status();
        !status.from_cache && status.state == State::Connected
    })
    .await;
    assert_eq!(follower.status().readiness, Readiness::Ready);
    publish_eventually(&server.url(), V2, 1).await;
    until("v2 serves", || settled(&follower, &target, "dual")).await;
    assert!(!follower.status().from_cache);
}

#[test]
fn a_corrupt_or_mismatched_cache_is_ignored_never_served() {
    let cache_dir = tempfile::tempdir().unwrap();
    let cache = Cache { dir: cache_dir.path().to_path_buf() };
    let path = cache_dir.path().join("shop.json");
    let target = serving();
    let follower = Follower::new("shop", "test", target.clone(), Some(cache.clone()));
    assert_eq!(follower.load_cache(), Outcome::Unchanged, "no cache file yet");

    std::fs::write(&path, b"{\"revision\": 3, \"record\": {trunc").unwrap();
    assert_eq!(follower.load_cache(), Outcome::Rejected);
    assert!(target.snapshot().is_none());
    assert!(follower.status().last_error.unwrap().contains("ignored the cache file"));

    let mut record = Published::new("shop", V1, "a", "m", "2026-11-30T00:00:00.000Z".into(), 0);
    record.source = V3.to_owned(); // the version no longer matches the source
    let file = serde_json::json!({ "source": "test", "revision": 3, "record": record });
    std::fs::write(&path, file.to_string()).unwrap();
    assert_eq!(follower.load_cache(), Outcome::Rejected);
    assert!(target.snapshot().is_none());

    let good = Published::new("shop", V1, "a", "m", "2026-11-30T00:00:00.000Z".into(), 0);
    let elsewhere =
        serde_json::json!({ "source": "nats://elsewhere/vexil_rulesets/shop", "revision": 3, "record": good });
    std::fs::write(&path, elsewhere.to_string()).unwrap();
    assert_eq!(follower.load_cache(), Outcome::Rejected, "a cache written for another source");
    assert!(follower.status().last_error.unwrap().contains("written for"));

    let other = Published::new("other", V1, "a", "m", "2026-11-30T00:00:00.000Z".into(), 0);
    std::fs::write(&path, serde_json::json!({ "source": "test", "revision": 3, "record": other }).to_string()).unwrap();
    assert_eq!(follower.load_cache(), Outcome::Rejected, "another ruleset's cache");
    assert!(target.snapshot().is_none());
    assert_eq!(follower.status().readiness, Readiness::NotReady);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_two_concurrent_publishers_exactly_one_wins() {
    let server = NatsServer::start().unwrap();
    let base = publish_eventually(&server.url(), V1, 1).await;
    let url = server.url();
    let mut expected = base.revision;
    for round in 0..10 {
        let sources = [format!("{V2}// round {round} a\n"), format!("{V2}// round {round} b\n")];
        let attempts = sources.iter().map(|source| {
            let url = url.clone();
            let source = source.clone();
            tokio::spawn(async move {
                let broker = broker(&url).await;
                let publication = Publication { expect_revision: Some(expected), ..publication(&source, "race") };
                broker.publish(&publication, 1).await
            })
        });
        let results: Vec<_> = futures_util::future::join_all(attempts).await.into_iter().map(Result::unwrap).collect();
        let winners: Vec<_> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
        assert_eq!(winners.len(), 1, "round {round}: {results:?}");
        let winner = winners[0];
        let loser = results.iter().find_map(|r| r.as_ref().err()).unwrap();
        match loser {
            SyncError::Conflict { expected: e, revision, version } => {
                assert_eq!(*e, expected);
                assert_eq!(
                    (*revision, version.as_str()),
                    (winner.revision, winner.version.as_str()),
                    "names the winner"
                );
            }
            other => panic!("round {round}: {other:?}"),
        }
        expected = winner.revision;
    }
    // No revision lost: 1 + 10 winners, in order.
    let history = broker(&url).await.history("shop").await.unwrap();
    assert_eq!(history.len(), 11);
    assert!(history.windows(2).all(|w| w[0].revision < w[1].revision));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_three_server_cluster_keeps_propagating_when_one_dies() {
    let mut cluster = Cluster::start(3).unwrap();
    let urls = cluster.urls();
    publish_eventually(&urls, V1, 3).await;
    let target = serving();
    let follower = Follower::new("shop", "test", target.clone(), None);
    let _following = follow(&options(&urls), vec![follower.clone()]);
    until("v1 serves", || settled(&follower, &target, "legacy")).await;

    cluster.servers[0].kill();
    let survivors = cluster.servers[1..].iter().map(NatsServer::url).collect::<Vec<_>>().join(",");
    publish_eventually(&survivors, V2, 3).await;
    until("v2 serves after a server died", || settled(&follower, &target, "dual")).await;
    // Both revisions survive on the remaining replicas (reads may wait out a leader election).
    let deadline = Instant::now() + PATIENCE;
    let history = loop {
        match broker(&survivors).await.history("shop").await {
            Ok(history) => break history,
            Err(error) if Instant::now() < deadline => eprintln!("history not yet readable: {error}"),
            Err(error) => panic!("{error}"),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(history.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watched_file_reloads_and_keeps_the_last_good_text() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shop.vx");
    std::fs::write(&path, V1).unwrap();
    let target = serving();
    let follower = Follower::new("shop", &path.display().to_string(), target.clone(), None);
    let _following = vexil_sync::file::follow_file(path.clone(), follower.clone(), Duration::from_millis(20));
    until("v1 serves", || settled(&follower, &target, "legacy")).await;
    assert_eq!(follower.status().revision, None);

    std::fs::write(&path, BROKEN).unwrap();
    until("the broken text is rejected", || follower.status().rejected.is_some()).await;
    assert_eq!(mode(&target).as_deref(), Some("legacy"));

    // Reverting the bad edit clears `rejected`: nothing newer was refused any more.
    std::fs::write(&path, V1).unwrap();
    until("the revert clears `rejected`", || follower.status().rejected.is_none()).await;

    std::fs::write(&path, V2).unwrap();
    until("v2 serves", || settled(&follower, &target, "dual")).await;
    assert_eq!(follower.status().rejected, None);

    std::fs::remove_file(&path).unwrap();
    until("the lost file is reported", || follower.status().state == State::Disconnected).await;
    assert_eq!(follower.status().readiness, Readiness::Stale);
    assert_eq!(mode(&target).as_deref(), Some("dual"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_value_over_the_max_payload_is_refused_before_anything_is_written() {
    let server = NatsServer::start().unwrap();
    publish_eventually(&server.url(), V1, 1).await;
    // A ruleset that compiles but whose published value exceeds the default 1 MiB payload.
    let padded = format!("{V2}// {}\n", "x".repeat(1 << 20));
    let broker = broker(&server.url()).await;
    match broker.publish(&publication(&padded, "too big"), 1).await {
        Err(SyncError::TooLarge { size, max }) => assert!(size > max, "{size} > {max}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(broker.history("shop").await.unwrap().len(), 1, "nothing was written");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follower_drives_the_native_live_ruleset_too() {
    let server = NatsServer::start().unwrap();
    publish_eventually(&server.url(), V2, 1).await;
    // A service that started from a bundled ruleset, then follows the broker.
    let live = Arc::new(vexil::LiveRuleset::new(V1, vexil::CheckOptions::default()).unwrap());
    let follower = Follower::new("shop", "test", live.clone(), None);
    let _following = follow(&options(&server.url()), vec![follower.clone()]);
    let mode =
        || live.snapshot().evaluate_json("mode", "{}", vexil::Timestamp::MIN).variant.as_deref().map(str::to_owned);
    until("the published revision replaces the bundled one", || mode().as_deref() == Some("dual")).await;
}
