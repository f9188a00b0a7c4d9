//! The portal's four languages (English, Swedish, Norwegian bokmål, Danish) as Fluent
//! resources compiled into the binary, and the choice of language: the officer's own choice
//! when made, else the best match of the browser's `Accept-Language`, else English.
//!
//! Each language has six files in `locales/<lang>/` ([`FILES`]): `portal.ftl` the common
//! pages, `rules.ftl` a title and a remedy per SPEC rule, `actions.ftl` the labels of audit
//! actions and statuses, `read.ftl` the read-only pages, `flows.ftl` the routines' flows, `eid.ftl` the citizens' sign-in and activation. Every language defines exactly the messages English defines, file by file.

use std::collections::BTreeSet;
use std::fmt;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};
use fluent_langneg::{negotiate_languages, NegotiationStrategy};
use unic_langid::LanguageIdentifier;

/// A language of the portal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Lang {
    /// English.
    En,
    /// Swedish.
    Sv,
    /// Norwegian bokmål.
    Nb,
    /// Danish.
    Da,
}

impl Lang {
    /// Every language, in the order the switch shows them.
    pub const ALL: [Lang; 4] = [Lang::Sv, Lang::Nb, Lang::Da, Lang::En];

    /// The BCP 47 tag (`<html lang>`).
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Sv => "sv",
            Lang::Nb => "nb",
            Lang::Da => "da",
        }
    }

    /// The language of a tag the portal serves (`sv`, `nb`, …), if any.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|l| l.tag().eq_ignore_ascii_case(tag.trim()))
    }

    /// The language's resources, in the order of [`FILES`].
    fn sources(self) -> [&'static str; 6] {
        match self {
            Lang::En => [
                include_str!("../locales/en/portal.ftl"),
                include_str!("../locales/en/rules.ftl"),
                include_str!("../locales/en/actions.ftl"),
                include_str!("../locales/en/read.ftl"),
                include_str!("../locales/en/flows.ftl"),
                include_str!("../locales/en/eid.ftl"),
            ],
            Lang::Sv => [
                include_str!("../locales/sv/portal.ftl"),
                include_str!("../locales/sv/rules.ftl"),
                include_str!("../locales/sv/actions.ftl"),
                include_str!("../locales/sv/read.ftl"),
                include_str!("../locales/sv/flows.ftl"),
                include_str!("../locales/sv/eid.ftl"),
            ],
            Lang::Nb => [
                include_str!("../locales/nb/portal.ftl"),
                include_str!("../locales/nb/rules.ftl"),
                include_str!("../locales/nb/actions.ftl"),
                include_str!("../locales/nb/read.ftl"),
                include_str!("../locales/nb/flows.ftl"),
                include_str!("../locales/nb/eid.ftl"),
            ],
            Lang::Da => [
                include_str!("../locales/da/portal.ftl"),
                include_str!("../locales/da/rules.ftl"),
                include_str!("../locales/da/actions.ftl"),
                include_str!("../locales/da/read.ftl"),
                include_str!("../locales/da/flows.ftl"),
                include_str!("../locales/da/eid.ftl"),
            ],
        }
    }
}

/// The Fluent files of every language, in the order they are loaded: the pages, the rules'
/// titles and remedies, the labels of audit actions and statuses, the read-only pages
/// (search, person, card, reports) and the routines' guided flows.
pub const FILES: [&str; 6] = ["portal.ftl", "rules.ftl", "actions.ftl", "read.ftl", "flows.ftl", "eid.ftl"];

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.tag())
    }
}

/// A resource that does not parse, or a message missing in a language.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum I18nError {
    /// A resource has syntax errors, or defines a message another file of the language
    /// already defines.
    #[error("locales/{lang}/{file}: {errors}")]
    Parse {
        /// The language.
        lang: Lang,
        /// The file, one of [`FILES`].
        file: &'static str,
        /// What the parser said.
        errors: String,
    },
    /// The languages do not define the same messages.
    #[error("locales/{lang}/{file} lacks {missing:?} and has {extra:?} compared with English")]
    Mismatch {
        /// The language.
        lang: Lang,
        /// The file, one of [`FILES`].
        file: &'static str,
        /// Messages English has and this language lacks.
        missing: Vec<String>,
        /// Messages this language has and English lacks.
        extra: Vec<String>,
    },
}

/// The four bundles.
pub struct Catalog {
    bundles: Vec<(Lang, FluentBundle<FluentResource>)>,
}

impl fmt::Debug for Catalog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Catalog").field("languages", &self.bundles.len()).finish()
    }
}

/// Errors of the parser or the bundle, one line.
fn joined<E: fmt::Debug>(errors: &[E]) -> String {
    errors.iter().map(|e| format!("{e:?}")).collect::<Vec<_>>().join("; ")
}

