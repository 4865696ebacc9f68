//! The client's address behind a reverse proxy (`TRUSTED_PROXIES`).
//!
//! Invariants:
//! - A request whose peer (the TCP address) is not a trusted proxy is the peer's: `Forwarded`
//!   and `X-Forwarded-For` are ignored, so a client cannot pick its own address to escape a
//!   limit.
//! - From a trusted proxy, the client is the rightmost address of `Forwarded` (RFC 7239 `for=`)
//!   or, without it, of `X-Forwarded-For` that is not itself a trusted proxy: each proxy
//!   appends the address it was reached from, so everything left of the first untrusted one
//!   from the right could have been written by the client.
//! - A header that cannot be read whole (a value that is not an address, `unknown`, an
//!   obfuscated node, a broken quote) counts as absent: the peer's address is used, never an
//!   error.
//!
//! The per-client connection cap (`edge::conn`) is applied when a connection is accepted, before
//! any header is read: a trusted proxy's connections are not capped there (it carries many
//! clients; its own limits apply), while the limits per request use the address found here.

use std::net::IpAddr;
use std::str::FromStr;

use ipnet::IpNet;
use poem::http::HeaderMap;
use poem::{FromRequest, Request, RequestBody};

/// The networks whose connections are reverse proxies we trust to say who their client is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Comma-separated CIDRs (`10.0.0.0/8, ::1/128`); a bare address is a network of one.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let mut nets = Vec::new();
        for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let net = IpNet::from_str(part)
                .or_else(|_| IpAddr::from_str(part).map(IpNet::from))
                .map_err(|_| format!("{part:?} is not a CIDR such as 10.0.0.0/8 or ::1/128"))?;
            nets.push(net.trunc());
        }
        Ok(TrustedProxies(nets))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|n| n.contains(&ip))
    }
}

impl std::fmt::Display for TrustedProxies {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown: Vec<String> = self.0.iter().map(IpNet::to_string).collect();
        f.write_str(&shown.join(","))
    }
}

/// An IPv4 client reaching a dual-stack socket shows as `::ffff:a.b.c.d`; it is `a.b.c.d`.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

/// The client's address for limits: see the module's invariants.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &TrustedProxies) -> IpAddr {
    let peer = canonical(peer);
    if !trusted.contains(peer) {
        return peer;
    }
    let chain = if headers.contains_key("forwarded") {
        forwarded_chain(headers)
    } else if headers.contains_key("x-forwarded-for") {
        x_forwarded_for_chain(headers)
    } else {
        None
    };
    let Some(chain) = chain else { return peer };
    chain
        .iter()
        .rev()
        .copied()
        .find(|ip| !trusted.contains(*ip))
        // Every hop a trusted proxy: the farthest one is the best we know.
        .or_else(|| chain.first().copied())
        .unwrap_or(peer)
}

/// Every `for=` of every `Forwarded` header in order; None if one is not an address.
fn forwarded_chain(headers: &HeaderMap) -> Option<Vec<IpAddr>> {
    let mut out = Vec::new();
    for value in headers.get_all("forwarded") {
        for element in split_outside_quotes(value.to_str().ok()?, ',')? {
            for pair in split_outside_quotes(element, ';')? {
                let Some((name, value)) = pair.split_once('=') else {
                    if pair.trim().is_empty() {
                        continue;
                    }
                    return None;
                };
                if name.trim().eq_ignore_ascii_case("for") {
                    out.push(node(unquote(value.trim())?)?);
                }
            }
        }
    }
    (!out.is_empty()).then_some(out)
}

/// Every address of every `X-Forwarded-For` header in order; None if one is not an address.
fn x_forwarded_for_chain(headers: &HeaderMap) -> Option<Vec<IpAddr>> {
    let mut out = Vec::new();
    for value in headers.get_all("x-forwarded-for") {
        for part in value.to_str().ok()?.split(',') {
            out.push(node(part.trim())?);
        }
    }
    (!out.is_empty()).then_some(out)
}

/// Splits at `sep` outside double quotes (a quoted value may hold either separator); None for
/// an unterminated quote.
fn split_outside_quotes(s: &str, sep: char) -> Option<Vec<&str>> {
    let mut parts = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (i, c) in s.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            c if c == sep && !quoted => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if quoted {
        return None;
    }
    parts.push(&s[start..]);
    Some(parts)
}

/// A token as it is, or a quoted string without its quotes (addresses have no escapes).
fn unquote(v: &str) -> Option<&str> {
    match v.strip_prefix('"') {
        Some(rest) => rest.strip_suffix('"'),
        None => Some(v),
    }
}

/// An address: `192.0.2.1`, `192.0.2.1:4711`, `2001:db8::1`, `[2001:db8::1]` or
/// `[2001:db8::1]:4711`. `unknown` and obfuscated names (`_hidden`) are None.
fn node(v: &str) -> Option<IpAddr> {
    if let Ok(ip) = IpAddr::from_str(v) {
        return Some(canonical(ip));
    }
    if let Ok(addr) = std::net::SocketAddr::from_str(v) {
        return Some(canonical(addr.ip()));
    }
    let inner = v.strip_prefix('[')?.strip_suffix(']')?;
    std::net::Ipv6Addr::from_str(inner)
        .ok()
        .map(|ip| canonical(IpAddr::V6(ip)))
}

