//! The server's HTTP face against a plain client: OFREP answers and errors,
//! delivery and event streams, access control, and the hostile clients that
//! broke the old `vexil serve`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::io::{BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde_json::json;
use support::*;

const ADULT: &str = r#"{"context":{"targetingKey":"u-1","user":{"id":"u-1","age":30}}}"#;

#[test]
fn ofrep_single_bulk_and_every_error_body() {
    let running = start(&[("shop.vx", SHOP), ("other.vx", OTHER)], |_| {});
    let version = vexil::ruleset_version(SHOP);

    let reply = post(&running, "/r/shop/ofrep/v1/evaluate/flags/banner", ADULT);
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert_eq!(
        reply.json(),
        json!({"key":"banner","value":"adult","variant":"adult","reason":"TARGETING_MATCH",
               "metadata":{"ruleset":"shop","ruleset_version":version,"rule":"adults"}})
    );

    // A missing attribute: the flag's on_error value, answered 200 so a provider returns it.
    let reply = post(&running, "/r/shop/ofrep/v1/evaluate/flags/banner", r#"{"context":{"user":{"id":"u-1"}}}"#);
    assert_eq!(reply.status, 200);
    let body = reply.json();
    assert_eq!((body["value"].clone(), body["reason"].clone()), (json!("safe"), json!("ERROR")));
    assert_eq!(body["metadata"]["errorCode"], "INVALID_CONTEXT");

    // PREREQUISITE_FAILED → DEFAULT, naming the prerequisite.
    let body = post(&running, "/r/shop/ofrep/v1/evaluate/flags/limit", ADULT).json();
    assert_eq!(
        (body["value"].clone(), body["reason"].clone(), body["metadata"]["prerequisite"].clone()),
        (json!(10), json!("DEFAULT"), json!("gate"))
    );

    // The prefix selects a ruleset; the default is the first by name ("other").
    assert_eq!(post(&running, "/r/other/ofrep/v1/evaluate/flags/mode", "{}").json()["value"], "legacy");
    assert_eq!(post(&running, "/ofrep/v1/evaluate/flags/mode", "{}").json()["value"], "legacy");
    let reply = post(&running, "/r/nope/ofrep/v1/evaluate/flags/mode", "{}");
    assert_eq!((reply.status, reply.json()["errorCode"].clone()), (404, json!("RULESET_NOT_FOUND")));

    let reply = post(&running, "/r/shop/ofrep/v1/evaluate/flags/missing", ADULT);
    assert_eq!(reply.status, 404);
    assert_eq!(
        (reply.json()["key"].clone(), reply.json()["errorCode"].clone()),
        (json!("missing"), json!("FLAG_NOT_FOUND"))
    );
    let reply = post(&running, "/r/shop/ofrep/v1/evaluate/flags/banner", "{not json");
    assert_eq!(
        (reply.status, reply.json()["errorCode"].clone(), reply.json()["key"].clone()),
        (400, json!("PARSE_ERROR"), json!("banner"))
    );
    let reply = post(&running, "/r/shop/ofrep/v1/evaluate/flags/banner", r#"{"context":"u-1"}"#);
    assert_eq!((reply.status, reply.json()["errorCode"].clone()), (400, json!("INVALID_CONTEXT")));
    let reply = request(&running, "GET", "/r/shop/ofrep/v1/evaluate/flags/banner", "", b"");
    assert_eq!((reply.status, reply.json()["errorCode"].clone()), (405, json!("METHOD_NOT_ALLOWED")));
    let huge = vec![b' '; 10 << 20];
    let reply = request(&running, "POST", "/r/shop/ofrep/v1/evaluate/flags/banner", "", &huge);
    assert_eq!(reply.status, 413);
    assert!(reply.json()["errorCode"].is_string());

    // Bulk: every flag, an ETag, 304 when nothing changed, and the event stream to follow.
    let reply = post(&running, "/r/shop/ofrep/v1/evaluate/flags", ADULT);
    assert_eq!(reply.status, 200);
    let body = reply.json();
    let keys: Vec<&str> = body["flags"].as_array().unwrap().iter().map(|f| f["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["gate", "banner", "limit"]);
    assert_eq!(
        body["eventStreams"],
        json!([{ "type": "sse", "endpoint": { "requestUri": "/r/shop/ofrep/v1/events" } }])
    );
    let etag = reply.header("etag").unwrap().to_owned();
    assert!(etag.starts_with(&format!("\"{version}-")), "{etag}");
    let again = request(
        &running,
        "POST",
        "/r/shop/ofrep/v1/evaluate/flags",
        &format!("If-None-Match: {etag}\r\n"),
        ADULT.as_bytes(),
    );
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    let other_context = request(
        &running,
        "POST",
        "/r/shop/ofrep/v1/evaluate/flags",
        &format!("If-None-Match: {etag}\r\n"),
        br#"{"context":{"user":{"id":"u-2","age":3}}}"#,
    );
    assert_eq!(other_context.status, 200, "another context, other answers");
    let reply = post(&running, "/r/shop/ofrep/v1/evaluate/flags", "[]");
    assert_eq!((reply.status, reply.json()["errorCode"].clone()), (400, json!("PARSE_ERROR")));
    assert!(reply.json().get("key").is_none());

    // Still serving after all of that.
    assert_eq!(get(&running, "/healthz").status, 200);
    let metrics = String::from_utf8(get(&running, "/metrics").body).unwrap();
    assert!(
        metrics.contains("vexil_evaluations_total{ruleset=\"shop\",flag=\"banner\",reason=\"TARGETING_MATCH\"}"),
        "{metrics}"
    );
    assert!(
        metrics.contains("vexil_evaluations_total{ruleset=\"shop\",flag=\"\",reason=\"FLAG_NOT_FOUND\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains(&format!("vexil_ruleset_info{{ruleset=\"shop\",version=\"{version}\",revision=\"\"}} 1")),
        "{metrics}"
    );
    assert!(metrics.contains("vexil_follower_state{ruleset=\"shop\",state=\"connected\"} 1"), "{metrics}");
    running.stop();
}

#[test]
fn ruleset_delivery_and_change_events_follow_the_file() {
    let running = start(&[("shop.vx", SHOP)], |_| {});
    let v1 = vexil::ruleset_version(SHOP);
    let reply = get(&running, "/v1/rulesets/shop");
    assert_eq!(reply.status, 200);
    let record = reply.json();
    assert_eq!(
        (record["name"].clone(), record["version"].clone(), record["source"].clone()),
        (json!("shop"), json!(v1), json!(SHOP))
    );
    let etag = reply.header("etag").unwrap().to_owned();
    assert_eq!(etag, format!("\"{v1}\""));
    assert_eq!(request(&running, "GET", "/v1/rulesets/shop", &format!("If-None-Match: {etag}\r\n"), b"").status, 304);
    assert_eq!(get(&running, "/v1/rulesets/nope").status, 404);

    let (status, mut versions) = Events::open(&running, "/v1/rulesets/shop/events", "");
    assert_eq!(status, 200);
    let (name, data) = versions.next_event();
    assert_eq!(name.as_deref(), Some("version"));
    assert_eq!(serde_json::from_str::<serde_json::Value>(&data).unwrap()["version"], v1.as_str());
    let (status, mut refetch) = Events::open(&running, "/r/shop/ofrep/v1/events", "");
    assert_eq!(status, 200);

    let v2_source = SHOP.replace("default 10", "default 20");
    let changed = Instant::now();
    write_file(&running.path("shop.vx"), &v2_source);
    let (_, data) = versions.next_event();
    eprintln!("file change → version event: {} ms (file polled every 20 ms)", changed.elapsed().as_millis());
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&data).unwrap()["version"],
        vexil::ruleset_version(&v2_source).as_str()
    );
    let (name, data) = refetch.next_event();
    assert!(name.is_none() || name.as_deref() == Some("message"), "{name:?}");
    assert_eq!(serde_json::from_str::<serde_json::Value>(&data).unwrap(), json!({ "type": "refetchEvaluation" }));
    assert_eq!(post(&running, "/r/shop/ofrep/v1/evaluate/flags/limit", ADULT).json()["value"], 20);

    // A broken edit is refused: the last good ruleset keeps answering, the status says why.
    write_file(&running.path("shop.vx"), "flag limit: int { owner \"t\" default \"x\" }");
    wait_until("the broken edit is rejected", || {
        get(&running, "/v1/status").json()["rulesets"][0]["rejected"].is_object()
    });
    assert_eq!(post(&running, "/r/shop/ofrep/v1/evaluate/flags/limit", ADULT).json()["value"], 20);
    running.stop();
}

#[test]
fn tokens_guard_everything_but_health_and_public_addresses_need_them() {
    let running = start(&[("shop.vx", SHOP)], |config| config.tokens = vec!["s3cret".to_owned()]);
    // (The helper waits for /readyz, which needs no token.)
    let reply = post(&running, "/ofrep/v1/evaluate/flags/banner", ADULT);
    assert_eq!(reply.status, 401);
    assert_eq!(reply.header("www-authenticate"), Some("Bearer"));
    assert_eq!(reply.json()["errorCode"], "UNAUTHORIZED");
    let wrong = request(
        &running,
        "POST",
        "/ofrep/v1/evaluate/flags/banner",
        "Authorization: Bearer nope\r\n",
        ADULT.as_bytes(),
    );
    assert_eq!(wrong.status, 401);
    let right = request(
        &running,
        "POST",
        "/ofrep/v1/evaluate/flags/banner",
        "Authorization: Bearer s3cret\r\n",
        ADULT.as_bytes(),
    );
    assert_eq!(right.status, 200);
    assert_eq!(get(&running, "/v1/rulesets/shop").status, 401);
    assert_eq!(get(&running, "/metrics").status, 401);
    assert_eq!(get(&running, "/healthz").status, 200);
    // With tokens, the Host name is not checked (the token is the guard).
    let reply = request(&running, "GET", "/v1/status", "Host: flags.internal\r\nAuthorization: Bearer s3cret\r\n", b"");
    assert_eq!(reply.status, 200);
    running.stop();

    let refused = start_at("0.0.0.0:0".parse().unwrap(), &[("shop.vx", SHOP)], |_| {});
    assert!(refused.err().unwrap().contains("without authentication"));
    let allowed = start_at("0.0.0.0:0".parse().unwrap(), &[("shop.vx", SHOP)], |c| c.allow_unauthenticated = true);
    assert!(allowed.is_ok());
}

#[test]
fn dns_rebinding_is_refused_by_the_host_check() {
    let running = start(&[("shop.vx", SHOP)], |config| config.allowed_hosts = vec!["flags.local".to_owned()]);
    let mut stream = TcpStream::connect(running.address).unwrap();
    stream
        .write_all(b"GET /api/rulesets HTTP/1.1\r\nHost: attacker.example:8080\r\nConnection: close\r\n\r\n")
        .unwrap();
    let reply = read_reply(&mut BufReader::new(stream));
    assert_eq!(reply.status, 421);
    assert!(!String::from_utf8_lossy(&reply.body).contains("owner"), "no ruleset source leaks");
    for host in ["localhost", &format!("127.0.0.1:{}", running.address.port()), "flags.local:80"] {
        let mut stream = TcpStream::connect(running.address).unwrap();
        write!(stream, "GET /v1/rulesets/shop HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").unwrap();
        assert_eq!(read_reply(&mut BufReader::new(stream)).status, 200, "{host}");
    }
    running.stop();
}

#[test]
fn hostile_requests_get_bounded_answers_and_the_server_keeps_serving() {
    let running = start(&[("shop.vx", SHOP)], |_| {});
    // A header line that never ends: the connection is closed once the bounded buffer is full.
    let mut stream = TcpStream::connect(running.address).unwrap();
    stream.set_write_timeout(Some(Duration::from_secs(10))).unwrap();
    stream.write_all(b"GET / HTTP/1.1\r\nX-Endless: ").unwrap();
    let chunk = vec![b'a'; 64 * 1024];
    let mut sent = 0usize;
    while sent < 64 << 20 {
        if stream.write_all(&chunk).is_err() {
            break;
        }
        sent += chunk.len();
    }
    assert!(sent < 64 << 20, "the server kept reading an endless header ({sent} bytes)");

    // A 1 MB URL is refused without being echoed back.
    let mut stream = TcpStream::connect(running.address).unwrap();
    let long = "a".repeat(1 << 20);
    let _ = write!(stream, "GET /{long} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    assert!(answer.len() < 4096, "{} bytes came back", answer.len());

    // A long (but acceptable) unknown path is not echoed whole either.
    let path = format!("/{}", "b".repeat(8000));
    let reply = get(&running, &path);
    assert_eq!(reply.status, 404);
    assert!(reply.body.len() < 1024, "{}", reply.body.len());

    assert_eq!(get(&running, "/healthz").status, 200);
    running.stop();
}

static ASSETS: &[vexil_server::Asset] =
    &[("/index.html", b"<!doctype html><p>page</p>", "\"1\""), ("/app.js", b"console.log(1)", "\"2\"")];

#[test]
fn asset_paths_never_reach_the_file_system() {
    let running = start(&[("shop.vx", SHOP)], |config| config.assets = ASSETS);
    assert_eq!(get(&running, "/").status, 200);
    assert_eq!(get(&running, "/app.js").header("content-type"), Some("text/javascript; charset=utf-8"));
    for path in [
        "/../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/..%2fCargo.toml",
        "/x/../index.html",
        "/./app.js",
        "//app.js",
        "/app.js/",
    ] {
        let reply = get(&running, path);
        assert_eq!(reply.status, 404, "{path}");
        assert_eq!(reply.json()["errorCode"], "NOT_FOUND");
    }
    running.stop();
}

#[test]
fn shutdown_ends_event_streams_promptly() {
    let running = start(&[("shop.vx", SHOP)], |_| {});
    let (status, mut stream) = Events::open(&running, "/v1/rulesets/shop/events", "");
    assert_eq!(status, 200);
    stream.next_event();
    let stopping = Instant::now();
    running.stop();
    let took = stopping.elapsed();
    // The grace period is 5 s: a stream left open would hold the stop for all of it.
    assert!(took < Duration::from_secs(3), "stop took {took:?}");
    assert!(stream.ended(), "the stream ended");
}

/// Open file descriptors allow 2 per connection in this process (client and server).
fn connections_affordable(wanted: usize) -> usize {
    let limits = std::fs::read_to_string("/proc/self/limits").unwrap_or_default();
    let soft = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .and_then(|l| l.split_whitespace().nth(3))
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(1024);
    wanted.min(soft.saturating_sub(200) / 2)
}

#[test]
fn a_thousand_slow_clients_do_not_stop_the_others() {
    let running = start(&[("shop.vx", SHOP)], |config| config.default = Some("shop".to_owned()));
    let n = connections_affordable(1000);
    let mut slow = Vec::new();
    for _ in 0..n {
        let mut stream = TcpStream::connect(running.address).unwrap();
        // Half a request, then nothing.
        stream.write_all(b"POST /ofrep/v1/evaluate/flags/banner HTTP/1.1\r\nHost: localhost\r\n").unwrap();
        slow.push(stream);
    }
    let started = Instant::now();
    for _ in 0..20 {
        assert_eq!(post(&running, "/ofrep/v1/evaluate/flags/banner", ADULT).status, 200);
    }
    eprintln!("{n} slow clients holding connections; 20 requests answered in {} ms", started.elapsed().as_millis());
    drop(slow);
    running.stop();
}

#[test]
fn simultaneous_keep_alive_clients_are_all_answered_without_nagle_stalls() {
    let running = start(&[("shop.vx", SHOP)], |config| config.default = Some("shop".to_owned()));
    let address = running.address;
    let started = Instant::now();
    let clients: Vec<_> = (0..8)
        .map(|_| {
            std::thread::spawn(move || {
                let stream = TcpStream::connect(address).unwrap();
                stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
                let mut writer = stream.try_clone().unwrap();
                let mut reader = BufReader::new(stream);
                // One write per request, as real clients do (several small writes
                // would bring the client's own Nagle delay into the measure).
                let request = format!(
                    "POST /ofrep/v1/evaluate/flags/banner HTTP/1.1\r\nHost: localhost\r\nContent-Length: {}\r\n\r\n{ADULT}",
                    ADULT.len()
                );
                for _ in 0..100 {
                    writer.write_all(request.as_bytes()).unwrap();
                    assert_eq!(read_reply(&mut reader).status, 200);
                }
            })
        })
        .collect();
    for client in clients {
        client.join().unwrap();
    }
    let took = started.elapsed();
    eprintln!("8 keep-alive clients × 100 sequential requests: {} ms", took.as_millis());
    // A 40 ms delayed-ACK stall per request would take 4 s per client; the bound is far above normal.
    assert!(took < Duration::from_secs(3), "{took:?}");
    running.stop();
}

#[test]
fn a_ruleset_path_that_becomes_a_fifo_or_grows_huge_freezes_nothing() {
    let running = start(&[("shop.vx", SHOP), ("big.vx", OTHER)], |_| {});
    let shop = running.path("shop.vx");
    std::fs::remove_file(&shop).unwrap();
    assert!(std::process::Command::new("mkfifo").arg(&shop).status().unwrap().success());
    // 200 MB, sparse: over the source limit.
    std::fs::File::options().write(true).open(running.path("big.vx")).unwrap().set_len(200 << 20).unwrap();
    wait_until("both problems are reported", || {
        let status = get(&running, "/v1/status").json();
        let errors: Vec<String> =
            status["rulesets"].as_array().unwrap().iter().map(|r| r["last_error"].to_string()).collect();
        errors.iter().any(|e| e.contains("not a regular file")) && errors.iter().any(|e| e.contains("bytes"))
    });
    let started = Instant::now();
    let api = get(&running, "/api/rulesets");
    assert_eq!(api.status, 200);
    assert!(api.body.len() < 10_000, "the 200 MB file is not sent ({} bytes)", api.body.len());
    assert!(started.elapsed() < Duration::from_secs(5));
    // The last good rulesets keep answering.
    assert_eq!(post(&running, "/r/shop/ofrep/v1/evaluate/flags/banner", ADULT).json()["value"], "adult");
    assert_eq!(post(&running, "/r/big/ofrep/v1/evaluate/flags/mode", "{}").json()["value"], "legacy");
    running.stop();
}

#[test]
fn cors_lets_a_named_origin_call_and_read_the_etag() {
    let running = start(&[("shop.vx", SHOP)], |config| {
        config.cors_origins = vec!["http://app.example".to_owned()];
        config.tokens = vec!["t".to_owned()];
    });
    let preflight = request(
        &running,
        "OPTIONS",
        "/ofrep/v1/evaluate/flags",
        "Origin: http://app.example\r\nAccess-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: content-type, if-none-match, authorization\r\n",
        b"",
    );
    assert_eq!(preflight.status, 204, "preflights carry no token and are answered");
    assert_eq!(preflight.header("access-control-allow-origin"), Some("http://app.example"));
    assert!(preflight.header("access-control-allow-headers").unwrap().contains("if-none-match"));
    let reply = request(
        &running,
        "POST",
        "/ofrep/v1/evaluate/flags",
        "Origin: http://app.example\r\nAuthorization: Bearer t\r\n",
        ADULT.as_bytes(),
    );
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("access-control-allow-origin"), Some("http://app.example"));
    assert_eq!(reply.header("access-control-expose-headers"), Some("etag"));
    let other = request(
        &running,
        "POST",
        "/ofrep/v1/evaluate/flags",
        "Origin: http://evil.example\r\nAuthorization: Bearer t\r\n",
        ADULT.as_bytes(),
    );
    assert_eq!(other.header("access-control-allow-origin"), None);
    running.stop();
}

#[test]
fn post_decisions_signs_a_decision_set_a_downstream_service_verifies() {
    let private = vexil_sign::generate_key(vexil_sign::Alg::EdDSA, "srv-1").unwrap();
    let jwks = vexil_sign::public_jwks(&[&private]).unwrap();
    let key = std::sync::Arc::new(vexil_sign::SigningKey::from_jwk(&private).unwrap());
    let running = start(&[("shop.vx", SHOP)], move |config| {
        config.signing_key = Some(key);
        config.issuer = "edge".to_owned();
    });
    let reply = post(
        &running,
        "/v1/decisions",
        r#"{"context":{"user":{"id":"u-1","age":30}},"flags":["banner"],"cid":"order-7","ttl":60}"#,
    );
    assert_eq!(reply.status, 200, "{}", String::from_utf8_lossy(&reply.body));
    let body = reply.json();
    let claims =
        vexil_sign::verify(body["token"].as_str().unwrap(), &jwks, &vexil_sign::VerifyOptions::default()).unwrap();
    assert_eq!((claims.iss.as_str(), claims.cid.as_deref(), claims.exp - claims.iat), ("edge", Some("order-7"), 60));
    assert_eq!(claims.vexil.ruleset, "shop");
    assert_eq!(claims.vexil.decisions.keys().collect::<Vec<_>>(), ["banner"]);
    assert_eq!(claims.vexil.decisions["banner"].variant.as_deref(), Some("adult"));
    assert_eq!(body["ruleset_version"], vexil::ruleset_version(SHOP).as_str());

    for (request, code) in [
        (r#"{"flags":["nope"]}"#, "FLAG_NOT_FOUND"),
        (r#"{"context":[1]}"#, "INVALID_CONTEXT"),
        (r#"{"ttl":999999}"#, "INVALID_TTL"),
        ("[]", "PARSE_ERROR"),
    ] {
        let reply = post(&running, "/v1/decisions", request);
        assert_eq!(reply.json()["errorCode"], code, "{request}");
    }
    running.stop();
    let unsigned = start(&[("shop.vx", SHOP)], |_| {});
    assert_eq!(post(&unsigned, "/v1/decisions", "{}").status, 501);
}

#[test]
fn api_diff_is_the_semantic_diff_of_vexil_diff() {
    let running = start(&[("shop.vx", SHOP)], |_| {});
    let old = "context { user.id: string }\nflag f: bool { default false rule a: when user.id == \"x\" => true }\n";
    // Reformatted, with a comment: no change in meaning.
    let same = "// same\ncontext {\n  user.id: string\n}\n\nflag f: bool {\n  default false\n  rule a: when user.id == \"x\" => true\n}\n";
    let body = |new: &str| serde_json::json!({ "old": old, "new": new }).to_string();
    let unchanged = post(&running, "/api/diff", &body(same));
    assert_eq!(unchanged.status, 200);
    assert_eq!(unchanged.header("cache-control"), Some("no-store"));
    let json = unchanged.json();
    assert_eq!(json["empty"], true);
    assert_eq!(json["text"], "no change in meaning\n");
    // The default flips and a rule's result changes: worked out by hand. `off`
    // and `on_error` are not written, so they are the default (LANGUAGE.md §6)
    // and change with it.
    let changed = post(
        &running,
        "/api/diff",
        &body(&old.replace("default false", "default true").replace("=> true", "=> false")),
    );
    let json = changed.json();
    assert_eq!(json["empty"], false);
    assert_eq!(
        json["text"],
        "flag f:\n    default: false  →  true\n    off: false  →  true\n    on_error: false  →  true\n    rule a: result: true  →  false\n"
    );
    assert_eq!(json["diff"]["flags"][0]["flag"], "f");
    // A side that does not check, and bodies that are not requests.
    let broken = post(&running, "/api/diff", &body("flag f: bool {"));
    assert_eq!(broken.status, 422);
    assert_eq!(broken.json()["errorCode"], "INVALID_RULESET");
    assert!(
        broken.json()["errorDetails"].as_str().unwrap().starts_with("the new ruleset has 1 error(s); first: E0001")
    );
    for bad in ["", "[]", "{\"old\": 1}", "{\"old\": \"\"}"] {
        let reply = post(&running, "/api/diff", bad);
        assert_eq!((reply.status, reply.json()["errorCode"].as_str()), (400, Some("PARSE_ERROR")), "{bad}");
    }
    running.stop();
}

#[test]
fn api_hover_and_complete_answer_as_vexil_lsp() {
    let running = start(&[("shop.vx", SHOP)], |_| {});
    let source = "context {\n  user.age: int?\n}\nsegment adult = has(user.age) and user.age >= 18\n";
    let body = |line: u32, character: u32| json!({"source": source, "line": line, "character": character}).to_string();
    // `user.age` at line 3, column 36 (all ASCII): its declared type.
    let hover = post(&running, "/api/hover", &body(3, 36)).json();
    assert_eq!(
        hover["contents"]["value"],
        "**context attribute** `user.age`: `int?`\n\noptional: read it under `has(user.age)` or as `user.age ?? <default>`"
    );
    assert_eq!(hover["range"], json!({"start": {"line": 3, "character": 34}, "end": {"line": 3, "character": 42}}));
    // After `user.` (line 3, column 25): the attributes under `user`.
    let complete = post(&running, "/api/complete", &body(3, 25)).json();
    let labels: Vec<&str> =
        complete["items"].as_array().unwrap().iter().map(|i| i["label"].as_str().unwrap()).collect();
    assert_eq!(labels, ["age"]);
    assert_eq!(post(&running, "/api/hover", &body(0, 0)).json(), serde_json::Value::Null);
    for bad in ["", "{}", "{\"source\": 1}"] {
        let reply = post(&running, "/api/complete", bad);
        assert_eq!((reply.status, reply.json()["errorCode"].as_str()), (400, Some("PARSE_ERROR")), "{bad}");
    }
    running.stop();
}
