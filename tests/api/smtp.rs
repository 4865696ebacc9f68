//! A real SMTP receiver on a real socket, for tests: it speaks enough SMTP for lettre, keeps
//! every message it accepts, and can be told to refuse temporarily or permanently.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::Notify;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Accept,
    /// 451 at the end of DATA: lettre sees a transient error.
    TempFail,
    /// 550 for every recipient: a permanent error.
    PermFail,
}

#[derive(Debug, Clone)]
pub struct Received {
    pub to: Vec<String>,
    pub raw: String,
}

struct Shared {
    mode: Mutex<Mode>,
    received: Mutex<Vec<Received>>,
    arrived: Notify,
}

#[derive(Clone)]
pub struct SmtpReceiver {
    pub port: u16,
    shared: Arc<Shared>,
}

impl SmtpReceiver {
    pub async fn start() -> Self {
        Self::start_on(0).await
    }

    /// Listens on a given port (0: any free one).
    pub async fn start_on(port: u16) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let shared = Arc::new(Shared {
            mode: Mutex::new(Mode::Accept),
            received: Mutex::new(Vec::new()),
            arrived: Notify::new(),
        });
        let s = shared.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let s = s.clone();
                tokio::spawn(async move {
                    let _ = session(stream, s).await;
                });
            }
        });
        SmtpReceiver { port, shared }
    }

    pub fn set_mode(&self, mode: Mode) {
        *self.shared.mode.lock().unwrap() = mode;
    }

    pub fn received(&self) -> Vec<Received> {
        self.shared.received.lock().unwrap().clone()
    }

    /// Waits until at least `n` messages arrived (panics after 10 s).
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let notified = self.shared.arrived.notified();
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                panic!("expected {n} mails, got {}", self.received().len());
            }
        }
    }
}

async fn session(stream: tokio::net::TcpStream, shared: Arc<Shared>) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 test-receiver ESMTP\r\n").await?;
    let mut to = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let cmd = line.trim_end().to_ascii_uppercase();
        let mode = *shared.mode.lock().unwrap();
        let reply: &[u8] = if cmd.starts_with("EHLO") {
            b"250-test-receiver\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
        } else if cmd.starts_with("HELO") {
            b"250 test-receiver\r\n"
        } else if cmd.starts_with("MAIL FROM") {
            to.clear();
            b"250 OK\r\n"
        } else if cmd.starts_with("RCPT TO") {
            if mode == Mode::PermFail {
                b"550 5.1.1 mailbox unavailable\r\n"
            } else {
                let addr = line.trim_end()[8..]
                    .trim()
                    .trim_start_matches('<')
                    .split('>')
                    .next()
                    .unwrap_or("")
                    .to_owned();
                to.push(addr);
                b"250 OK\r\n"
            }
        } else if cmd == "DATA" {
            write.write_all(b"354 go ahead\r\n").await?;
            let mut raw = String::new();
            loop {
                line.clear();
                if lines.read_line(&mut line).await? == 0 {
                    return Ok(());
                }
                if line == ".\r\n" || line == ".\n" {
                    break;
                }
                let l = line.strip_prefix('.').unwrap_or(&line);
                raw.push_str(l);
            }
            if mode == Mode::TempFail {
                b"451 4.3.0 try again later\r\n"
            } else {
                shared.received.lock().unwrap().push(Received {
                    to: std::mem::take(&mut to),
                    raw,
                });
                shared.arrived.notify_waiters();
                b"250 OK queued\r\n"
            }
        } else if cmd == "QUIT" {
            write.write_all(b"221 bye\r\n").await?;
            return Ok(());
        } else if cmd.starts_with("RSET") || cmd.starts_with("NOOP") {
            b"250 OK\r\n"
        } else {
            b"502 not implemented\r\n"
        };
        write.write_all(reply).await?;
    }
}
