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

/// The signed-in officer, as every page's header shows them.
#[derive(Debug, Clone)]
pub struct Me {
    /// "Signed in as …".
    pub signed_in_as: String,
    /// The session's CSRF token, for the sign-out form and every other POST.
    pub csrf: String,
}

impl Me {
    /// The header's view of a session.
    pub fn of(t: &Tr, signed_in: &crate::session::SignedIn) -> Me {
        Me { signed_in_as: t.with("signed-in-as", "name", &signed_in.name), csrf: signed_in.csrf() }
    }
}

/// The start page.
#[derive(Debug, Template)]
#[template(path = "start.html")]
pub struct Start {
    /// The translator.
    pub t: Tr,
    /// The officer, when signed in.
    pub me: Option<Me>,
    /// The routines the officer may start here (the Danish desk), by their grants.
    pub desk: Vec<crate::read::Link>,
}

/// The sign-in page: a passkey ceremony (and, later, a certificate).
#[derive(Debug, Template)]
#[template(path = "sign_in.html")]
pub struct SignIn {
    /// The translator.
    pub t: Tr,
    /// Never signed in here.
    pub me: Option<Me>,
    /// Why the officer is here again ("expired", "ended"), or what went wrong.
    pub notice: Option<String>,
    /// The challenge's id.
    pub challenge_id: String,
    /// The challenge, base64url.
    pub challenge: String,
    /// The RP id.
    pub rp_id: String,
    /// Where to go after.
    pub return_to: String,
    /// The serial of a client certificate the connection presented that may sign in.
    pub certificate: Option<String>,
}

/// The passkey enrolment page of a one-time link.
#[derive(Debug, Template)]
#[template(path = "enrol.html")]
pub struct Enrol {
    /// The translator.
    pub t: Tr,
    /// Not signed in yet.
    pub me: Option<Me>,
    /// What went wrong on a previous try.
    pub notice: Option<String>,
    /// The link's token (the form posts back to it).
    pub token: String,
    /// The officer's name.
    pub name: String,
    /// The challenge's id.
    pub challenge_id: String,
    /// The challenge, base64url.
    pub challenge: String,
    /// The RP id.
    pub rp_id: String,
    /// The WebAuthn user handle, base64url.
    pub user_handle: String,
    /// The WebAuthn user name (what the authenticator lists).
    pub user_name: String,
    /// The officer's passkeys already registered, base64url ids, comma-separated.
    pub exclude: String,
}

/// A page that only says something (a link used, a page not found).
#[derive(Debug, Template)]
#[template(path = "message.html")]
pub struct Message {
    /// The translator.
    pub t: Tr,
    /// The officer, when signed in.
    pub me: Option<Me>,
    /// The heading.
    pub title: String,
    /// The text.
    pub text: String,
}

/// One of the officer's passkeys.
#[derive(Debug, Clone)]
pub struct KeyRow {
    /// The officer's name for it.
    pub name: String,
    /// When it was registered.
    pub created: crate::locale::Timestamp,
    /// When it was last used.
    pub last_used: Option<crate::locale::Timestamp>,
}

/// "My passkeys".
#[derive(Debug, Template)]
#[template(path = "my_passkeys.html")]
pub struct MyPasskeys {
    /// The translator.
    pub t: Tr,
    /// The officer.
    pub me: Option<Me>,
    /// Their passkeys.
    pub keys: Vec<KeyRow>,
    /// The ceremony that adds a passkey, offered in a session begun with a certificate.
    pub add: Option<AddPasskey>,
    /// What happened to the last try.
    pub notice: Option<String>,
}

/// The data of a `navigator.credentials.create` ceremony.
#[derive(Debug, Clone)]
pub struct AddPasskey {
    /// The challenge's id.
    pub challenge_id: String,
    /// The challenge, base64url.
    pub challenge: String,
    /// The RP id.
    pub rp_id: String,
    /// The WebAuthn user handle, base64url.
    pub user_handle: String,
    /// The WebAuthn user name.
    pub user_name: String,
    /// The officer's name.
    pub display_name: String,
    /// Passkeys registered already, base64url ids, comma-separated.
    pub exclude: String,
}
