//! `vexil publish`, `history`, `rollback` and `follow` as a user runs them,
//! against a real nats-server (Debian's, started on a free port).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use vexil_sync::testing::NatsServer;

const V1: &str = "flag mode: string { owner \"t\" default \"legacy\" }\n";
const V2: &str = "flag mode: string { owner \"t\" default \"dual\" }\nflag extra: bool { owner \"t\" default true }\n";

fn vexil(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vexil")).args(args).current_dir(dir).env("VEXIL_AUTHOR", "ci").output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Publishes, retrying while a just-started JetStream is not ready.
fn publish(args: &[&str], dir: &Path) -> Output {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let output = vexil(args, dir);
        if output.status.code() != Some(1) || !text(&output.stderr).contains("NATS:") || Instant::now() > deadline {
            return output;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn publish_history_rollback_and_follow() {
    let server = NatsServer::start().unwrap();
    let url = server.url();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path();
    std::fs::write(path.join("shop.vx"), V1).unwrap();

    let first = publish(&["publish", "shop.vx", "--nats", &url, "--message", "first"], path);
    assert!(first.status.success(), "{}", text(&first.stderr));
    let v1 = vexil::ruleset_version(V1);
    assert_eq!(text(&first.stdout), format!("published shop revision 1 version {v1}\n"));

    let again = vexil(&["publish", "shop.vx", "--nats", &url], path);
    assert!(again.status.success());
    assert!(text(&again.stdout).starts_with("unchanged: shop revision 1"), "{}", text(&again.stdout));

    // Errors publish nothing: diagnostics, exit 1.
    std::fs::write(path.join("broken.vx"), "flag mode: int { owner \"t\" default \"x\" }\n").unwrap();
    let broken = vexil(&["publish", "broken.vx", "--name", "shop", "--nats", &url], path);
    assert_eq!(broken.status.code(), Some(1));
    assert!(text(&broken.stderr).contains("E0204"), "{}", text(&broken.stderr));
    assert!(text(&broken.stderr).contains("nothing was published"));

    // A follower prints its status as JSON lines.
    let mut follow = Command::new(env!("CARGO_BIN_EXE_vexil"))
        .args(["follow", "shop", "--nats", &url])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(follow.stdout.take().unwrap()).lines();
    let mut wait_for = |version: &str| loop {
        let line = lines.next().expect("follow printed a line").unwrap();
        let status: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(status["name"], "shop");
        if status["version"] == version {
            assert_eq!(status["readiness"], "READY", "{line}");
            assert_eq!(status["state"], "connected");
            return status;
        }
    };
    let status = wait_for(&v1);
    assert_eq!(status["revision"], 1);

    std::fs::write(path.join("shop.vx"), V2).unwrap();
    let second = vexil(&["publish", "shop.vx", "--nats", &url, "--message", "dual", "--format", "json"], path);
    assert!(second.status.success(), "{}", text(&second.stderr));
    let result: serde_json::Value = serde_json::from_slice(&second.stdout).unwrap();
    assert_eq!(result["revision"], 2);
    assert_eq!(result["previous_revision"], 1);
    assert_eq!(result["unchanged"], false);
    let v2 = vexil::ruleset_version(V2);
    assert_eq!(wait_for(&v2)["revision"], 2);

    // A pipeline that read revision 1 loses the race: exit 3, naming the winner.
    std::fs::write(path.join("shop.vx"), format!("{V2}// late\n")).unwrap();
    let late = vexil(&["publish", "shop.vx", "--nats", &url, "--expect-revision", "1", "--format", "json"], path);
    assert_eq!(late.status.code(), Some(3), "{}", text(&late.stderr));
    let error: serde_json::Value = serde_json::from_slice(&late.stdout).unwrap();
    assert_eq!(error["error"]["code"], "conflict");
    assert_eq!(error["error"]["revision"], 2);
    assert_eq!(error["error"]["version"], v2.as_str());

    let history = vexil(&["history", "shop", "--nats", &url], path);
    let history = text(&history.stdout);
    let rows: Vec<&str> = history.lines().collect();
    assert_eq!(rows.len(), 2, "{history}");
    assert!(rows[0].contains(&v1) && rows[0].contains("+mode") && rows[0].contains("\"first\""), "{history}");
    assert!(rows[1].contains("+extra ~mode") && rows[1].contains(" ci "), "{history}");

    let rollback = vexil(&["rollback", "shop", "--to", "1", "--nats", &url], path);
    assert!(rollback.status.success(), "{}", text(&rollback.stderr));
    assert_eq!(text(&rollback.stdout), format!("published shop revision 3 version {v1}\n"));
    assert_eq!(wait_for(&v1)["revision"], 3);

    let json = vexil(&["history", "shop", "--nats", &url, "--format", "json"], path);
    let json: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let revisions = json["revisions"].as_array().unwrap();
    assert_eq!(revisions.len(), 3);
    assert_eq!(revisions[2]["removed"], serde_json::json!(["extra"]));
    assert_eq!(revisions[2]["message"], "rollback to revision 1 (version ".to_owned() + &v1 + ")");

    // --diff: under each revision, what changed in meaning from the one before.
    let diffs = vexil(&["history", "shop", "--nats", &url, "--diff"], path);
    let shown = text(&diffs.stdout);
    // Revision 2: mode's default (and so its unwritten `off` and `on_error`, LANGUAGE.md §5)
    // "legacy" → "dual"; extra is new.
    assert!(shown.contains("        flag mode:\n            default: \"legacy\"  →  \"dual\"\n            off: \"legacy\"  →  \"dual\"\n            on_error: \"legacy\"  →  \"dual\"\n        flag extra: added\n"), "{shown}");
    // Revision 3 (the rollback): back again, extra gone.
    assert!(
        shown.contains("            default: \"dual\"  →  \"legacy\"") && shown.contains("        flag extra: removed"),
        "{shown}"
    );
    let json = vexil(&["history", "shop", "--nats", &url, "--diff", "--format", "json"], path);
    let json: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let revisions = json["revisions"].as_array().unwrap();
    assert!(revisions[0].get("diff").is_none(), "the first revision has nothing before it");
    assert_eq!(
        revisions[1]["diff"]["flags"][1],
        serde_json::json!({"flag": "extra", "change": "added", "clauses": [], "rules": [], "splits": []})
    );
    assert!(revisions[1].get("source").is_none(), "sources stay out of the JSON");

    follow.kill().unwrap();
    let _ = follow.wait();
}

#[test]
fn an_unreachable_broker_is_exit_4_and_bad_names_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Shop.vx"), V1).unwrap();
    let port = vexil_sync::testing::free_port().unwrap();
    let url = format!("nats://127.0.0.1:{port}");
    let output = vexil(&["publish", "Shop.vx", "--name", "shop", "--nats", &url], dir.path());
    assert_eq!(output.status.code(), Some(4), "{}", text(&output.stderr));
    assert!(text(&output.stderr).contains("cannot reach NATS"));

    let output = vexil(&["publish", "Shop.vx", "--nats", &url], dir.path());
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("is not a ruleset name"), "{}", text(&output.stderr));
}
