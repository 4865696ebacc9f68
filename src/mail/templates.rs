//! E-mail templates (minijinja): `email-templates/{kind}/{lang}.subject|.txt|.html`, built into
//! the binary and overridable from a folder (`EMAIL_TEMPLATES_DIR`) without a rebuild.
//! A language without its own template falls back to English.

use std::path::Path;

use anyhow::{Context as _, anyhow};
use include_dir::{Dir, include_dir};
use minijinja::{AutoEscape, Environment, Value};

use crate::values::Language;

static BUILT_IN: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/email-templates");

/// A mail ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

pub struct Templates {
    env: Environment<'static>,
}

impl Templates {
    /// The built-in templates, with files from `override_dir` taking precedence.
    pub fn load(override_dir: Option<&Path>) -> anyhow::Result<Self> {
        let mut env = Environment::new();
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".html") {
                AutoEscape::Html
            } else {
                AutoEscape::None
            }
        });
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        env.set_syntax(
            minijinja::syntax::SyntaxConfig::builder()
                .keep_trailing_newline(true)
                .build()
                .context("template syntax")?,
        );
        env.add_function("when", when);
        add_dir(&mut env, &BUILT_IN)?;
        if let Some(dir) = override_dir {
            add_folder(&mut env, dir, dir)?;
        }
        Ok(Self { env })
    }

    pub fn render(
        &self,
        kind: &str,
        language: Language,
        context: &serde_json::Value,
    ) -> anyhow::Result<Rendered> {
        let lang = if self
            .env
            .get_template(&format!("{kind}/{}.subject", language.as_str()))
            .is_ok()
        {
            language
        } else {
            Language::En
        };
        let mut ctx = context.clone();
        if let Some(map) = ctx.as_object_mut() {
            map.insert("lang".into(), lang.as_str().into());
        }
        let ctx = Value::from(minijinja::value::Serde(&ctx));
        let part = |ext: &str| -> anyhow::Result<String> {
            let name = format!("{kind}/{}.{ext}", lang.as_str());
            self.env
                .get_template(&name)
                .and_then(|t| t.render(&ctx))
                .with_context(|| format!("rendering e-mail template {name}"))
        };
        let subject = part("subject")?;
        Ok(Rendered {
            // A subject is one line whatever the template's whitespace; only ASCII whitespace
            // is folded, so French keeps its non-breaking spaces (« … », « : »).
            subject: subject
                .split_ascii_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
            text: part("txt")?,
            html: part("html")?,
        })
    }

    /// One template file by name, e.g. `newsletter_digest/en.subject`.
    pub fn render_one(&self, name: &str, context: &serde_json::Value) -> anyhow::Result<String> {
        let mut ctx = context.clone();
        if let Some(map) = ctx.as_object_mut()
            && let Some(lang) = name.split('/').nth(1).and_then(|f| f.split('.').next())
        {
            map.entry("lang").or_insert_with(|| lang.into());
        }
        self.env
            .get_template(name)
            .and_then(|t| t.render(Value::from(minijinja::value::Serde(&ctx))))
            .with_context(|| format!("rendering template {name}"))
    }

    /// Kinds that have the three English parts every mail needs.
    pub fn kinds(&self) -> Vec<String> {
        let mut kinds: Vec<String> = self
            .env
            .templates()
            .filter_map(|(name, _)| name.strip_suffix("/en.subject").map(str::to_owned))
            .filter(|kind| {
                ["txt", "html"]
                    .iter()
                    .all(|ext| self.env.get_template(&format!("{kind}/en.{ext}")).is_ok())
            })
            .collect();
        kinds.sort();
        kinds
    }
}

fn add_dir(env: &mut Environment<'static>, dir: &'static Dir<'static>) -> anyhow::Result<()> {
    for file in dir.files() {
        let name = file.path().to_string_lossy().replace('\\', "/");
        let source = file
            .contents_utf8()
            .ok_or_else(|| anyhow!("template {name} is not UTF-8"))?;
        env.add_template_owned(name.clone(), source.to_owned())
            .with_context(|| format!("parsing e-mail template {name}"))?;
    }
    for sub in dir.dirs() {
        add_dir(env, sub)?;
    }
    Ok(())
}

fn add_folder(env: &mut Environment<'static>, root: &Path, dir: &Path) -> anyhow::Result<()> {
    let entries = std::fs::read_dir(dir)
        .with_context(|| format!("reading templates in {}", dir.display()))?;
    for entry in entries {
        let path = entry?.path();
        if path.is_dir() {
            add_folder(env, root, &path)?;
        } else if let Ok(rel) = path.strip_prefix(root) {
            let name = rel.to_string_lossy().replace('\\', "/");
            let source = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            env.add_template_owned(name.clone(), source)
                .with_context(|| format!("parsing e-mail template {name}"))?;
        }
    }
    Ok(())
}

