//! Translations: one Fluent catalog per language (`locales/{lang}/*.ftl`, built into the
//! binary), for the website's pages and the mail (`locales/{lang}/mail.ftl`). English is complete
//! and the fallback; a test fails when another language lacks a message English has, or has one
//! English does not.
//!
//! Templates call `t("key", name=value, …)`; the language is the page's or the mail's (`lang`).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use include_dir::{Dir, include_dir};

use crate::values::Language;

static LOCALES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/locales");

/// The catalogs, parsed once.
pub static CATALOGS: LazyLock<Catalogs> = LazyLock::new(Catalogs::built_in);

pub struct Catalogs {
    bundles: BTreeMap<&'static str, FluentBundle<FluentResource>>,
    /// Parse errors, kept for the test that fails on them (a catalog with an error still
    /// serves the messages it could read).
    pub problems: Vec<String>,
}

impl Catalogs {
    fn built_in() -> Self {
        let mut bundles = BTreeMap::new();
        let mut problems = Vec::new();
        for lang in Language::ALL {
            let code = lang.as_str();
            let id: unic_langid::LanguageIdentifier = match code.parse() {
                Ok(id) => id,
                Err(e) => {
                    problems.push(format!("{code}: {e}"));
                    continue;
                }
            };
            let mut bundle = FluentBundle::new_concurrent(vec![id]);
            // No invisible isolation marks around values: they end up in titles and attributes.
            bundle.set_use_isolating(false);
            let files = LOCALES
                .get_dir(code)
                .map(|d| d.files().collect::<Vec<_>>())
                .unwrap_or_default();
            for file in files {
                let text = file.contents_utf8().unwrap_or_default().to_owned();
                let resource = match FluentResource::try_new(text) {
                    Ok(r) => r,
                    Err((r, errors)) => {
                        problems.push(format!("{}: {errors:?}", file.path().display()));
                        r
                    }
                };
                if let Err(errors) = bundle.add_resource(resource) {
                    problems.push(format!("{}: {errors:?}", file.path().display()));
                }
            }
            bundles.insert(code, bundle);
        }
        Catalogs { bundles, problems }
    }

