//! The edges of the HTTP service: what every request passes before routing, authentication or a
//! handler sees it.
//!
//! Invariants (each enforced here, once, for every route):
//! - No handler sees a path segment, a query key or value, or a body that contains NUL (U+0000,
//!   which PostgreSQL cannot store in text; in a body raw or as a `\u0000` escape in a JSON
//!   string or key) or is not valid UTF-8.
//!   Such a request is answered with a problem+json naming the parameter or field: 400 for an
//!   unreadable path or bytes that are not UTF-8, 422 for a NUL in a query value or body field.
//!   Headers need no check of ours: the HTTP parser refuses control characters in them, and the
//!   few we read are parsed with `to_str`, which refuses bytes that are not visible ASCII.
//! - Every body is read in full here, at most [`MAX_BODY`] bytes (413 above) and within the body
//!   read timeout (408, and the connection is closed); handlers read it from memory.
//! - Connections: a cap per client address and the header read timeout, in [`conn`]; the
//!   client's address behind a trusted reverse proxy in [`client`].
//! - Security headers on every response, a script policy on every page, in [`headers`].
//! - A path or URI reaches the log only as [`loggable`] writes it: no secret path segment, no
//!   query value.

pub mod client;
pub mod conn;
pub mod headers;

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

use poem::http::{StatusCode, header};
use poem::{Endpoint, IntoResponse, Request, Response};

use crate::error::{FieldError, PROBLEM_JSON, Problem};

/// Request bodies above this are answered 413.
pub const MAX_BODY: usize = 1024 * 1024;

const NUL_MESSAGE: &str = "must not contain NUL (U+0000)";
const UTF8_MESSAGE: &str = "must be valid UTF-8";

/// A problem+json answer naming the fields at fault.
pub fn problem(status: StatusCode, detail: &str, errors: Vec<FieldError>) -> Response {
    let body = serde_json::to_vec(&Problem::new(status, detail, errors)).unwrap_or_default();
    Response::builder()
        .status(status)
        .content_type(PROBLEM_JSON)
        .body(body)
}

fn field(name: impl Into<String>, message: &str) -> FieldError {
    FieldError {
        field: name.into(),
        message: message.to_owned(),
    }
}

/// What is wrong with a decoded piece of input, if anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unfit {
    Nul,
    NotUtf8,
}

impl Unfit {
    fn message(self) -> &'static str {
        match self {
            Unfit::Nul => NUL_MESSAGE,
            Unfit::NotUtf8 => UTF8_MESSAGE,
        }
    }
}

/// Percent-decodes `raw` (`+` is left alone: it can be neither NUL nor a broken byte) and says
/// whether the result contains NUL or is not UTF-8. Allocates only when there is an escape.
fn check_encoded(raw: &str) -> Option<Unfit> {
    let bytes: Cow<[u8]> = if raw.contains('%') {
        Cow::Owned(percent_decode(raw.as_bytes()))
    } else {
        Cow::Borrowed(raw.as_bytes())
    };
    if bytes.contains(&0) {
        Some(Unfit::Nul)
    } else if std::str::from_utf8(&bytes).is_err() {
        Some(Unfit::NotUtf8)
    } else {
        None
    }
}

/// `%XX` → the byte; a `%` not followed by two hex digits stays as it is (as the decoders of
/// poem and serde_urlencoded do).
fn percent_decode(raw: &[u8]) -> Vec<u8> {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'%'
            && let (Some(h), Some(l)) = (
                raw.get(i + 1).copied().and_then(hex),
                raw.get(i + 2).copied().and_then(hex),
            )
        {
            out.push(h << 4 | l);
            i += 3;
        } else {
            out.push(raw[i]);
            i += 1;
        }
    }
    out
}

/// Whether a JSON text contains the escape `\u0000` in a string (the only way NUL can enter
/// JSON: a raw control byte in a string is a syntax error). One pass over the bytes; an escaped
/// backslash (`\\u0000`, the six characters as text) is not a NUL.
pub fn has_escaped_nul(body: &[u8]) -> bool {
    let mut i = 0;
    while let Some(offset) = body[i..].iter().position(|&b| b == b'\\') {
        let at = i + offset;
        match body.get(at + 1) {
            Some(b'u') if body.get(at + 2..at + 6) == Some(b"0000".as_slice()) => return true,
            Some(_) => i = at + 2,
            None => return false,
        }
    }
    false
}

