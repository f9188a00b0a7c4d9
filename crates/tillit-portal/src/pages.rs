//! The pages, as askama templates over a translator for the request's language.

use std::sync::Arc;

use askama::Template;

use crate::i18n::{Catalog, Lang};

/// The request's language and its texts, as templates use them: `{{ t.msg("sign-in") }}`.
#[derive(Debug, Clone)]
pub struct Tr {
    catalog: Arc<Catalog>,
    /// The page's language.
    pub lang: Lang,
}

impl Tr {
    /// A translator for `lang`.
    pub fn new(catalog: Arc<Catalog>, lang: Lang) -> Tr {
        Tr { catalog, lang }
    }

    /// The text of message `id`.
    pub fn msg(&self, id: &str) -> String {
        self.catalog.text(self.lang, id, None)
    }

    /// The text of message `id` with one argument `name` = `value`.
    pub fn with(&self, id: &str, name: &str, value: &str) -> String {
        let mut args = fluent_bundle::FluentArgs::new();
        args.set(name.to_string(), value.to_string());
        self.catalog.text(self.lang, id, Some(&args))
    }

    /// The language switch: every language named in itself, the current one marked.
    pub fn languages(&self) -> Vec<LanguageChoice> {
        Lang::ALL
            .into_iter()
            .map(|l| LanguageChoice {
                tag: l.tag(),
                name: self.catalog.text(l, "language-name", None),
                current: l == self.lang,
            })
            .collect()
    }
}

/// One entry of the language switch.
#[derive(Debug, Clone)]
pub struct LanguageChoice {
    /// Its tag.
    pub tag: &'static str,
    /// Its own name for itself.
    pub name: String,
    /// Whether the page is in it.
    pub current: bool,
}

/// The start page.
#[derive(Debug, Template)]
#[template(path = "start.html")]
pub struct Start {
    /// The translator.
    pub t: Tr,
    /// "Signed in as …", when signed in.
    pub signed_in: Option<String>,
}

impl Start {
    /// The start page.
    pub fn new(t: Tr, signed_in_name: Option<&str>) -> Start {
        let signed_in = signed_in_name.map(|name| t.with("signed-in-as", "name", name));
        Start { t, signed_in }
    }
}