/// `when(start, end)` in a template: an event's local time as the mail's language writes it,
/// with the weekday: "za 12 juni 2027, 19:30–23:00", "Sat 12 June 2027, 19:30–23:00",
/// "Sa., 12. Juni 2027, 19:30–23:00", "sam. 12 juin 2027, 19:30–23:00"; an event over several
/// days names both. Times are local wall-clock times (`2027-06-12T19:30` or
/// `2027-06-12 19:30`); the language is the mail's (`lang`).
fn when(
    state: &minijinja::State,
    start: String,
    end: Option<String>,
) -> Result<String, minijinja::Error> {
    let lang = state
        .lookup("lang")
        .and_then(|v| v.as_str().map(str::to_owned))
        .and_then(|l| l.parse::<Language>().ok())
        .unwrap_or(Language::En);
    let parse = |s: &str| {
        [
            "%Y-%m-%dT%H:%M:%S",
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%d %H:%M:%S",
            "%Y-%m-%d %H:%M",
        ]
        .iter()
        .find_map(|f| chrono::NaiveDateTime::parse_from_str(s.trim(), f).ok())
        .ok_or_else(|| {
            minijinja::Error::new(
                minijinja::ErrorKind::InvalidOperation,
                format!("when(): not a local date and time: {s:?}"),
            )
        })
    };
    let start = parse(&start)?;
    let end = end.as_deref().map(parse).transpose()?;
    Ok(local_when(lang, start, end))
}

/// See [`when`].
/// A day as `lang` writes it, with its weekday: "Sat 12 June 2027", "za 12 juni 2027".
pub fn local_day(lang: Language, day: chrono::NaiveDate) -> String {
    use chrono::Locale;
    let (locale, format) = match lang {
        Language::En => (Locale::en_GB, "%a %-d %B %Y"),
        Language::Nl => (Locale::nl_BE, "%a %-d %B %Y"),
        Language::De => (Locale::de_BE, "%a., %-d. %B %Y"),
        Language::Fr => (Locale::fr_BE, "%a. %-d %B %Y"),
    };
    day.format_localized(format, locale)
        .to_string()
        // Some locales abbreviate with a dot already ("sam."); never two.
        .replace("..", ".")
}

