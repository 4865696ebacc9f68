//! Connections: a cap per client address and a header read timeout, which poem does not offer
//! (hyper has a header timeout, but it needs a timer that poem does not give it). The body read
//! timeout is in [`super::read_request`].
//!
//! Invariants:
//! - At most `MAX_CONNECTIONS_PER_CLIENT` connections from one IP address are open at once; one
//!   more is answered 429 and closed at once, without reaching the HTTP server (0: no cap). A
//!   trusted reverse proxy (`TRUSTED_PROXIES`) is not capped: it carries many clients.
//! - A connection with no request in flight must deliver a whole request header within
//!   `HTTP_HEADER_TIMEOUT_SECS` of being opened or of the last byte the server wrote to it, or it
//!   is closed. Bytes that arrive do not extend that time, so a header trickled in a byte at a
//!   time is closed all the same; an idle keep-alive connection is closed after the same time.
//!
//! How: [`Guarded`] wraps the listener's acceptor and each connection's stream ([`GuardedIo`]);
//! [`Connections::busy`], called by the outermost middleware, marks a connection as having a
//! request in flight, found by its client's address and port.

use std::collections::HashMap;
use std::future::Future as _;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use poem::http::uri::Scheme;
use poem::listener::Acceptor;
use poem::web::{LocalAddr, RemoteAddr};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

/// What each open connection shares with the requests it carries.
struct ConnState {
    /// Requests being handled on the connection (HTTP/2 may carry several).
    in_flight: AtomicUsize,
    /// Milliseconds after [`Connections::epoch`] when the connection was last busy: opened,
    /// written to, or done with a request. The header timeout runs from here.
    quiet_since: AtomicU64,
}

#[derive(Default)]
struct Open {
    per_ip: HashMap<IpAddr, usize>,
    /// Client address and port → (connection number, its state).
    by_peer: HashMap<SocketAddr, (u64, Arc<ConnState>)>,
    next: u64,
}

/// The open connections of a server: shared by its acceptor and its middleware.
pub struct Connections {
    epoch: Instant,
    open: Mutex<Open>,
}

impl Default for Connections {
    fn default() -> Self {
        Connections {
            epoch: Instant::now(),
            open: Mutex::default(),
        }
    }
}

impl Connections {
    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Open> {
        // The map stays consistent between statements, so a panic elsewhere cannot spoil it.
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Registers a new connection, or None when its client already has `cap` open (0: no cap).
    fn open(&self, peer: Option<SocketAddr>, cap: usize) -> Option<(u64, Arc<ConnState>)> {
        let state = Arc::new(ConnState {
            in_flight: AtomicUsize::new(0),
            quiet_since: AtomicU64::new(self.now_ms()),
        });
        let mut open = self.lock();
        open.next += 1;
        let id = open.next;
        if let Some(peer) = peer {
            let count = open.per_ip.entry(peer.ip()).or_insert(0);
            if cap > 0 && *count >= cap {
                return None;
            }
            *count += 1;
            open.by_peer.insert(peer, (id, state.clone()));
        }
        Some((id, state))
    }

    fn close(&self, peer: Option<SocketAddr>, id: u64) {
        let Some(peer) = peer else { return };
        let mut open = self.lock();
        if open.by_peer.get(&peer).is_some_and(|(i, _)| *i == id) {
            open.by_peer.remove(&peer);
        }
        if let Some(count) = open.per_ip.get_mut(&peer.ip()) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.per_ip.remove(&peer.ip());
            }
        }
    }

    /// Marks the connection of `remote` as handling a request until the guard is dropped. None
    /// for a request that did not come through a [`Guarded`] acceptor (the test client).
    pub fn busy(self: &Arc<Self>, remote: &RemoteAddr) -> Option<Busy> {
        let peer = remote.as_socket_addr()?;
        let state = self.lock().by_peer.get(peer).map(|(_, s)| s.clone())?;
        state.in_flight.fetch_add(1, Ordering::SeqCst);
        Some(Busy {
            state,
            connections: self.clone(),
        })
    }

    /// Connections open from `ip` now.
    pub fn from_client(&self, ip: IpAddr) -> usize {
        self.lock().per_ip.get(&ip).copied().unwrap_or(0)
    }
}

/// A request in flight on a connection (see [`Connections::busy`]).
pub struct Busy {
    state: Arc<ConnState>,
    connections: Arc<Connections>,
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.state
            .quiet_since
            .store(self.connections.now_ms(), Ordering::SeqCst);
        self.state.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The limits a [`Guarded`] acceptor applies.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub header_timeout: Duration,
    /// 0: no cap.
    pub max_per_client: usize,
}

/// An acceptor that caps connections per client address and times out idle and slow headers.
pub struct Guarded<A> {
    inner: A,
    connections: Arc<Connections>,
    limits: Limits,
    /// Peers not capped: reverse proxies, which carry many clients (see `edge::client`).
    uncapped: super::client::TrustedProxies,
}

impl<A> Guarded<A> {
    pub fn new(inner: A, connections: Arc<Connections>, limits: Limits) -> Self {
        Guarded {
            inner,
            connections,
            limits,
            uncapped: Default::default(),
        }
    }

    /// Connections from these peers are not capped (`TRUSTED_PROXIES`).
    pub fn uncapped_for(mut self, proxies: super::client::TrustedProxies) -> Self {
        self.uncapped = proxies;
        self
    }
}