    /// The message `key` in `lang` (English when that language lacks it; the key itself when
    /// English does too, so a missing message shows rather than breaking the page).
    pub fn t(&self, lang: Language, key: &str, args: &[(&str, FluentValue<'_>)]) -> String {
        match self.try_t(lang, key, args) {
            Ok(text) => text,
            Err(e) => {
                tracing::warn!(key, lang = lang.as_str(), error = e, "translation problem");
                self.format(lang, key, args)
                    .map_or_else(|| key.to_owned(), |(text, _)| text)
            }
        }
    }

    /// Like [`Catalogs::t`], but a message that English lacks too, or that could not be
    /// formatted (a value it names was not given), is an error: for mail, which must not go
    /// out with a hole in it.
    pub fn try_t(
        &self,
        lang: Language,
        key: &str,
        args: &[(&str, FluentValue<'_>)],
    ) -> Result<String, String> {
        match self.format(lang, key, args) {
            None => Err(format!("no message {key:?}")),
            Some((text, errors)) if errors.is_empty() => Ok(text),
            Some((_, errors)) => Err(format!("message {key:?} in {lang}: {errors}")),
        }
    }

    /// The message formatted, with what went wrong formatting it; `None` when neither `lang`
    /// nor English has it.
    fn format(
        &self,
        lang: Language,
        key: &str,
        args: &[(&str, FluentValue<'_>)],
    ) -> Option<(String, String)> {
        let mut fluent_args = FluentArgs::new();
        for (name, value) in args {
            fluent_args.set(*name, value.clone());
        }
        for code in [lang.as_str(), "en"] {
            let Some(bundle) = self.bundles.get(code) else {
                continue;
            };
            let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) else {
                continue;
            };
            let mut errors = Vec::new();
            let text = bundle.format_pattern(pattern, Some(&fluent_args), &mut errors);
            let errors = errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ");
            return Some((text.into_owned(), errors));
        }
        None
    }

    /// The message ids of one language's catalog.
    pub fn keys(&self, lang: Language) -> BTreeSet<String> {
        let Some(dir) = LOCALES.get_dir(lang.as_str()) else {
            return BTreeSet::new();
        };
        dir.files()
            .filter_map(|f| f.contents_utf8())
            .filter_map(|text| FluentResource::try_new(text.to_owned()).ok())
            .flat_map(|r| {
                r.entries()
                    .filter_map(|e| match e {
                        fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_owned()),
                        _ => None,
                    })
                    .collect::<Vec<_>>()
            })
            .collect()
    }
}

/// The language a visitor reads best among ours, from `Accept-Language`
/// (`nl-BE,nl;q=0.9,en;q=0.8`); English when none of ours is asked for.
pub fn from_accept_language(header: Option<&str>) -> Language {
    let mut best: Option<(f32, Language)> = None;
    for part in header.unwrap_or("").split(',') {
        let mut pieces = part.trim().split(';');
        let tag = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = pieces
            .find_map(|p| p.trim().strip_prefix("q="))
            .and_then(|q| q.parse::<f32>().ok())
            .unwrap_or(1.0);
        let primary = tag.split('-').next().unwrap_or("");
        if let Ok(lang) = primary.parse::<Language>()
            && q > 0.0
            && best.is_none_or(|(b, _)| q > b)
        {
            best = Some((q, lang));
        }
    }
    best.map_or(Language::En, |(_, l)| l)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_has_exactly_the_messages_english_has() {
        let c = &*CATALOGS;
        assert!(c.problems.is_empty(), "{:?}", c.problems);
        let en = c.keys(Language::En);
        assert!(!en.is_empty());
        for lang in Language::ALL {
            let keys = c.keys(*lang);
            let missing: Vec<_> = en.difference(&keys).collect();
            let extra: Vec<_> = keys.difference(&en).collect();
            assert!(
                missing.is_empty() && extra.is_empty(),
                "{lang}: missing {missing:?}, not in English {extra:?}"
            );
        }
    }

    #[test]
    fn messages_are_formatted_with_their_values() {
        let c = &*CATALOGS;
        assert_eq!(
            c.t(Language::Nl, "seats-left", &[("count", 3.into())]),
            "Nog 3 plaatsen vrij"
        );
        assert_eq!(
            c.t(Language::En, "seats-left", &[("count", 1.into())]),
            "1 seat left"
        );
        assert_eq!(c.t(Language::Fr, "no-such-message", &[]), "no-such-message");
    }

    /// The words of the formal German address ("Sie" and its "Ihr…" forms). The community
    /// says "du" everywhere, pages and mail alike, as the Dutch side says "je". Case matters:
    /// lower-case "sie"/"ihr" are "she/they/her" and fine; a sentence-initial "Sie" meaning
    /// "they" is rephrased rather than allowed, so this list needs no exceptions.
    const FORMAL: [&str; 8] = [
        "Sie", "Ihr", "Ihre", "Ihren", "Ihrem", "Ihrer", "Ihres", "Ihnen",
    ];

    /// Each formal word in a catalog's text (message values, attributes and every variant of
    /// every select), as "message-id: word".
    fn formal_address(ftl: &str) -> Vec<String> {
        use fluent_syntax::ast::{Entry, Expression, InlineExpression, Pattern, PatternElement};
        fn texts<'s>(pattern: &Pattern<&'s str>, into: &mut Vec<&'s str>) {
            for element in &pattern.elements {
                match element {
                    PatternElement::TextElement { value } => into.push(value),
                    PatternElement::Placeable { expression } => expression_texts(expression, into),
                }
            }
        }
        fn expression_texts<'s>(expression: &Expression<&'s str>, into: &mut Vec<&'s str>) {
            match expression {
                Expression::Select { variants, .. } => {
                    for v in variants {
                        texts(&v.value, into);
                    }
                }
                Expression::Inline(InlineExpression::StringLiteral { value }) => into.push(value),
                Expression::Inline(InlineExpression::Placeable { expression }) => {
                    expression_texts(expression, into)
                }
                Expression::Inline(_) => {}
            }
        }
        let resource = match FluentResource::try_new(ftl.to_owned()) {
            Ok(r) => r,
            Err((_, errors)) => return vec![format!("does not parse: {errors:?}")],
        };
        let mut found = Vec::new();
        for entry in resource.entries() {
            let (id, value, attributes) = match entry {
                Entry::Message(m) => (m.id.name, m.value.as_ref(), &m.attributes),
                Entry::Term(t) => (t.id.name, Some(&t.value), &t.attributes),
                _ => continue,
            };
            let mut text = Vec::new();
            for pattern in value.into_iter().chain(attributes.iter().map(|a| &a.value)) {
                texts(pattern, &mut text);
            }
            for word in text
                .iter()
                .flat_map(|t| t.split(|c: char| !c.is_alphanumeric()))
            {
                if FORMAL.contains(&word) {
                    found.push(format!("{id}: {word}"));
                }
            }
        }
        found
    }

    #[test]
    fn the_formal_address_check_finds_it_anywhere_in_a_message() {
        let ftl = "a = Hier kannst du sie sehen, ihr alle.\n\
                   b = { $n ->\n    [one] Ihre Anmeldung\n   *[other] Du\n}\n\
                   c = Text\n    .title = Melden Sie sich an\n\
                   d = Danke,{ \"Ihnen\" }!\n";
        assert_eq!(formal_address(ftl), ["b: Ihre", "c: Sie", "d: Ihnen"]);
    }

    #[test]
    fn german_says_du_everywhere() {
        let de = LOCALES.get_dir("de").map(|d| d.files().collect::<Vec<_>>());
        let files = de.unwrap_or_default();
        assert!(files.len() > 1, "the German catalogs are there");
        for file in files {
            let found = formal_address(file.contents_utf8().unwrap_or_default());
            assert!(
                found.is_empty(),
                "{}: formal address {found:?}",
                file.path().display()
            );
        }
    }

    #[test]
    fn the_visitor_language_comes_from_accept_language() {
        assert_eq!(
            from_accept_language(Some("nl-BE,nl;q=0.9,en;q=0.8")),
            Language::Nl
        );
        assert_eq!(
            from_accept_language(Some("pt-BR,fr;q=0.5,de;q=0.7")),
            Language::De
        );
        assert_eq!(from_accept_language(Some("es")), Language::En);
        assert_eq!(from_accept_language(Some("fr;q=0, en")), Language::En);
        assert_eq!(from_accept_language(None), Language::En);
    }
}