/// The dotted names (`subject.en`, `tags.0`) of the strings and keys in `v` that contain NUL.
fn nul_fields(v: &serde_json::Value, path: &str, out: &mut Vec<FieldError>) {
    let name = |p: &str| if p.is_empty() { "body" } else { p }.to_owned();
    match v {
        serde_json::Value::String(s) if s.contains('\0') => {
            out.push(field(name(path), NUL_MESSAGE))
        }
        serde_json::Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                nul_fields(item, &join(path, &i.to_string()), out);
            }
        }
        serde_json::Value::Object(map) => {
            for (k, item) in map {
                if k.contains('\0') {
                    out.push(field(
                        name(path),
                        "must not have a key containing NUL (U+0000)",
                    ));
                } else {
                    nul_fields(item, &join(path, k), out);
                }
            }
        }
        _ => {}
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// The routes' path patterns (`/api/v1/events/{id}`), to name the parameter a bad segment was
/// given for, and the methods each API path answers (for the `Allow` header of a 405, RFC 9110).
pub struct PathTable {
    rows: Vec<(Vec<String>, Option<String>)>,
    /// Route labels by poem's route template, made once each (see [`PathTable::route_label`]).
    labels: std::sync::RwLock<std::collections::HashMap<Arc<str>, Arc<str>>>,
}

impl PathTable {
    /// The paths of the OpenAPI spec (with their methods) and `more` patterns of other routes.
    pub fn new(spec: &str, more: &[&str]) -> Self {
        let spec: serde_json::Value = serde_json::from_str(spec).unwrap_or_default();
        let split = |p: &str| p.split('/').map(str::to_owned).collect::<Vec<_>>();
        let mut rows = Vec::new();
        if let Some(paths) = spec["paths"].as_object() {
            for (path, ops) in paths {
                let methods = ops.as_object().map(|o| {
                    o.keys()
                        .map(|m| m.to_uppercase())
                        .collect::<Vec<_>>()
                        .join(", ")
                });
                rows.push((split(path), methods));
            }
        }
        rows.extend(more.iter().map(|p| (split(p), None)));
        PathTable {
            rows,
            labels: Default::default(),
        }
    }

    fn matching(&self, path: &str) -> Option<&(Vec<String>, Option<String>)> {
        let parts: Vec<&str> = path.split('/').collect();
        self.rows.iter().find(|(pattern, _)| {
            pattern.len() == parts.len()
                && pattern
                    .iter()
                    .zip(&parts)
                    .all(|(p, s)| p == s || (p.starts_with('{') && !s.is_empty()))
        })
    }

    /// The methods an API path answers, e.g. `GET, PATCH`.
    pub fn allowed(&self, path: &str) -> Option<&str> {
        self.matching(path).and_then(|(_, m)| m.as_deref())
    }

    /// A route's label for metrics and logs, from the template poem's router matched: the
    /// spec's template for an API route (`/api/v1/events/{id}`), poem's with its parameters
    /// written the same way for the others (`/calendar/{file}`). Templates come from the routes,
    /// so the memo stays as small as they are few.
    pub fn route_label(&self, pattern: &Arc<str>) -> Arc<str> {
        let known = self.labels.read().unwrap_or_else(|e| e.into_inner());
        if let Some(label) = known.get(pattern) {
            return label.clone();
        }
        drop(known);
        let label: Arc<str> = match self.named(pattern) {
            Some(named) => named.into(),
            None => pattern
                .split('/')
                .map(|segment| match segment.strip_prefix(':') {
                    Some(name) => format!("{{{name}}}"),
                    None => segment.to_owned(),
                })
                .collect::<Vec<_>>()
                .join("/")
                .into(),
        };
        self.labels
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(pattern.clone(), label.clone());
        label
    }

