//! Reading the mail the file transport wrote (no `SMTP_URL`): what a developer or a newcomer
//! following the README needs to click the link they were sent. The files are MIME, encoded
//! quoted-printable, so a `grep` finds broken tokens; this decodes them.

use std::path::Path;

use anyhow::{Context, bail};
use mail_parser::MessageParser;

/// One mail, decoded.
pub struct WrittenMail {
    pub from: String,
    pub to: String,
    pub subject: String,
    pub date: String,
    pub text: String,
}

/// Which mail to look for.
pub struct Wanted<'a> {
    /// The recipient (case-insensitive).
    pub to: &'a str,
    /// Only mail with a token link to this path (`/verify`).
    pub link: Option<&'a str>,
}

/// The newest mail in `dir` that is `wanted`, by the time it was written.
pub fn latest(dir: &Path, wanted: &Wanted) -> anyhow::Result<WrittenMail> {
    let to = wanted.to.trim().to_lowercase();
    let entries = std::fs::read_dir(dir)
        .with_context(|| format!("reading the mail folder {}", dir.display()))?;
    let mut newest: Option<(std::time::SystemTime, WrittenMail)> = None;
    for entry in entries {
        let path = entry?.path();
        if path.extension().is_none_or(|e| e != "eml") {
            continue;
        }
        let raw = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        let Some(mail) = decode(&raw) else { continue };
        if !mail.to.to_lowercase().split(", ").any(|a| a == to) {
            continue;
        }
        if let Some(path) = wanted.link
            && mail.token_link(path).is_none()
        {
            continue;
        }
        let written = std::fs::metadata(&path)?.modified()?;
        if newest.as_ref().is_none_or(|(t, _)| written >= *t) {
            newest = Some((written, mail));
        }
    }
    match newest {
        Some((_, mail)) => Ok(mail),
        None => match wanted.link {
            Some(path) => bail!("no mail to {to} with a {path} link in {}", dir.display()),
            None => bail!("no mail to {to} in {}", dir.display()),
        },
    }
}

fn decode(raw: &[u8]) -> Option<WrittenMail> {
    let m = MessageParser::default().parse(raw)?;
    let addresses = |a: Option<&mail_parser::Address>| {
        a.map(|a| {
            a.iter()
                .filter_map(|x| x.address())
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
    };
    Some(WrittenMail {
        from: addresses(m.from()),
        to: addresses(m.to()),
        subject: m.subject().unwrap_or_default().to_owned(),
        date: m.date().map(|d| d.to_rfc3339()).unwrap_or_default(),
        text: m.body_text(0).map(|t| t.into_owned()).unwrap_or_default(),
    })
}

impl WrittenMail {
    pub fn shown(&self) -> String {
        format!(
            "From: {}\nTo: {}\nDate: {}\nSubject: {}\n\n{}",
            self.from, self.to, self.date, self.subject, self.text
        )
    }

    /// The first link to a path starting with `path` that carries a token (sign-in,
    /// verification, invitation, confirmation).
    pub fn token_link(&self, path: &str) -> Option<String> {
        self.text
            .split(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '(' | ')' | '"'))
            .filter_map(|w| url::Url::parse(w).ok())
            .find(|u| u.path().starts_with(path) && u.query_pairs().any(|(k, _)| k == "token"))
            .map(String::from)
    }

    pub fn token(&self, path: &str) -> Option<String> {
        let link = url::Url::parse(&self.token_link(path)?).ok()?;
        link.query_pairs()
            .find(|(k, _)| k == "token")
            .map(|(_, v)| v.into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quoted_printable_link_is_read_whole() {
        // A soft line break inside the token and `=3D` for `=`: what a grep gets wrong.
        let raw = b"From: c@example.org\r\nTo: ana@example.org\r\nSubject: Confirm\r\n\
Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n\
Open https://x.example/verify?token=3Dabcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopq=\r\nrstuvwxyz to confirm.\r\n";
        let m = decode(raw).unwrap();
        assert_eq!(m.to, "ana@example.org");
        assert!(m.token("/sign-in").is_none());
        assert_eq!(
            m.token("/verify").as_deref(),
            Some("abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz")
        );
    }
}
