#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The Rust providers through the real OpenFeature Rust SDK (`open-feature`
//! 0.3): the same cases and expected details as the JavaScript providers'
//! tests (web/test/openfeature.test.mjs), a provider following a file that
//! changes, and carried decision sets (a token signed by the gateway answers
//! the flags it carries; a forged one never decides).
//!
//! Each test uses its own named provider: the SDK's API is one process-wide singleton.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use open_feature::provider::{FeatureProvider, ProviderStatus};
use open_feature::{
    EvaluationContext, EvaluationDetails, EvaluationErrorCode, EvaluationReason, FlagMetadataValue, OpenFeature,
};
use vexil::{CheckOptions, Timestamp};
use vexil_openfeature::{CarriedDecisions, VexilProvider};

const SOURCE: &str = r#"context {
  user.id: string
  user.plan: string
  user.age: int
}
enum Mode { OFF, DUAL_WRITE, ON }
flag new_checkout: bool {
  owner "web"
  default false
  rule pro: when user.plan == "pro" => true
}
flag banner: string {
  owner "web"
  default "hello"
  rule adults: when user.age >= 18 => "welcome back"
}
flag max_items: int {
  owner "web"
  default 10
  rule pro: when user.plan == "pro" => 100
}
flag ratio: float { owner "web" default 0.25 }
flag mode: Mode { owner "web" default OFF rule pro: when user.plan == "pro" => DUAL_WRITE }
flag checkout_mode: Mode { owner "web" default DUAL_WRITE on_error OFF rule pro: when user.plan == "pro" => ON }
flag huge: int { owner "web" default 9007199254740993 }
flag gated: bool {
  owner "web"
  requires new_checkout == true
  default false
  rule always: when true => true
}
"#;

fn now() -> Timestamp {
    Timestamp::parse_rfc3339("2026-01-01T00:00:00Z").unwrap()
}

fn pro() -> EvaluationContext {
    EvaluationContext::default()
        .with_targeting_key("u-1")
        .with_custom_field("user.id", "u-1")
        .with_custom_field("user.plan", "pro")
        .with_custom_field("user.age", 30)
}

fn free() -> EvaluationContext {
    EvaluationContext::default()
        .with_targeting_key("u-2")
        .with_custom_field("user.id", "u-2")
        .with_custom_field("user.plan", "free")
        .with_custom_field("user.age", 16)
}

async fn client(name: &str, provider: impl FeatureProvider) -> open_feature::Client {
    let mut api = OpenFeature::singleton_mut().await;
    api.set_named_provider(name, provider).await;
    api.create_named_client(name)
}

fn text(details: &EvaluationDetails<impl Sized>, key: &str) -> Option<String> {
    match details.flag_metadata.values.get(key) {
        Some(FlagMetadataValue::String(s)) => Some(s.clone()),
        Some(FlagMetadataValue::Bool(b)) => Some(b.to_string()),
        _ => None,
    }
}