/// The address a request counts against (limits per client), found as the module says. None
/// when the request came through no socket (the in-process test client).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub Option<IpAddr>);

impl ClientAddr {
    pub fn of(req: &Request, trusted: &TrustedProxies) -> Self {
        ClientAddr(
            req.remote_addr()
                .as_socket_addr()
                .map(|peer| client_ip(peer.ip(), req.headers(), trusted)),
        )
    }

    /// The key the budgets of `members::requests` are kept under.
    pub fn key(&self) -> String {
        self.0
            .map(|ip| ip.to_string())
            .unwrap_or_else(|| "unknown".into())
    }
}

impl<'a> FromRequest<'a> for ClientAddr {
    async fn from_request(req: &'a Request, _body: &mut RequestBody) -> poem::Result<Self> {
        let none = TrustedProxies::default();
        let trusted = req
            .data::<crate::app::App>()
            .map(|app| &app.config.trusted_proxies)
            .unwrap_or(&none);
        Ok(ClientAddr::of(req, trusted))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, v.parse().unwrap());
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn trusted_proxies_parse_cidrs_and_bare_addresses() {
        let t = TrustedProxies::parse(" 10.0.0.0/8, 192.168.1.7 ,::1/128,").unwrap();
        assert!(t.contains(ip("10.1.2.3")));
        assert!(t.contains(ip("192.168.1.7")));
        assert!(!t.contains(ip("192.168.1.8")));
        assert!(t.contains(ip("::1")));
        assert!(t.contains(ip("::ffff:10.0.0.1")), "IPv4-mapped");
        assert_eq!(t.to_string(), "10.0.0.0/8,192.168.1.7/32,::1/128");
        assert!(TrustedProxies::parse("").unwrap().is_empty());
        for bad in ["10.0.0.0/33", "proxy.local", "10.0.0.0/8;"] {
            assert!(TrustedProxies::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_says() {
        let t = TrustedProxies::parse("10.0.0.0/8").unwrap();
        let h = headers(&[
            ("x-forwarded-for", "203.0.113.9"),
            ("forwarded", "for=203.0.113.9"),
        ]);
        assert_eq!(client_ip(ip("198.51.100.1"), &h, &t), ip("198.51.100.1"));
        let none = TrustedProxies::default();
        assert_eq!(client_ip(ip("10.0.0.1"), &h, &none), ip("10.0.0.1"));
    }

    #[test]
    fn the_rightmost_untrusted_hop_is_the_client() {
        let t = TrustedProxies::parse("10.0.0.0/8").unwrap();
        let peer = ip("10.0.0.1");
        let at = |pairs: &[(&'static str, &str)]| client_ip(peer, &headers(pairs), &t);
        assert_eq!(at(&[("x-forwarded-for", "203.0.113.9")]), ip("203.0.113.9"));
        assert_eq!(
            at(&[("x-forwarded-for", "1.2.3.4, 203.0.113.9, 10.0.0.2")]),
            ip("203.0.113.9"),
            "a client-written first hop is not believed"
        );
        assert_eq!(
            at(&[
                ("x-forwarded-for", "1.2.3.4"),
                ("x-forwarded-for", "203.0.113.9")
            ]),
            ip("203.0.113.9"),
            "several headers are one list"
        );
        assert_eq!(
            at(&[(
                "forwarded",
                r#"for=1.2.3.4, for="[2001:db8:cafe::17]:4711";proto=https;by=10.0.0.1"#
            )]),
            ip("2001:db8:cafe::17")
        );
        assert_eq!(
            at(&[
                ("forwarded", "For=\"203.0.113.9:80\""),
                ("x-forwarded-for", "1.2.3.4")
            ]),
            ip("203.0.113.9"),
            "Forwarded wins over X-Forwarded-For"
        );
        assert_eq!(
            at(&[("x-forwarded-for", "10.0.0.3, 10.0.0.2")]),
            ip("10.0.0.3"),
            "every hop trusted: the farthest"
        );
        assert_eq!(at(&[]), peer, "no header: the proxy itself");
    }

    #[test]
    fn a_header_that_cannot_be_read_falls_back_to_the_peer() {
        let t = TrustedProxies::parse("10.0.0.0/8").unwrap();
        let peer = ip("10.0.0.1");
        for (name, value) in [
            ("x-forwarded-for", "not-an-address"),
            ("x-forwarded-for", "203.0.113.9, , 1.2.3.4"),
            ("x-forwarded-for", ""),
            ("forwarded", "for=unknown"),
            ("forwarded", "for=_hidden"),
            ("forwarded", r#"for="[2001:db8::1"#),
            ("forwarded", "for"),
            ("forwarded", "proto=https"),
            ("forwarded", "for=300.1.1.1"),
        ] {
            assert_eq!(
                client_ip(peer, &headers(&[(name, value)]), &t),
                peer,
                "{name}: {value}"
            );
        }
        let mut h = HeaderMap::new();
        h.insert(
            "x-forwarded-for",
            poem::http::HeaderValue::from_bytes(b"203.0.113.9\xff").unwrap(),
        );
        assert_eq!(client_ip(peer, &h, &t), peer, "bytes that are not text");
    }
}