pub fn local_when(
    lang: Language,
    start: chrono::NaiveDateTime,
    end: Option<chrono::NaiveDateTime>,
) -> String {
    let date = |t: chrono::NaiveDateTime| local_day(lang, t.date());
    let time = |t: chrono::NaiveDateTime| t.format("%H:%M").to_string();
    match end {
        Some(end) if end.date() == start.date() => {
            format!("{}, {}–{}", date(start), time(start), time(end))
        }
        Some(end) => format!(
            "{}, {} – {}, {}",
            date(start),
            time(start),
            date(end),
            time(end)
        ),
        None => format!("{}, {}", date(start), time(start)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample() -> serde_json::Value {
        let mut all = json!({
            "base_url": "https://community.example.org",
            "first_name": "Ana <b>",
            "inviter_name": "Tom Peeters",
            "link": "https://community.example.org/x?token=abc&y=1",
            "sign_in_link": "https://community.example.org/sign-in",
            "valid_hours": 48,
            "valid_minutes": 15,
            "valid_days": 14,
            "event_title": "Family day",
        });
        let more = json!({
            "event_starts": "2030-03-31 10:00",
            "event_ends": "2030-03-31 16:00",
            "event_start": "2030-03-31T10:00",
            "event_end": "2030-03-31T16:00",
            "timezone": "Europe/Brussels",
            "timezone_note": "",
            "valid_hours": 48,
            "by_staff": false,
            "venue": "Bokrijk",
            "address": "",
            "online_url": "",
            "calendar_link": "https://community.example.org/api/v1/events/x/calendar.ics",
            "people": "Ana, Mia",
            "position": 2,
            "status": "confirmed",
            "added": "Mia",
            "removed": "Raj",
            "list": "community",
            "subject": "News from Limburg",
            "content_text": "Hello **all**",
            "content_html": "<p>Hello <strong>all</strong></p>",
            "events": [{"title": "Drinks", "starts": "2030-01-01 18:00", "timezone": "Europe/Brussels", "venue": "", "link": "https://x"}],
            "unsubscribe_link": "https://community.example.org/unsubscribe/abc",
            "destination": "Toronto, CA",
            "announcer": "Tom Peeters",
            "leaving_on": "2030-06-30",
            "keep_in_touch": true,
            "role": "mentee",
            "other_name": "Bo Peeters",
            "other_email": "bo@example.org",
            "programme": "Partners at work",
            "other_about": "Job search in Flanders",
            "by": "mentor",
            "by_staff": false,
            "reason": "A new job <b>in Antwerp</b>",
            "years": 2,
            "days": 30,
            "reason": "The guide is ill.\nWe will ride <again>.",
        });
        if let (Some(a), Some(b)) = (all.as_object_mut(), more.as_object()) {
            a.extend(b.clone());
        }
        all
    }

    #[test]
    fn french_subjects_keep_their_non_breaking_spaces() {
        let t = Templates::load(None).unwrap();
        let r = t
            .render("registration_confirmed", Language::Fr, &sample())
            .unwrap();
        assert!(r.subject.contains("«\u{a0}"), "{:?}", r.subject);
        assert!(r.subject.contains("\u{a0}»"), "{:?}", r.subject);
    }

    #[test]
    fn dates_are_written_as_each_language_writes_them() {
        let at = |s: &str| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
        let (a, b) = (at("2027-06-12 19:30"), Some(at("2027-06-12 23:00")));
        assert_eq!(
            local_when(Language::Nl, a, b),
            "za 12 juni 2027, 19:30–23:00"
        );
        assert_eq!(
            local_when(Language::En, a, b),
            "Sat 12 June 2027, 19:30–23:00"
        );
        assert_eq!(
            local_when(Language::De, a, b),
            "Sa., 12. Juni 2027, 19:30–23:00"
        );
        assert_eq!(
            local_when(Language::Fr, a, b),
            "sam. 12 juin 2027, 19:30–23:00"
        );
        assert_eq!(
            local_when(Language::Nl, a, Some(at("2027-06-13 11:00"))),
            "za 12 juni 2027, 19:30 – zo 13 juni 2027, 11:00"
        );
    }

    #[test]
    fn every_kind_renders_in_every_language() {
        let t = Templates::load(None).unwrap();
        let kinds = t.kinds();
        for kind in [
            "verification",
            "magic_link",
            "partner_invitation",
            "account_exists",
        ] {
            assert!(kinds.iter().any(|k| k == kind), "missing kind {kind}");
        }
        for kind in &kinds {
            for lang in Language::ALL {
                let r = t.render(kind, *lang, &sample()).unwrap();
                assert!(!r.subject.is_empty() && !r.subject.contains('\n'));
                assert!(r.text.len() > 20, "{kind}/{lang} text too short");
                assert!(r.html.contains(&format!("lang=\"{}\"", lang.as_str())));
                assert!(
                    !r.html.contains("Ana <b>"),
                    "{kind}/{lang} html not escaped"
                );
            }
        }
    }

    #[test]
    fn a_cancellation_says_why_in_every_language_and_nothing_when_no_reason() {
        let t = Templates::load(None).unwrap();
        for lang in Language::ALL {
            let r = t.render("event_cancelled", *lang, &sample()).unwrap();
            assert!(
                r.text.contains("The guide is ill.\nWe will ride <again>."),
                "{lang}: {}",
                r.text
            );
            assert!(
                r.html
                    .contains("The guide is ill.\nWe will ride &lt;again&gt;."),
                "{lang}: {}",
                r.html
            );
            let mut none = sample();
            none["reason"] = "".into();
            let r = t.render("event_cancelled", *lang, &none).unwrap();
            let with = t.render("event_cancelled", *lang, &sample()).unwrap();
            let label = with.text.lines().find(|l| l.ends_with(':')).unwrap_or("");
            assert!(!label.is_empty() && !r.text.contains(label), "{lang}");
            assert!(!r.html.contains("pre-line"), "{lang}");
        }
    }

    #[test]
    fn languages_differ_and_links_survive() {
        let t = Templates::load(None).unwrap();
        let en = t.render("magic_link", Language::En, &sample()).unwrap();
        let nl = t.render("magic_link", Language::Nl, &sample()).unwrap();
        assert_ne!(en.subject, nl.subject);
        assert!(
            en.text
                .contains("https://community.example.org/x?token=abc&y=1")
        );
    }

    #[test]
    fn a_missing_variable_is_an_error_not_a_blank() {
        let t = Templates::load(None).unwrap();
        assert!(t.render("magic_link", Language::En, &json!({})).is_err());
    }
}