    /// A route's template as the spec writes it (`/api/v1/events/{id}`) for the template poem's
    /// router gives (`/api/v1/events/:param0`: poem-openapi numbers the parameters).
    fn named(&self, pattern: &str) -> Option<String> {
        let parts: Vec<&str> = pattern.split('/').collect();
        self.rows
            .iter()
            .find(|(row, _)| {
                row.len() == parts.len()
                    && row.iter().zip(&parts).all(|(r, p)| {
                        if p.starts_with(':') {
                            r.starts_with('{')
                        } else {
                            r == p
                        }
                    })
            })
            .map(|(row, _)| row.join("/"))
    }

    /// The name of the parameter segment `index` of `path` stands for, if a route says.
    fn parameter(&self, path: &str, index: usize) -> Option<&str> {
        let (pattern, _) = self.matching(path)?;
        let p = pattern.get(index)?;
        // `{token}` or `{token}.ics`
        p.strip_prefix('{')?.split('}').next()
    }
}

/// Refuses NUL and broken UTF-8 in the path and the query (see the module's invariants).
pub fn check_address(req: &Request, table: &PathTable) -> Option<Response> {
    let path = req.uri().path();
    let mut errors = Vec::new();
    let mut not_utf8 = false;
    for (i, segment) in path.split('/').enumerate() {
        if let Some(unfit) = check_encoded(segment) {
            not_utf8 |= unfit == Unfit::NotUtf8;
            let name = table.parameter(path, i).unwrap_or("path");
            errors.push(field(name, unfit.message()));
        }
    }
    // Bytes that are not UTF-8 cannot be read at all (400); NUL is a value we refuse (422).
    if not_utf8 {
        return Some(problem(
            StatusCode::BAD_REQUEST,
            "the address contains bytes that are not UTF-8",
            errors,
        ));
    }
    for pair in req.uri().query().unwrap_or("").split('&') {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let name = match check_encoded(key) {
            Some(unfit) => {
                not_utf8 |= unfit == Unfit::NotUtf8;
                errors.push(field("query", unfit.message()));
                continue;
            }
            None => key,
        };
        if let Some(unfit) = check_encoded(value) {
            not_utf8 |= unfit == Unfit::NotUtf8;
            let name = percent_decode(name.as_bytes());
            errors.push(field(String::from_utf8_lossy(&name), unfit.message()));
        }
    }
    if errors.is_empty() {
        None
    } else if not_utf8 {
        Some(problem(
            StatusCode::BAD_REQUEST,
            "the address contains bytes that are not UTF-8",
            errors,
        ))
    } else {
        Some(problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "some fields are invalid",
            errors,
        ))
    }
}

/// Refuses a body that is not UTF-8 or whose JSON strings contain NUL, naming the fields.
/// The common case is one pass for UTF-8 and one for backslashes; only a body that has a
/// `\u0000` is parsed here, to name its fields.
pub fn check_body(body: &[u8]) -> Option<Response> {
    if std::str::from_utf8(body).is_err() {
        return Some(problem(
            StatusCode::BAD_REQUEST,
            "the body is not valid UTF-8",
            vec![field("body", UTF8_MESSAGE)],
        ));
    }
    // A raw NUL is a syntax error in JSON; in a body of another kind nobody reads it, but it
    // goes no further either.
    if body.contains(&0) {
        return Some(problem(
            StatusCode::BAD_REQUEST,
            "the body contains NUL",
            vec![field("body", NUL_MESSAGE)],
        ));
    }
    if !has_escaped_nul(body) {
        return None;
    }
    let mut errors = Vec::new();
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(v) => nul_fields(&v, "", &mut errors),
        // Not JSON: whatever reads it refuses it as such; NUL still goes no further.
        Err(_) => errors.push(field("body", NUL_MESSAGE)),
    }
    if errors.is_empty() {
        // `\u0000` was inside an escape sequence that serde_json reads differently; nothing
        // carries a NUL.
        return None;
    }
    Some(problem(
        StatusCode::UNPROCESSABLE_ENTITY,
        "some fields are invalid",
        errors,
    ))
}