#[tokio::test]
async fn the_mapping_is_the_javascript_providers_one() {
    let ruleset = vexil::compile(SOURCE, &CheckOptions::default()).unwrap();
    let version = ruleset.version().to_string();
    let client = client("mapping", VexilProvider::new(ruleset).at(now())).await;

    // Value, variant, reason, rule and ruleset version in the metadata.
    let d = client.get_bool_details("new_checkout", Some(&pro()), None).await.unwrap();
    assert_eq!(
        (d.value, d.variant.as_deref(), d.reason.clone()),
        (true, Some("true"), Some(EvaluationReason::TargetingMatch))
    );
    assert_eq!(text(&d, "ruleset_version"), Some(version));
    assert_eq!(text(&d, "now").as_deref(), Some("2026-01-01T00:00:00.000Z"));
    assert_eq!(text(&d, "rule").as_deref(), Some("pro"));
    let other = client.get_bool_details("new_checkout", Some(&free()), None).await.unwrap();
    assert_eq!((other.value, other.reason.clone()), (false, Some(EvaluationReason::Default)));
    assert_eq!(text(&other, "rule"), None);

    // Strings and enums; ints and floats.
    assert_eq!(client.get_string_value("banner", Some(&pro()), None).await.unwrap(), "welcome back");
    let mode = client.get_string_details("mode", Some(&pro()), None).await.unwrap();
    assert_eq!((mode.value.as_str(), mode.reason), ("DUAL_WRITE", Some(EvaluationReason::TargetingMatch)));
    assert_eq!(client.get_int_value("max_items", Some(&pro()), None).await.unwrap(), 100);
    let ratio = client.get_float_details("ratio", Some(&pro()), None).await.unwrap();
    assert_eq!((ratio.value, ratio.reason.clone()), (0.25, Some(EvaluationReason::Static)));
    // Ints are exact: 2^53 + 1 stays itself.
    assert_eq!(client.get_int_value("huge", Some(&pro()), None).await.unwrap(), 9_007_199_254_740_993);

    // Errors with no value to give: the caller's default applies.
    let missing = client.get_bool_details("no_such_flag", Some(&pro()), None).await.unwrap_err();
    assert_eq!(missing.code, EvaluationErrorCode::FlagNotFound);
    assert!(missing.message.unwrap_or_default().contains("no_such_flag"));
    assert_eq!(
        client.get_int_details("new_checkout", Some(&pro()), None).await.unwrap_err().code,
        EvaluationErrorCode::TypeMismatch
    );
    assert_eq!(
        client.get_bool_details("banner", Some(&pro()), None).await.unwrap_err().code,
        EvaluationErrorCode::TypeMismatch
    );
    assert_eq!(
        client.get_string_details("max_items", Some(&pro()), None).await.unwrap_err().code,
        EvaluationErrorCode::TypeMismatch
    );
    assert_eq!(
        client.get_float_details("max_items", Some(&pro()), None).await.unwrap_err().code,
        EvaluationErrorCode::TypeMismatch
    );

    // A bad context: the flag's on_error value, reason ERROR, the code in the metadata.
    let bad = EvaluationContext::default()
        .with_targeting_key("u-3")
        .with_custom_field("user.id", "u-3")
        .with_custom_field("user.plan", 42);
    let d = client.get_string_details("checkout_mode", Some(&bad), None).await.unwrap();
    assert_eq!(
        (d.value.as_str(), d.variant.as_deref(), d.reason.clone()),
        ("OFF", Some("OFF"), Some(EvaluationReason::Error))
    );
    assert_eq!(text(&d, "errorCode").as_deref(), Some("INVALID_CONTEXT"));
    assert!(text(&d, "errorDetails").unwrap().contains("user.plan"));
    let plain = client.get_bool_details("new_checkout", Some(&bad), None).await.unwrap();
    assert_eq!((plain.value, plain.reason.clone()), (false, Some(EvaluationReason::Error)));
    // A non-finite float cannot be JSON: the engine refuses it where read.
    let nan =
        EvaluationContext::default().with_custom_field("user.age", f64::NAN).with_custom_field("user.plan", "pro");
    let d = client.get_string_details("banner", Some(&nan), None).await.unwrap();
    assert_eq!(text(&d, "errorCode").as_deref(), Some("INVALID_CONTEXT"));
    // A context the provider cannot write at all.
    let colliding = EvaluationContext::default().with_custom_field("user", "x").with_custom_field("user.plan", "pro");
    assert_eq!(
        client.get_bool_details("new_checkout", Some(&colliding), None).await.unwrap_err().code,
        EvaluationErrorCode::InvalidContext
    );

    // A failed prerequisite: DEFAULT, the prerequisite named.
    let gated = client.get_bool_details("gated", Some(&free()), None).await.unwrap();
    assert_eq!((gated.value, gated.reason.clone()), (false, Some(EvaluationReason::Default)));
    assert_eq!(text(&gated, "prerequisite").as_deref(), Some("new_checkout"));
}