/// The whole answer to a connection over the cap, written before it is closed.
static REFUSAL: LazyLock<Vec<u8>> = LazyLock::new(|| {
    let body = serde_json::to_vec(&crate::error::Problem::new(
        poem::http::StatusCode::TOO_MANY_REQUESTS,
        "too many connections from your address at once; close some and try again",
        vec![],
    ))
    .unwrap_or_default();
    let mut out = format!(
        "HTTP/1.1 429 Too Many Requests\r\ncontent-type: {}\r\ncontent-length: {}\r\n\
         retry-after: 5\r\nx-content-type-options: nosniff\r\ncontent-security-policy: {}\r\n\
         connection: close\r\n\r\n",
        crate::error::PROBLEM_JSON,
        body.len(),
        super::headers::DEFAULT_POLICY
    )
    .into_bytes();
    out.extend_from_slice(&body);
    out
});

/// Answers a connection over the cap without waiting for it: what its client already sent is
/// read (so closing does not reset the connection before the answer is read), the answer is
/// written if the socket takes it at once (a fresh socket's buffer does), then it is closed.
fn refuse<Io: AsyncRead + AsyncWrite + Unpin>(mut io: Io) {
    let mut cx = Context::from_waker(std::task::Waker::noop());
    let mut scratch = [0u8; 4096];
    let mut buf = ReadBuf::new(&mut scratch);
    let _ = Pin::new(&mut io).poll_read(&mut cx, &mut buf);
    let _ = Pin::new(&mut io).poll_write(&mut cx, &REFUSAL);
    let _ = Pin::new(&mut io).poll_shutdown(&mut cx);
}

impl<A: Acceptor> Acceptor for Guarded<A> {
    type Io = GuardedIo<A::Io>;

    fn local_addr(&self) -> Vec<LocalAddr> {
        self.inner.local_addr()
    }

    async fn accept(&mut self) -> io::Result<(Self::Io, LocalAddr, RemoteAddr, Scheme)> {
        loop {
            let (io, local, remote, scheme) = self.inner.accept().await?;
            let peer = remote.as_socket_addr().copied();
            let cap = match peer {
                Some(p) if self.uncapped.contains(p.ip()) => 0,
                _ => self.limits.max_per_client,
            };
            let Some((id, state)) = self.connections.open(peer, cap) else {
                // Not logged above debug: a client that opens too many would fill the log.
                tracing::debug!("connection refused: too many from one client");
                refuse(io);
                continue;
            };
            let io = GuardedIo {
                inner: io,
                state,
                connections: self.connections.clone(),
                peer,
                id,
                header_timeout: self.limits.header_timeout,
                timer: Box::pin(tokio::time::sleep(self.limits.header_timeout)),
                timer_for: None,
            };
            return Ok((io, local, remote, scheme));
        }
    }
}

/// A connection's stream: reading fails with `TimedOut` once the header timeout has passed
/// with no request in flight, which makes the HTTP server close the connection.
pub struct GuardedIo<Io> {
    inner: Io,
    state: Arc<ConnState>,
    connections: Arc<Connections>,
    peer: Option<SocketAddr>,
    id: u64,
    header_timeout: Duration,
    timer: Pin<Box<Sleep>>,
    /// The `quiet_since` the timer is set for.
    timer_for: Option<u64>,
}

impl<Io> Drop for GuardedIo<Io> {
    fn drop(&mut self) {
        self.connections.close(self.peer, self.id);
    }
}

impl<Io: AsyncRead + Unpin> AsyncRead for GuardedIo<Io> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if this.state.in_flight.load(Ordering::SeqCst) == 0 {
            let since = this.state.quiet_since.load(Ordering::SeqCst);
            if this.timer_for != Some(since) {
                let deadline =
                    this.connections.epoch + Duration::from_millis(since) + this.header_timeout;
                this.timer.as_mut().reset(deadline);
                this.timer_for = Some(since);
            }
            if this.timer.as_mut().poll(cx).is_ready() {
                return Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "no complete request header in time",
                )));
            }
        }
        Pin::new(&mut this.inner).poll_read(cx, buf)
    }
}

impl<Io: AsyncWrite + Unpin> AsyncWrite for GuardedIo<Io> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let written = Pin::new(&mut this.inner).poll_write(cx, data);
        if matches!(written, Poll::Ready(Ok(n)) if n > 0) {
            // A response still going out is not idleness: the clock restarts after its last byte.
            this.state
                .quiet_since
                .store(this.connections.now_ms(), Ordering::SeqCst);
        }
        written
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let written = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        if matches!(written, Poll::Ready(Ok(n)) if n > 0) {
            this.state
                .quiet_since
                .store(this.connections.now_ms(), Ordering::SeqCst);
        }
        written
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_counts_per_address_and_frees_on_close() {
        let c = Connections::default();
        let a: SocketAddr = "10.0.0.1:1000".parse().unwrap();
        let b: SocketAddr = "10.0.0.1:1001".parse().unwrap();
        let other: SocketAddr = "10.0.0.2:1000".parse().unwrap();
        let (first, _) = c.open(Some(a), 2).unwrap();
        let (second, _) = c.open(Some(b), 2).unwrap();
        assert!(c.open(Some("10.0.0.1:1002".parse().unwrap()), 2).is_none());
        assert!(
            c.open(Some(other), 2).is_some(),
            "another address has its own count"
        );
        c.close(Some(a), first);
        assert_eq!(c.from_client(a.ip()), 1);
        assert!(c.open(Some(a), 2).is_some());
        c.close(Some(b), second);
        assert!(c.open(None, 1).is_some(), "no address, no cap");
        assert!(c.open(Some(other), 0).is_some(), "0: no cap");
    }
}
