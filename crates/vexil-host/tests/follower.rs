#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! One `vexil-sync` follower feeding a wasmtime `HostRuleset` from a real
//! nats-server: published revisions reach the plugin, a broken one is refused
//! there and the last good ruleset keeps answering inside the sandbox.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use vexil::Timestamp;
use vexil_host::{Config, Engine, HostRuleset};
use vexil_sync::nats::{Broker, FollowOptions, Publication, follow};
use vexil_sync::testing::NatsServer;
use vexil_sync::{Follower, Published, Target};

const V1: &str = "flag mode: string { owner \"t\" default \"legacy\" }\n";
const V2: &str = "flag mode: string { owner \"t\" default \"dual\" }\n";

/// The adapter a wasmtime host writes: the first source compiles a
/// `HostRuleset`, later ones `reload` it (which keeps the old one on failure).
fn host_target(engine: Engine, slot: Arc<Mutex<Option<HostRuleset>>>) -> impl Target {
    move |source: &str| -> Result<(), Vec<String>> {
        let mut slot = slot.lock().unwrap_or_else(PoisonError::into_inner);
        match slot.as_ref() {
            Some(hosted) => hosted.reload(source).map_err(|e| vec![e.to_string()]),
            None => {
                *slot = Some(engine.compile(source).map_err(|e| vec![e.to_string()])?);
                Ok(())
            }
        }
    }
}

fn mode(slot: &Mutex<Option<HostRuleset>>) -> Option<String> {
    let slot = slot.lock().unwrap_or_else(PoisonError::into_inner);
    slot.as_ref()?.evaluate("mode", "{}", Timestamp::MIN).variant.as_deref().map(str::to_owned)
}

async fn until(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follower_drives_a_wasmtime_host_ruleset() {
    let server = NatsServer::start().unwrap();
    let broker = Broker::connect(&server.url(), "vexil_rulesets", Duration::from_secs(5)).await.unwrap();
    let publication = |source| Publication { name: "shop", source, author: "ci", message: "", expect_revision: None };
    let deadline = Instant::now() + Duration::from_secs(15);
    while let Err(error) = broker.publish(&publication(V1), 1).await {
        assert!(Instant::now() < deadline, "{error}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    let engine = Engine::new(Config::default()).unwrap();
    let slot = Arc::new(Mutex::new(None));
    let follower = Follower::new("shop", "test", Arc::new(host_target(engine, slot.clone())), None);
    let _following = follow(&FollowOptions::new(&server.url()), vec![follower.clone()]);
    until("v1 answers in the plugin", || {
        let ok = mode(&slot).as_deref() == Some("legacy");
        if !ok {
            eprintln!("{:?}", follower.status());
        }
        ok
    })
    .await;

    broker.publish(&publication(V2), 1).await.unwrap();
    until("v2 answers in the plugin", || mode(&slot).as_deref() == Some("dual")).await;

    let broken = Published::new(
        "shop",
        "flag mode: int { owner \"t\" default \"x\" }",
        "m",
        "",
        "2026-11-30T00:00:00.000Z".into(),
        2,
    );
    let revision = broker.put_unchecked("shop", broken.to_json()).await.unwrap();
    until("the plugin refuses the broken revision", || {
        follower.status().rejected.is_some_and(|r| r.revision == Some(revision))
    })
    .await;
    assert_eq!(mode(&slot).as_deref(), Some("dual"), "the last good ruleset keeps answering");
    assert_eq!(follower.status().version, Some(vexil::ruleset_version(V2)));
}
