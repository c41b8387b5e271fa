//! Who may ask, and how errors look: bearer tokens, the Host check against
//! DNS rebinding, request timeouts, and the one JSON error shape every
//! non-OFREP failure uses: `{"errorCode": "…", "errorDetails": "…"}`.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::App;

/// A JSON error response (OFREP's error field names, used everywhere).
pub fn json_error(status: StatusCode, code: &str, details: &str) -> Response {
    let body = serde_json::json!({ "errorCode": code, "errorDetails": details });
    let mut response = (status, axum::Json(body)).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// At most this much of a request's path is ever echoed back.
pub fn shown(path: &str) -> String {
    const SHOWN: usize = 120;
    match path.char_indices().nth(SHOWN) {
        Some((cut, _)) => format!("{}…", &path[..cut]),
        None => path.to_owned(),
    }
}

pub async fn method_not_allowed(request: Request) -> Response {
    let details = format!("{} is not allowed on {}", request.method(), shown(request.uri().path()));
    json_error(StatusCode::METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED", &details)
}

/// Paths anyone may ask without a token: liveness and readiness say nothing about rulesets.
fn is_public(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz")
}

fn host_allowed(hosts: &[String], headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(header::HOST) else { return true };
    let Ok(host) = host.to_str() else { return false };
    let host = host.to_ascii_lowercase();
    // Strip the port: `[::1]:8080` → `[::1]`, `localhost:8080` → `localhost`.
    let name = match host.rsplit_once(':') {
        Some((name, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) && !name.ends_with(':') => {
            name
        }
        _ => host.as_str(),
    };
    hosts.iter().any(|allowed| allowed == name)
}

/// Bearer tokens are compared without an early exit on the first differing byte.
fn token_matches(tokens: &[String], headers: &HeaderMap) -> bool {
    let Some(given) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) else { return false };
    let Some(given) = given.strip_prefix("Bearer ") else { return false };
    tokens.iter().fold(false, |found, token| found | constant_time_eq(token.as_bytes(), given.trim().as_bytes()))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}

/// The origin a CORS answer names, if the request's `Origin` is allowed.
fn cors_origin(app: &App, headers: &HeaderMap) -> Option<HeaderValue> {
    let origin = headers.get(header::ORIGIN)?;
    let text = origin.to_str().ok()?;
    app.cors_origins.iter().any(|o| o == "*" || o == text).then(|| origin.clone())
}

/// CORS for browser apps on other origins (`--cors-origin`): preflights are
/// answered here (before the token check: browsers send no credentials on
/// them), other answers get the allow and expose headers.
pub async fn guard(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    let Some(origin) = cors_origin(&app, request.headers()) else { return guarded(app, request, next).await };
    let mut response = if request.method() == axum::http::Method::OPTIONS {
        let mut response = StatusCode::NO_CONTENT.into_response();
        let headers = response.headers_mut();
        headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET, POST, OPTIONS"));
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("authorization, content-type, if-none-match, last-event-id"),
        );
        headers.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
        response
    } else {
        guarded(app, request, next).await
    };
    let headers = response.headers_mut();
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    headers.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static("etag"));
    headers.append(header::VARY, HeaderValue::from_static("origin"));
    response
}

/// Host check (without tokens), token check (with tokens), and a deadline
/// (event streams excepted).
async fn guarded(app: Arc<App>, request: Request, next: Next) -> Response {
    if let Some(hosts) = &app.hosts
        && !host_allowed(hosts, request.headers())
    {
        return json_error(
            StatusCode::MISDIRECTED_REQUEST,
            "HOST_NOT_ALLOWED",
            "this server answers only requests addressed to its own name (start it with --allow-host NAME)",
        );
    }
    let path = request.uri().path();
    if !app.tokens.is_empty() && !is_public(path) && !token_matches(&app.tokens, request.headers()) {
        let mut response =
            json_error(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", "a valid `Authorization: Bearer TOKEN` is required");
        response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        return response;
    }
    // Event streams are long-lived by design; nothing else escapes the deadline.
    if request.method() == axum::http::Method::GET && path.ends_with("/events") {
        return next.run(request).await;
    }
    match tokio::time::timeout(app.request_timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => json_error(StatusCode::SERVICE_UNAVAILABLE, "TIMEOUT", "the request took too long"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(name: header::HeaderName, value: &str) -> HeaderMap {
        let mut map = HeaderMap::new();
        map.insert(name, HeaderValue::from_str(value).unwrap_or(HeaderValue::from_static("")));
        map
    }

    #[test]
    fn the_host_check_accepts_loopback_names_with_or_without_port() {
        let hosts: Vec<String> = ["localhost", "127.0.0.1", "[::1]"].map(String::from).to_vec();
        for ok in ["localhost", "localhost:8080", "127.0.0.1:1", "[::1]:8080", "LOCALHOST"] {
            assert!(host_allowed(&hosts, &headers(header::HOST, ok)), "{ok}");
        }
        for bad in ["attacker.example", "attacker.example:8080", "127.0.0.1.nip.io", "localhost.evil:80"] {
            assert!(!host_allowed(&hosts, &headers(header::HOST, bad)), "{bad}");
        }
        assert!(host_allowed(&hosts, &HeaderMap::new()), "HTTP/1.0 without Host");
    }

    #[test]
    fn tokens_must_match_exactly() {
        let tokens = vec!["s3cret".to_owned()];
        assert!(token_matches(&tokens, &headers(header::AUTHORIZATION, "Bearer s3cret")));
        for bad in ["Bearer s3cre", "Bearer s3cret2", "Basic s3cret", "s3cret", "Bearer "] {
            assert!(!token_matches(&tokens, &headers(header::AUTHORIZATION, bad)), "{bad}");
        }
        assert!(!token_matches(&tokens, &HeaderMap::new()));
    }
}
