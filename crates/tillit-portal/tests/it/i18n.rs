//! The four languages: every resource parses and defines the same messages, the language is
//! chosen from the officer's choice or the browser, and a page renders in each language with
//! its `lang` attribute, escaped arguments and no inline script or style.

use askama::Template as _;
use tillit_portal::i18n::{Catalog, Lang};
use tillit_portal::pages::{Me, Start, Tr};

#[test]
fn every_language_defines_the_same_messages() {
    let catalog = Catalog::load().unwrap();
    for lang in Lang::ALL {
        for id in ["portal-title", "nav-search", "sign-in", "search-button", "language-name"] {
            let text = catalog.text(lang, id, None);
            assert!(!text.is_empty() && text != id, "{lang} {id}");
        }
    }
    assert_eq!(catalog.text(Lang::Sv, "sign-in", None), "Logga in");
    assert_eq!(catalog.text(Lang::Nb, "sign-in", None), "Logg inn");
    assert_eq!(catalog.text(Lang::Da, "sign-in", None), "Log ind");
    assert_eq!(catalog.text(Lang::En, "sign-in", None), "Sign in");
}

#[test]
fn the_language_is_the_officers_choice_then_the_browsers_then_english() {
    let catalog = Catalog::load().unwrap();
    let cases = [
        (Some("da"), Some("sv-SE,sv;q=0.9"), Lang::Da),
        (Some("xx"), Some("sv-SE,sv;q=0.9"), Lang::Sv),
        (None, Some("nb-NO,nb;q=0.9,en;q=0.5"), Lang::Nb),
        (None, Some("no"), Lang::Nb),
        (None, Some("en;q=0.4,da;q=0.8"), Lang::Da),
        (None, Some("de-DE,fr;q=0.9"), Lang::En),
        (None, Some("sv;q=0"), Lang::En),
        (None, None, Lang::En),
        (None, Some(",,;;q=x"), Lang::En),
    ];
    for (choice, accept, expected) in cases {
        assert_eq!(catalog.negotiate(choice, accept), expected, "{choice:?} {accept:?}");
    }
}

#[test]
fn the_start_page_renders_in_four_languages() {
    let catalog = std::sync::Arc::new(Catalog::load().unwrap());
    for lang in Lang::ALL {
        let t = Tr::new(catalog.clone(), lang);
        let me = Me { signed_in_as: t.with("signed-in-as", "name", "<Tolvan & Co>"), csrf: "c".into() };
        let html = Start { t, me: Some(me), desk: Vec::new() }.render().unwrap();
        assert!(html.contains(&format!("<html lang=\"{}\">", lang.tag())), "{html}");
        assert!(html.contains(&catalog.text(lang, "search-button", None)), "{html}");
        // Arguments are escaped: a name is never markup.
        assert!(
            html.contains("&#60;Tolvan &#38; Co&#62;") || html.contains("&lt;Tolvan &amp; Co&gt;"),
            "{html}"
        );
        assert!(!html.contains("<Tolvan"), "{html}");
        // A strict CSP: no inline script or style anywhere.
        assert_eq!(html.matches("<script").count(), 1, "{html}");
        assert!(html.contains(r#"<script type="module" src="/assets/portal.js"></script>"#), "{html}");
        assert!(!html.contains("style=") && !html.contains("<style"), "{html}");
        // Every language offered in the switch, named in itself, the current one selected.
        for other in Lang::ALL {
            assert!(html.contains(&catalog.text(other, "language-name", None)), "{html}");
        }
        assert!(
            html.contains(&format!("value=\"{}\" lang=\"{}\" selected", lang.tag(), lang.tag())),
            "{html}"
        );
    }
}

/// Every message a template asks for (`t.msg("…")`, `t.with("…", …)`) is defined; a page
/// never shows an id instead of text.
#[test]
fn every_message_a_template_uses_is_defined() {
    let catalog = Catalog::load().unwrap();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    let mut used = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        for call in ["t.msg(\"", "t.with(\""] {
            for part in text.split(call).skip(1) {
                let id = part.split('"').next().unwrap();
                used += 1;
                assert_ne!(catalog.text(Lang::En, id, None), id, "{}: {id} is not defined", path.display());
            }
        }
    }
    assert!(used >= 8, "{used}");
}