fn message_ids(source: &str) -> BTreeSet<String> {
    source
        .lines()
        .filter(|l| !l.starts_with(['#', ' ', '\t', '.', '*', '[']) && !l.trim().is_empty())
        .filter_map(|l| l.split_once('=').map(|(id, _)| id.trim().to_string()))
        .collect()
}

impl Catalog {
    /// Loads and checks every language: each resource parses, no two files of a language
    /// define the same message, and each file defines exactly the messages the English file
    /// defines (a page never shows a message id instead of text).
    pub fn load() -> Result<Catalog, I18nError> {
        let english = Lang::En.sources().map(message_ids);
        let mut bundles = Vec::new();
        for lang in Lang::ALL {
            let id: LanguageIdentifier = lang.tag().parse().map_err(|_| I18nError::Parse {
                lang,
                file: FILES[0],
                errors: "the language tag does not parse".into(),
            })?;
            let mut bundle = FluentBundle::new_concurrent(vec![id]);
            // Unicode isolation marks would show as stray characters in copied text and
            // break exact-match tests; the portal's arguments are plain names and numbers.
            bundle.set_use_isolating(false);
            for ((file, source), english) in FILES.into_iter().zip(lang.sources()).zip(&english) {
                let resource = FluentResource::try_new(source.to_string())
                    .map_err(|(_, errors)| I18nError::Parse { lang, file, errors: joined(&errors) })?;
                let ids = message_ids(source);
                if ids != *english {
                    return Err(I18nError::Mismatch {
                        lang,
                        file,
                        missing: english.difference(&ids).cloned().collect(),
                        extra: ids.difference(english).cloned().collect(),
                    });
                }
                // An id defined in an earlier file of the language is refused here.
                bundle.add_resource(resource).map_err(|errors| I18nError::Parse {
                    lang,
                    file,
                    errors: joined(&errors),
                })?;
            }
            bundles.push((lang, bundle));
        }
        Ok(Catalog { bundles })
    }

    /// Whether `lang` has a message `id` with a value.
    pub fn has_message(&self, lang: Lang, id: &str) -> bool {
        self.bundles
            .iter()
            .find(|(l, _)| *l == lang)
            .and_then(|(_, bundle)| bundle.get_message(id))
            .is_some_and(|m| m.value().is_some())
    }

    /// The text of message `id` in `lang` with `args`; the id itself if there is no such
    /// message (never expected: [`Catalog::load`] checks the sets).
    pub fn text(&self, lang: Lang, id: &str, args: Option<&FluentArgs<'_>>) -> String {
        let Some((_, bundle)) = self.bundles.iter().find(|(l, _)| *l == lang) else { return id.to_string() };
        let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) else { return id.to_string() };
        let mut errors = Vec::new();
        bundle.format_pattern(pattern, args, &mut errors).into_owned()
    }

    /// The language for a request: the officer's choice (a cookie or query value) when it is
    /// one of ours, else the best match of `Accept-Language`, else English.
    pub fn negotiate(&self, choice: Option<&str>, accept_language: Option<&str>) -> Lang {
        if let Some(lang) = choice.and_then(Lang::from_tag) {
            return lang;
        }
        // "sv-SE,sv;q=0.9,en;q=0.8": tags by falling quality, equal qualities in order.
        let mut weighted: Vec<(&str, f32)> = accept_language
            .unwrap_or_default()
            .split(',')
            .filter_map(|part| {
                let mut fields = part.split(';');
                let tag = fields.next()?.trim();
                let q = fields
                    .find_map(|f| f.trim().strip_prefix("q=").and_then(|q| q.parse::<f32>().ok()))
                    .unwrap_or(1.0);
                (!tag.is_empty() && q > 0.0).then_some((tag, q))
            })
            .collect();
        weighted.sort_by(|a, b| b.1.total_cmp(&a.1));
        let requested: Vec<LanguageIdentifier> = weighted
            .into_iter()
            .filter_map(|(tag, _)| {
                // Norwegian without more is bokmål for this portal ("no", "nn" are read as nb).
                let tag = match tag.to_ascii_lowercase().as_str() {
                    "no" | "nn" | "no-no" | "nn-no" => "nb",
                    _ => tag,
                };
                tag.parse().ok()
            })
            .collect();
        let available: Vec<LanguageIdentifier> =
            Lang::ALL.iter().filter_map(|l| l.tag().parse().ok()).collect();
        let default: LanguageIdentifier = Lang::En.tag().parse().unwrap_or_default();
        let chosen = negotiate_languages(&requested, &available, Some(&default), NegotiationStrategy::Lookup);
        chosen.first().and_then(|l| Lang::from_tag(l.language.as_str())).unwrap_or(Lang::En)
    }
}
