//! Security headers.
//!
//! Invariants:
//! - Every response carries `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer`
//!   (the pages that links in mail open carry a token in their address, which a referrer would
//!   hand to whatever the page links to), `X-Frame-Options: DENY` and a Content-Security-Policy
//!   with `frame-ancestors 'none'`.
//! - No page runs inline script or style that is not named by its SHA-256 hash in the page's
//!   policy; no policy allows `'unsafe-inline'` or `'unsafe-eval'`. A page with inline code
//!   is served as a [`Page`], whose policy is computed from its own HTML; any other response gets
//!   [`DEFAULT_POLICY`], which allows nothing at all.

use base64::Engine as _;
use bytes::Bytes;
use poem::http::{HeaderValue, header};
use poem::{Endpoint, IntoResponse, Request, Response};
use sha2::{Digest as _, Sha256};

/// The policy of every response that does not bring its own: nothing may load, run, frame it or
/// be submitted from it.
pub const DEFAULT_POLICY: &str =
    "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The inline `<script>` and `<style>` elements of `html` (those without `src`) in document
/// order, each as (`"script"` or `"style"`, its text as a browser hashes it: from after the
/// opening tag to the first `</script` or `</style`, any case). The text of one element is not
/// searched for others, as a browser does not (Swagger UI's script holds such words), nor are
/// comments.
pub fn inline_elements(html: &str) -> Vec<(&'static str, &str)> {
    // ASCII lower-casing keeps byte offsets, so positions found in `lower` cut `html`.
    let lower = html.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(found) = lower[at..].find('<') {
        let start = at + found;
        let rest = &lower[start..];
        if rest.starts_with("<!--") {
            match rest.find("-->") {
                Some(end) => {
                    at = start + end + 3;
                    continue;
                }
                None => break,
            }
        }
        let Some(tag) = ["script", "style"].into_iter().find(|t| {
            rest[1..].starts_with(t)
                && rest[1 + t.len()..].starts_with(|c: char| c == '>' || c.is_ascii_whitespace())
        }) else {
            at = start + 1;
            continue;
        };
        let Some(gt) = rest.find('>') else {
            break;
        };
        let attributes = &rest[..gt];
        let body = start + gt + 1;
        let Some(len) = lower[body..].find(&format!("</{tag}")) else {
            break;
        };
        if !attributes.contains("src=") {
            out.push((tag, &html[body..body + len]));
        }
        at = body + len;
    }
    out
}

/// `'sha256-…'` of an inline element's text.
pub fn hash_source(content: &str) -> String {
    let digest = Sha256::digest(content.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// A policy that allows exactly the inline scripts and styles of `html` and nothing else
/// beyond `extra` directives (e.g. `connect-src 'self'`).
pub fn policy_for(html: &str, extra: &[&str]) -> String {
    let elements = inline_elements(html);
    let hashes = |tag| {
        let list: Vec<String> = elements
            .iter()
            .filter(|(t, _)| *t == tag)
            .map(|(_, text)| hash_source(text))
            .collect();
        if list.is_empty() {
            "'none'".to_owned()
        } else {
            list.join(" ")
        }
    };
    let mut directives = vec![
        "default-src 'none'".to_owned(),
        format!("script-src {}", hashes("script")),
        format!("style-src {}", hashes("style")),
    ];
    directives.extend(extra.iter().map(|d| (*d).to_owned()));
    for d in ["base-uri 'none'", "frame-ancestors 'none'"] {
        directives.push(d.to_owned());
    }
    if !extra.iter().any(|d| d.starts_with("form-action")) {
        directives.push("form-action 'none'".to_owned());
    }
    directives.join("; ")
}

/// An HTML page with the policy its inline code needs, computed once.
#[derive(Clone)]
pub struct Page {
    html: Bytes,
    policy: HeaderValue,
}

impl Page {
    pub fn new(html: String, extra: &[&str]) -> Page {
        let policy = policy_for(&html, extra);
        Page {
            html: html.into(),
            // A policy is built from hashes (base64) and our own directives: visible ASCII.
            policy: HeaderValue::from_str(&policy)
                .unwrap_or(HeaderValue::from_static(DEFAULT_POLICY)),
        }
    }

    pub fn response(&self) -> Response {
        Response::builder()
            .content_type("text/html; charset=utf-8")
            .header(header::CONTENT_SECURITY_POLICY, self.policy.clone())
            .body(self.html.clone())
    }
}

/// Adds the headers every response carries (see the module's invariants).
pub async fn secure<E: Endpoint>(next: E, req: Request) -> poem::Result<Response> {
    let mut resp = match next.call(req).await {
        Ok(r) => r.into_response(),
        Err(e) => crate::error::problem_from_poem(e),
    };
    let h = resp.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(DEFAULT_POLICY),
        );
    }
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_elements_are_found_as_a_browser_cuts_them() {
        let html = "<head><STYLE media=x>a{}</Style><script src=/x.js></script>\
                    <!-- <script>no</script> --><scripts>no</scripts>\
                    <script>let a = '<style>b{}</style>';</SCRIPT ></head>";
        assert_eq!(
            inline_elements(html),
            [
                ("style", "a{}"),
                ("script", "let a = '<style>b{}</style>';")
            ]
        );
        assert!(inline_elements("<p>none</p>").is_empty());
    }

    #[test]
    fn a_policy_names_each_inline_element_by_hash_and_nothing_unsafe() {
        let p = policy_for(
            "<style>b{}</style><script>x()</script>",
            &["connect-src 'self'"],
        );
        assert!(
            p.contains(&format!("script-src {}", hash_source("x()"))),
            "{p}"
        );
        assert!(
            p.contains(&format!("style-src {}", hash_source("b{}"))),
            "{p}"
        );
        assert!(p.contains("frame-ancestors 'none'") && p.contains("form-action 'none'"));
        assert!(!p.contains("unsafe"), "{p}");
        assert_eq!(
            hash_source("alert('Hello, world.');"),
            "'sha256-qznLcsROx4GACP2dm0UCKCzCG+HiZ1guq6ZZDob/Tng='",
            "the example of the CSP specification"
        );
    }
}