/// Reads and checks a request's address and body before anything else sees it: bodies over
/// [`MAX_BODY`] are answered 413 (whether announced by Content-Length or streamed), a body that
/// has not arrived whole within `body_timeout` 408, and its connection is closed.
pub async fn read_request<E: Endpoint>(
    next: E,
    mut req: Request,
    table: &PathTable,
    contract: &crate::contract::Contract,
    body_timeout: Duration,
) -> poem::Result<Response> {
    if let Some(refused) = check_address(&req, table) {
        return Ok(refused);
    }
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let too_large = || {
        problem(
            StatusCode::PAYLOAD_TOO_LARGE,
            "the request body is larger than 1 MiB",
            vec![],
        )
    };
    if declared.is_some_and(|n| n > MAX_BODY as u64) {
        return Ok(too_large());
    }
    let mut body = None;
    if declared != Some(0) {
        let read = req.take_body().into_bytes_limit(MAX_BODY);
        let bytes = match tokio::time::timeout(body_timeout, read).await {
            Ok(Ok(bytes)) => bytes,
            Ok(Err(poem::error::ReadBodyError::PayloadTooLarge)) => return Ok(too_large()),
            Ok(Err(e)) => {
                return Ok(problem(
                    StatusCode::BAD_REQUEST,
                    &format!("the request body could not be read: {e}"),
                    vec![],
                ));
            }
            Err(_) => {
                let mut resp = problem(
                    StatusCode::REQUEST_TIMEOUT,
                    "the request body did not arrive in time",
                    vec![],
                );
                // The rest of the body may still come: the connection cannot carry another request.
                resp.headers_mut().insert(
                    header::CONNECTION,
                    header::HeaderValue::from_static("close"),
                );
                return Ok(resp);
            }
        };
        if let Some(refused) = check_body(&bytes) {
            return Ok(refused);
        }
        body = Some(bytes.clone());
        req.set_body(bytes);
    }
    let (method, path) = (req.method().clone(), req.uri().path().to_owned());
    match next.call(req).await {
        Ok(resp) => Ok(resp.into_response()),
        // Input the framework refused, explained with the contract (a 422 naming each field).
        Err(e) => Ok(contract.explain(&method, &path, body.as_deref(), e)),
    }
}

/// Path segments that follow these are secrets: a personal calendar's address, an unsubscribe
/// key. Anyone who reads them in a log could read the calendar or unsubscribe its owner.
const SECRET_AFTER: &[&str] = &["calendar", "unsubscribe"];

pub const REDACTED: &str = "[redacted]";