#[tokio::test]
async fn a_provider_following_a_file_serves_each_new_version_and_reports_its_status() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shop.vx");
    let write = |banner: &str| {
        let tmp = dir.path().join("shop.vx.tmp");
        std::fs::write(&tmp, format!("flag banner: string {{ owner \"t\" default \"{banner}\" }}\n")).unwrap();
        std::fs::rename(&tmp, &path).unwrap();
    };
    write("hello");
    let serving = Arc::new(vexil_sync::Serving::new(CheckOptions::default()));
    let follower = vexil_sync::Follower::new("shop", &path.display().to_string(), serving.clone(), None);
    let provider = VexilProvider::following(serving, follower.clone());
    assert_eq!(provider.status(), ProviderStatus::NotReady, "nothing loaded yet");
    let following = vexil_sync::file::follow_file(path.clone(), follower.clone(), Duration::from_millis(10));
    let client = client("following", provider).await;
    let banner = || async { client.get_string_value("banner", None, None).await };
    let until = |what: &'static str, want: &'static str| async move {
        for _ in 0..500 {
            if banner().await.as_deref() == Ok(want) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("timed out waiting for {what}");
    };
    until("the first version", "hello").await;
    write("bonjour");
    until("the new version", "bonjour").await;
    // The file goes away: the last good ruleset keeps answering, the provider is STALE.
    std::fs::remove_file(&path).unwrap();
    let status =
        VexilProvider::following(Arc::new(vexil_sync::Serving::new(CheckOptions::default())), follower.clone());
    for _ in 0..500 {
        if status.status() == ProviderStatus::STALE {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(status.status(), ProviderStatus::STALE);
    assert_eq!(banner().await.unwrap(), "bonjour");
    drop(following);
}

#[tokio::test]
async fn carried_decisions_answer_their_flags_and_forged_sets_never_decide() {
    let old = vexil::compile(&SOURCE.replace("=> DUAL_WRITE }", "=> ON }"), &CheckOptions::default()).unwrap();
    let private = vexil_sign::generate_key(vexil_sign::Alg::EdDSA, "gw").unwrap();
    let keys = vexil_sign::public_jwks(&[&private]).unwrap();
    let key = vexil_sign::SigningKey::from_jwk(&private).unwrap();
    // The gateway decided `mode` (and `huge`) with the old rules.
    let context_json = r#"{"user":{"id":"u-1","plan":"pro","age":30}}"#;
    let flags = ["mode".to_owned(), "huge".to_owned(), "ratio".to_owned()];
    let carried = vexil_sign::decide(&old, "shop", context_json, Some(&flags), now()).unwrap();
    let iat = now().millis() / 1000;
    let token = key.sign(carried, "gateway", iat, 300, Some("order-9")).unwrap();

    let refused = Arc::new(Mutex::new(Vec::new()));
    let seen = refused.clone();
    let today = vexil::compile(SOURCE, &CheckOptions::default()).unwrap();
    let provider = CarriedDecisions::new(VexilProvider::new(today).at(now()), keys)
        .with_options(vexil_sign::VerifyOptions { leeway_seconds: 30, now: Some(iat + 10) })
        .on_refused(move |e| seen.lock().unwrap().push(e.code()));
    assert_eq!(provider.metadata().name, "vexil-carried+vexil");
    let client = client("carried", provider).await;
    let with = |token: &str| pro().with_custom_field(vexil_openfeature::CARRIED_FIELD, token);

    let d = client.get_string_details("mode", Some(&with(&token)), None).await.unwrap();
    assert_eq!(
        (d.value.as_str(), d.reason.clone()),
        ("ON", Some(EvaluationReason::TargetingMatch)),
        "the carried decision, not today's rules"
    );
    assert_eq!(text(&d, "carried").as_deref(), Some("true"));
    assert_eq!(text(&d, "cid").as_deref(), Some("order-9"));
    assert_eq!(text(&d, "ruleset").as_deref(), Some("shop"));
    assert_eq!(text(&d, "ruleset_version"), Some(old.version().to_string()));
    assert_eq!(text(&d, "decided_at").as_deref(), Some("2026-01-01T00:00:00.000Z"));
    assert_eq!(client.get_int_value("huge", Some(&with(&token)), None).await.unwrap(), 9_007_199_254_740_993);
    assert_eq!(
        client.get_bool_details("mode", Some(&with(&token)), None).await.unwrap_err().code,
        EvaluationErrorCode::TypeMismatch
    );
    // Not carried: today's rules, through the wrapped provider.
    assert_eq!(client.get_int_value("max_items", Some(&with(&token)), None).await.unwrap(), 100);
    assert_eq!(client.get_string_value("mode", Some(&pro()), None).await.unwrap(), "DUAL_WRITE");
    // Forged: ignored, reported.
    // (A character inside the signature: still base64url, no longer the signature.)
    let at = token.len() - 10;
    let swapped = if &token[at..=at] == "A" { "B" } else { "A" };
    let forged = format!("{}{swapped}{}", &token[..at], &token[at + 1..]);
    assert_eq!(client.get_string_value("mode", Some(&with(&forged)), None).await.unwrap(), "DUAL_WRITE");
    assert_eq!(refused.lock().unwrap().as_slice(), ["bad_signature"]);
}
