//! E-mail templates (minijinja), built into the binary and overridable from a folder
//! (`EMAIL_TEMPLATES_DIR`) without a rebuild.
//!
//! One template set per kind, the same for every language: `email-templates/{kind}/subject.txt`,
//! `mail.txt` and `mail.html`. Their words come from `t("key", name=value, …)`, which reads the
//! website's Fluent catalogs (`locales/{lang}/mail.ftl`) in the mail's language, so a translator
//! edits words, never markup, and a style change is one edit in `_macros.html` or `_layout.html`.
//!
//! An override folder replaces any built-in file with the same relative path. Overrides written
//! for the old layout, one file per language (`{kind}/{lang}.subject|.txt|.html`), are still
//! honoured: such a file, where present, wins over the shared template for that language and part.

use std::path::Path;

use anyhow::{Context as _, anyhow};
use fluent_bundle::FluentValue;
use include_dir::{Dir, include_dir};
use minijinja::value::{Kwargs, ValueKind};
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

/// The parts of a mail: the shared template's file name and the old per-language extension.
const PARTS: [(&str, &str); 3] = [
    ("subject.txt", "subject"),
    ("mail.txt", "txt"),
    ("mail.html", "html"),
];

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
        env.add_function("t", t);
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
        let [subject, text, html] = PARTS;
        let subject = self.render_part(kind, subject, language, context)?;
        // A subject is one line whatever the template's whitespace; only ASCII whitespace
        // is folded, so French keeps its non-breaking spaces (« … », « : »).
        let subject = subject
            .split_ascii_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        // The HTML part's <title> is the subject.
        let mut context = context.clone();
        if let Some(map) = context.as_object_mut() {
            map.insert("mail_subject".into(), subject.clone().into());
        }
        Ok(Rendered {
            text: self.render_part(kind, text, language, &context)?,
            html: self.render_part(kind, html, language, &context)?,
            subject,
        })
    }

    /// One part of a kind in `language`: `(file, old extension)`, e.g.
    /// `("intro.md", "md")` for `newsletter_digest/intro.md` (or an old `newsletter_digest/nl.md`).
    pub fn render_part(
        &self,
        kind: &str,
        (file, old_ext): (&str, &str),
        language: Language,
        context: &serde_json::Value,
    ) -> anyhow::Result<String> {
        let mut ctx = context.clone();
        if let Some(map) = ctx.as_object_mut() {
            map.insert("lang".into(), language.as_str().into());
        }
        let old = format!("{kind}/{}.{old_ext}", language.as_str());
        let name = if self.env.get_template(&old).is_ok() {
            old
        } else {
            format!("{kind}/{file}")
        };
        self.env
            .get_template(&name)
            .and_then(|t| t.render(Value::from(minijinja::value::Serde(&ctx))))
            .with_context(|| format!("rendering e-mail template {name} ({language})"))
    }

    /// One template file by name, e.g. `unsubscribe_page/en.html`; `lang` is taken from the
    /// name's file stem unless the context has one.
    pub fn render_one(&self, name: &str, context: &serde_json::Value) -> anyhow::Result<String> {
        let mut ctx = context.clone();
        if let Some(map) = ctx.as_object_mut()
            && let Some(lang) = name.split('/').nth(1).and_then(|f| f.split('.').next())
            && lang.parse::<Language>().is_ok()
        {
            map.entry("lang").or_insert_with(|| lang.into());
        }
        self.env
            .get_template(name)
            .and_then(|t| t.render(Value::from(minijinja::value::Serde(&ctx))))
            .with_context(|| format!("rendering template {name}"))
    }

    /// Kinds that have the three parts every mail needs.
    pub fn kinds(&self) -> Vec<String> {
        let mut kinds: Vec<String> = self
            .env
            .templates()
            .filter_map(|(name, _)| name.strip_suffix("/subject.txt").map(str::to_owned))
            .filter(|kind| {
                PARTS
                    .iter()
                    .all(|(file, _)| self.env.get_template(&format!("{kind}/{file}")).is_ok())
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

/// The language of the mail being rendered (`lang` in its context).
fn language_of(state: &minijinja::State) -> Language {
    state
        .lookup("lang")
        .and_then(|v| v.as_str().map(str::to_owned))
        .and_then(|l| l.parse::<Language>().ok())
        .unwrap_or(Language::En)
}

/// `t("key", name=value, …)` in a template: the message `key` of the Fluent catalogs, in the
/// mail's language, with its values. Unlike a page, a mail with an unknown key or a missing
/// value is an error, as a missing template variable is: a mail is sent once and cannot be
/// corrected afterwards, and the tests render every kind.
fn t(state: &minijinja::State, key: String, kwargs: Kwargs) -> Result<String, minijinja::Error> {
    let mut args = Vec::new();
    for name in kwargs.args() {
        let value: Value = kwargs.get(name)?;
        let value = match value.kind() {
            ValueKind::Number => match i64::try_from(value.clone()) {
                Ok(n) => FluentValue::from(n),
                Err(_) => FluentValue::from(f64::try_from(value).unwrap_or_default()),
            },
            _ => FluentValue::from(value.to_string()),
        };
        args.push((name, value));
    }
    crate::i18n::CATALOGS
        .try_t(language_of(state), &key, &args)
        .map_err(|e| minijinja::Error::new(minijinja::ErrorKind::InvalidOperation, e))
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
    let lang = language_of(state);
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
            "count": 3,
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
            "event_link": "https://community.example.org/events/x",
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

    /// The sample and variants that take the other branch of every condition in the templates.
    fn variants() -> Vec<serde_json::Value> {
        let a = sample();
        let mut b = a.clone();
        for (k, v) in [
            ("reason", json!("")),
            ("first_name", json!("")),
            ("destination", json!("")),
            ("keep_in_touch", json!(false)),
            ("by_staff", json!(true)),
            ("role", json!("mentor")),
            ("by", json!("staff")),
            ("years", json!(1)),
            ("days", json!(1)),
            ("count", json!(1)),
            ("list", json!("alumni")),
            ("status", json!("waitlisted")),
            ("other_about", json!("")),
            ("added", json!("")),
            ("venue", json!("")),
            ("address", json!("Main 1, Genk")),
            ("online_url", json!("https://meet.example/x")),
            ("timezone_note", json!(" (Europe/London)")),
            ("events", json!([])),
            ("event_end", json!("2030-04-01T16:00")),
        ] {
            b[k] = v;
        }
        let mut c = b.clone();
        c["people"] = json!("");
        c["reason"] = json!("Rain");
        c["first_name"] = json!("Ana");
        vec![a, b, c]
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
            "registration_confirmed",
            "newsletter",
        ] {
            assert!(kinds.iter().any(|k| k == kind), "missing kind {kind}");
        }
        assert_eq!(kinds.len(), 22, "{kinds:?}");
        // What a template or a message left unrendered, or markup in the text part.
        let leftovers = [
            "{{", "{%", "{ $", "mail-", "<p", "<br", "<a ", "<strong", "&middot;", "&amp;", "&lt;",
        ];
        for kind in &kinds {
            for lang in Language::ALL {
                for (i, ctx) in variants().iter().enumerate() {
                    let r = t.render(kind, *lang, ctx).unwrap();
                    let at = format!("{kind}/{lang}/{i}");
                    assert!(!r.subject.is_empty() && !r.subject.contains('\n'), "{at}");
                    assert!(r.text.len() > 20, "{at} text too short");
                    for bad in leftovers {
                        assert!(!r.text.contains(bad), "{at}: {bad:?} in {}", r.text);
                        assert!(!r.subject.contains(bad), "{at}: {bad:?} in {}", r.subject);
                    }
                    for bad in ["{{", "{%", "{ $", "mail-"] {
                        assert!(!r.html.contains(bad), "{at}: {bad:?} in {}", r.html);
                    }
                    assert!(r.html.contains(&format!("lang=\"{}\"", lang.as_str())));
                    assert!(!r.html.contains("Ana <b>"), "{at} html not escaped");
                    assert!(
                        r.html
                            .contains(&format!("<title>{}</title>", escape(&r.subject))),
                        "{at}: the subject is the title"
                    );
                    // Every mail leads to the site: its home, the account and the privacy policy.
                    for path in ["/me", "/privacy-policy"] {
                        let link = format!("https://community.example.org{path}");
                        assert!(r.text.contains(&link), "{at}");
                        assert!(r.html.contains(&escape(&link)), "{at}");
                    }
                }
            }
        }
    }

    /// As minijinja escapes HTML (a slash too).
    fn escape(s: &str) -> String {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
            .replace('\'', "&#x27;")
            .replace('/', "&#x2f;")
    }

    #[test]
    fn every_word_of_the_mail_catalog_is_used_by_a_template() {
        let mut sources = String::new();
        fn collect(dir: &Dir<'_>, into: &mut String) {
            for f in dir.files() {
                into.push_str(f.contents_utf8().unwrap_or_default());
            }
            for d in dir.dirs() {
                collect(d, into);
            }
        }
        collect(&BUILT_IN, &mut sources);
        let unused: Vec<String> = crate::i18n::CATALOGS
            .keys(Language::En)
            .into_iter()
            .filter(|k| k.starts_with("mail-") && !sources.contains(&format!("\"{k}\"")))
            .collect();
        assert!(unused.is_empty(), "unused: {unused:?}");
    }

    #[test]
    fn the_words_are_the_catalogs_in_the_mails_language() {
        let t = Templates::load(None).unwrap();
        let nl = t
            .render("registration_confirmed", Language::Nl, &sample())
            .unwrap();
        assert_eq!(nl.subject, "Je inschrijving voor Family day is bevestigd");
        assert!(
            nl.text.starts_with("Dag Ana <b>,\n\nGoed nieuws"),
            "{}",
            nl.text
        );
        assert!(nl.html.contains("Dag Ana &lt;b&gt;,"), "{}", nl.html);
        assert!(nl.text.contains("Wanneer: zo 31 maart 2030, 10:00–16:00\n"));
        assert!(nl.text.contains("\nWarme groeten,\nExpat Centre Limburg\n"));
        let de = t
            .render("alumni_reminder", Language::De, &sample())
            .unwrap();
        assert!(de.text.contains("seit 2 Jahren"), "{}", de.text);
        let mut one = sample();
        one["years"] = json!(1);
        let de = t.render("alumni_reminder", Language::De, &one).unwrap();
        assert!(de.text.contains("seit einem Jahr"), "{}", de.text);
    }

    #[test]
    fn mail_links_to_the_pages_of_the_site() {
        let t = Templates::load(None).unwrap();
        let site = "https://community.example.org";
        for kind in [
            "registration_confirmed",
            "registration_promoted",
            "event_reminder",
        ] {
            let r = t.render(kind, Language::En, &sample()).unwrap();
            for needle in [
                format!("Your registrations: {site}/registrations\n"),
                format!("More info: {site}/events/x\n"),
            ] {
                assert!(r.text.contains(&needle), "{kind}: {}", r.text);
            }
            for path in ["/registrations", "/events/x"] {
                let href = format!("href=\"{}\"", escape(&format!("{site}{path}")));
                assert!(r.html.contains(&href), "{kind}: {href}");
            }
        }
        let r = t.render("farewell", Language::Fr, &sample()).unwrap();
        assert!(
            r.text
                .contains(&format!("Votre profil\u{a0}: {site}/profile\n")),
            "{}",
            r.text
        );
        let r = t.render("newsletter", Language::En, &sample()).unwrap();
        assert!(r.text.contains("  More info: https://x\n"), "{}", r.text);
        assert!(
            r.text
                .contains(&format!("Unsubscribe: {site}/unsubscribe/abc\n"))
        );
    }

    #[test]
    fn an_override_replaces_its_file_and_old_per_language_files_still_count() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, text: &str| {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write(
            "magic_link/subject.txt",
            "Hey! {{ t(\"mail-magic-link-subject\") }}",
        );
        write("verification/nl.subject", "Welkom, {{ first_name }}");
        write(
            "_macros.html",
            &BUILT_IN
                .get_file("_macros.html")
                .unwrap()
                .contents_utf8()
                .unwrap()
                .replace("#0b5e7e", "#aa0000"),
        );
        let t = Templates::load(Some(dir.path())).unwrap();
        let en = t.render("magic_link", Language::En, &sample()).unwrap();
        assert_eq!(
            en.subject,
            "Hey! Your sign-in link for Limburgers Worldwide"
        );
        let nl = t.render("magic_link", Language::Nl, &sample()).unwrap();
        assert_eq!(nl.subject, "Hey! Je aanmeldlink voor Limburgers Worldwide");
        assert!(
            nl.html.contains("bgcolor=\"#aa0000\"") && !nl.html.contains("bgcolor=\"#0b5e7e\"")
        );
        let old = t.render("verification", Language::Nl, &sample()).unwrap();
        assert_eq!(old.subject, "Welkom, Ana <b>");
        assert!(old.text.contains("Bevestig je adres via deze link:"));
        let en = t.render("verification", Language::En, &sample()).unwrap();
        assert_eq!(
            en.subject,
            "Confirm your email address for Limburgers Worldwide"
        );
    }

    #[test]
    fn a_template_with_an_unknown_word_fails_rather_than_sending_the_key() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("magic_link")).unwrap();
        std::fs::write(
            dir.path().join("magic_link/subject.txt"),
            "{{ t(\"mail-no-such-thing\") }}",
        )
        .unwrap();
        let t = Templates::load(Some(dir.path())).unwrap();
        assert!(t.render("magic_link", Language::En, &sample()).is_err());
        // A value the message needs but the template does not give is an error too.
        std::fs::write(
            dir.path().join("magic_link/subject.txt"),
            "{{ t(\"mail-hi\") }}",
        )
        .unwrap();
        let t = Templates::load(Some(dir.path())).unwrap();
        assert!(t.render("magic_link", Language::En, &sample()).is_err());
    }

    /// Renders every kind in every language, in each variant, to `$MAIL_DUMP` (a folder), to
    /// look at them in a browser or compare them before and after a change:
    /// `MAIL_DUMP=/tmp/mail cargo test --lib dump_every_mail -- --ignored`.
    #[test]
    #[ignore]
    fn dump_every_mail() {
        let dir = std::env::var("MAIL_DUMP").expect("MAIL_DUMP, a folder");
        std::fs::create_dir_all(&dir).unwrap();
        let t = Templates::load(None).unwrap();
        for kind in t.kinds() {
            for lang in Language::ALL {
                for (i, ctx) in variants().iter().enumerate() {
                    let r = t.render(&kind, *lang, ctx).unwrap();
                    let base = format!("{dir}/{kind}.{lang}.{i}");
                    std::fs::write(format!("{base}.subject"), &r.subject).unwrap();
                    std::fs::write(format!("{base}.txt"), &r.text).unwrap();
                    std::fs::write(format!("{base}.html"), &r.html).unwrap();
                }
            }
        }
        for lang in Language::ALL {
            for (i, ctx) in variants().iter().enumerate() {
                let part = |p| t.render_part("newsletter_digest", p, *lang, ctx).unwrap();
                let base = format!("{dir}/newsletter_digest.{lang}.{i}");
                std::fs::write(format!("{base}.subject"), part(("subject.txt", "subject")))
                    .unwrap();
                std::fs::write(format!("{base}.md"), part(("intro.md", "md"))).unwrap();
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
