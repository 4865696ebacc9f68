//! The client's address behind a reverse proxy (`TRUSTED_PROXIES`), over a real socket (the
//! in-process client has no peer address): the limits per client follow the forwarded client
//! from a trusted proxy, and the peer otherwise.

use serde_json::json;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::helpers::TestApp;

/// A server on a real socket allowing 2 mail requests per client; answers it and its port.
async fn server(trusted: &str) -> (TestApp, u16) {
    let trusted = trusted.to_owned();
    let t = TestApp::spawn_with(move |s| {
        s.insert("MAIL_REQUESTS_PER_CLIENT", "2".into());
        s.insert("TRUSTED_PROXIES", trusted);
    })
    .await;
    let origin = t.serve().await;
    let port = origin.rsplit(':').next().unwrap().parse().unwrap();
    (t, port)
}

/// `POST /api/v1/auth/magic-link` from 127.0.0.1 with the given headers; answers the status.
async fn ask_link(port: u16, email: &str, headers: &[(&str, &str)]) -> u16 {
    let body = json!({ "email": email }).to_string();
    let extra: String = headers
        .iter()
        .map(|(k, v)| format!("{k}: {v}\r\n"))
        .collect();
    let req = format!(
        "POST /api/v1/auth/magic-link HTTP/1.1\r\nHost: localhost\r\n{extra}\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    out.split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no answer: {out}"))
}

#[tokio::test]
async fn from_a_trusted_proxy_each_forwarded_client_has_its_own_limit() {
    let (_t, port) = server("127.0.0.1/32, ::1").await;
    let a = [("X-Forwarded-For", "203.0.113.1")];
    assert_eq!(ask_link(port, "a1@example.org", &a).await, 202);
    assert_eq!(ask_link(port, "a2@example.org", &a).await, 202);
    assert_eq!(ask_link(port, "a3@example.org", &a).await, 429, "A's limit");

    // Another client behind the same proxy is not refused for A's requests.
    let b = [("X-Forwarded-For", "203.0.113.2")];
    assert_eq!(ask_link(port, "b1@example.org", &b).await, 202);
    // A client-written first hop does not make another client: the proxy's hop counts.
    let b_spoofing = [("X-Forwarded-For", "198.51.100.99, 203.0.113.2")];
    assert_eq!(ask_link(port, "b2@example.org", &b_spoofing).await, 202);
    assert_eq!(ask_link(port, "b3@example.org", &b).await, 429, "B's limit");

    // RFC 7239, with a port and quotes; it wins over X-Forwarded-For.
    let c = [
        ("Forwarded", r#"for="203.0.113.3:4711";proto=https"#),
        ("X-Forwarded-For", "203.0.113.1"),
    ];
    assert_eq!(ask_link(port, "c1@example.org", &c).await, 202);
    assert_eq!(ask_link(port, "c2@example.org", &c).await, 202);
    assert_eq!(ask_link(port, "c3@example.org", &c).await, 429, "C's limit");

    // The proxy itself (no header) is a client of its own too.
    assert_eq!(ask_link(port, "p1@example.org", &[]).await, 202);
}

#[tokio::test]
async fn from_an_untrusted_peer_forwarded_headers_are_ignored() {
    let (_t, port) = server("10.0.0.0/8").await;
    assert_eq!(
        ask_link(
            port,
            "x1@example.org",
            &[("X-Forwarded-For", "203.0.113.1")]
        )
        .await,
        202
    );
    assert_eq!(
        ask_link(port, "x2@example.org", &[("Forwarded", "for=203.0.113.2")]).await,
        202
    );
    assert_eq!(
        ask_link(
            port,
            "x3@example.org",
            &[("X-Forwarded-For", "203.0.113.3")]
        )
        .await,
        429,
        "a made-up address does not escape the limit"
    );
}

#[tokio::test]
async fn a_malformed_forwarded_header_counts_as_the_proxy_not_a_500() {
    let (_t, port) = server("127.0.0.1").await;
    assert_eq!(
        ask_link(
            port,
            "m1@example.org",
            &[("X-Forwarded-For", "not-an-address")]
        )
        .await,
        202
    );
    assert_eq!(
        ask_link(
            port,
            "m2@example.org",
            &[("Forwarded", r#"for="[2001:db8::1"#)]
        )
        .await,
        202
    );
    // Both counted against the proxy's own address: the third is over its limit.
    assert_eq!(
        ask_link(
            port,
            "m3@example.org",
            &[("X-Forwarded-For", "203.0.113.9,,")]
        )
        .await,
        429
    );
    assert_eq!(
        ask_link(
            port,
            "m4@example.org",
            &[("X-Forwarded-For", "203.0.113.9")]
        )
        .await,
        202,
        "a readable header still names its client"
    );
}