/// A request's address as it may be logged: the secret segment of a personal calendar's address
/// or an unsubscribe link replaced by `[redacted]` (keeping `.ics`), and every query value too
/// (tokens, and search words that may name a member): `/verify?token=[redacted]`. The one form
/// in which a path or URI is logged.
pub fn loggable(uri: &poem::http::Uri) -> String {
    let mut out = String::with_capacity(uri.path().len() + 16);
    let mut secret_next = false;
    for (i, segment) in uri.path().split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        if secret_next && !segment.is_empty() {
            out.push_str(REDACTED);
            if segment.ends_with(".ics") {
                out.push_str(".ics");
            }
            secret_next = false;
        } else {
            out.push_str(segment);
            secret_next = i == 1 && SECRET_AFTER.contains(&segment);
        }
    }
    if let Some(query) = uri.query() {
        out.push('?');
        for (i, pair) in query.split('&').enumerate() {
            if i > 0 {
                out.push('&');
            }
            match pair.split_once('=') {
                Some((key, _)) => {
                    out.push_str(key);
                    out.push('=');
                    out.push_str(REDACTED);
                }
                None => out.push_str(pair),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_in_addresses_are_redacted_for_logs() {
        let log = |u: &str| loggable(&u.parse().unwrap());
        assert_eq!(log("/calendar/s3cr3t.ics"), "/calendar/[redacted].ics");
        assert_eq!(log("/calendar/s3cr3t"), "/calendar/[redacted]");
        assert_eq!(log("/unsubscribe/k3y"), "/unsubscribe/[redacted]");
        assert_eq!(log("/unsubscribe/k3y/more"), "/unsubscribe/[redacted]/more");
        assert_eq!(log("/verify?token=t0k"), "/verify?token=[redacted]");
        assert_eq!(
            log("/api/v1/members?q=ana%20pee&limit=5&flag"),
            "/api/v1/members?q=[redacted]&limit=[redacted]&flag"
        );
        assert_eq!(
            log("/calendar.ics?tag=family"),
            "/calendar.ics?tag=[redacted]"
        );
        assert_eq!(
            log("/api/v1/events/0190/calendar.ics"),
            "/api/v1/events/0190/calendar.ics"
        );
        assert_eq!(log("/"), "/");
    }

    #[test]
    fn escaped_nul_is_found_and_escaped_backslashes_are_not() {
        assert!(has_escaped_nul(br#"{"a": "x\u0000y"}"#));
        assert!(has_escaped_nul(br#"{"a\u0000": 1}"#));
        assert!(
            has_escaped_nul(br#"{"a": "\\\u0000"}"#),
            "\\\\ then \\u0000"
        );
        assert!(
            !has_escaped_nul(br#"{"a": "\\u0000"}"#),
            "a backslash, then u0000 as text"
        );
        assert!(!has_escaped_nul(br#"{"a": "\\\\u0000"}"#));
        assert!(!has_escaped_nul(br#"{"a": "\u0001 \u1000 \n"}"#));
        assert!(!has_escaped_nul(b"\\"));
        assert!(!has_escaped_nul(b""));
    }

    #[test]
    fn bodies_with_nul_or_broken_utf8_are_refused() {
        let status = |b: &[u8]| check_body(b).map(|r| r.status().as_u16());
        assert_eq!(status(br#"{"a": "b"}"#), None);
        assert_eq!(status(br#"{"a": "\\u0000"}"#), None);
        assert_eq!(status(br#"{"a": "\u0000"}"#), Some(422));
        assert_eq!(status(b"{\"a\": \"\0\"}"), Some(400));
        assert_eq!(status(b"List-Unsubscribe=One-Click\0"), Some(400));
        assert_eq!(status(b"{\"a\": \"\xff\"}"), Some(400));
    }

    #[test]
    fn encoded_input_is_checked_after_decoding() {
        assert_eq!(check_encoded("plain"), None);
        assert_eq!(check_encoded("caf%C3%A9"), None);
        assert_eq!(check_encoded("100%"), None, "a lone % stays a %");
        assert_eq!(check_encoded("%00"), Some(Unfit::Nul));
        assert_eq!(check_encoded("a%00b"), Some(Unfit::Nul));
        assert_eq!(check_encoded("%FF"), Some(Unfit::NotUtf8));
        assert_eq!(check_encoded("%C3"), Some(Unfit::NotUtf8));
        assert_eq!(
            check_encoded("%ED%A0%80"),
            Some(Unfit::NotUtf8),
            "a surrogate"
        );
    }

    #[test]
    fn nul_fields_are_named_by_their_path() {
        let v =
            serde_json::json!({"a": "x\u{0}", "b": {"en": "\u{0}"}, "c": ["ok", "\u{0}"], "d": 1});
        let mut out = Vec::new();
        nul_fields(&v, "", &mut out);
        let names: Vec<_> = out.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(names, ["a", "b.en", "c.1"]);
    }

    #[test]
    fn path_parameters_are_named_from_the_routes() {
        let spec = r#"{"paths": {"/api/v1/events/{id}": {"get": {}, "patch": {}}}}"#;
        let t = PathTable::new(spec, &["/unsubscribe/{key}"]);
        assert_eq!(t.parameter("/api/v1/events/x", 4), Some("id"));
        assert_eq!(t.parameter("/unsubscribe/x", 2), Some("key"));
        assert_eq!(t.parameter("/nowhere/x", 2), None);
        assert_eq!(t.allowed("/api/v1/events/x"), Some("GET, PATCH"));
        assert_eq!(t.allowed("/unsubscribe/x"), None);
        let label = |p: &str| t.route_label(&Arc::from(p)).to_string();
        assert_eq!(label("/api/v1/events/:param0"), "/api/v1/events/{id}");
        assert_eq!(label("/api/v1/events/:param0"), "/api/v1/events/{id}");
        assert_eq!(label("/language/:code"), "/language/{code}");
        assert_eq!(label("/sign-up"), "/sign-up");
    }
}
