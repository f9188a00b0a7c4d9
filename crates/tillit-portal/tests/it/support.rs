//! A node serving the portal on `http://localhost:<port>`, officers in its directory, and a
//! browser-like client that keeps the session cookie and sends `Origin` on every POST.

use std::net::SocketAddr;
use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine as _;
use tillit_core::audit::Actor;
use tillit_core::id::{Country, HsaId, NationalId, ParseOptions};
use tillit_core::ra::org::{Org, OrgKind};
use tillit_core::ra::person::{Employment, EmploymentKind, Person};
use tillit_core::ra::role::{Grant, Role};
use tillit_core::ra::{GrantId, OrgId, PersonId};
use tillit_portal::i18n::Catalog;
use tillit_portal::settings::PortalSettings;
use tillit_portal::web::{routes, Portal};
use tillit_server::node::{self, DataDir, InitOptions};
use tillit_server::routines::officers;
use tillit_server::routines::passkey::{SoftAuthenticator, ES256};
use tillit_server::AppState;
use time::macros::date;
use tokio::net::TcpListener;
use uuid::Uuid;

pub struct Node {
    pub base: String,
    /// The HTTPS listener's base URL (`https://localhost:<port>`).
    pub tls_base: String,
    tls_port: u16,
    pub state: Arc<AppState>,
    pub portal: Portal,
    pub data: std::path::PathBuf,
    stop: Option<tokio::sync::watch::Sender<bool>>,
    tasks: Vec<tokio::task::JoinHandle<std::io::Result<()>>>,
    _dir: tempfile::TempDir,
}

pub async fn node() -> Node {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    node::init(&data, &InitOptions::default()).await.unwrap();
    let data_dir = DataDir::open(&data).unwrap();
    let store = data_dir.open_store().await.unwrap();
    let ca = data_dir.open_authority(&store).await.unwrap();
    let identity = data_dir.tls_identity(&ca).await.unwrap();
    let tls_config = tillit_server::tls::server_config(&ca, identity).unwrap();
    let state = AppState::start(store, ca, &data_dir.config.ca).await.unwrap();
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let secure = tillit_server::tls::TlsListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)), tls_config)
        .await
        .unwrap();
    let tls_port = secure.local_addr().port();
    let mut settings = PortalSettings::localhost(port);
    settings.origins.push(format!("https://localhost:{tls_port}"));
    let portal = Portal::new(Arc::new(Catalog::load().unwrap()), state.clone(), settings);
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let until = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|s| *s).await;
    };
    let plain = tillit_server::app_with(state.clone(), routes(portal.clone()));
    let tls = tillit_server::tls_app_with(state.clone(), routes(portal.clone()));
    let tasks = vec![
        tokio::spawn(tillit_server::serve_router(listener, plain, until(stopped.clone()))),
        tokio::spawn(tillit_server::serve_tls_router(secure, tls, until(stopped))),
    ];
    let mut tx = state.store.begin().await.unwrap();
    for (n, parent, kind) in [(1, None, OrgKind::Organisation), (2, Some(1), OrgKind::Unit)] {
        tx.insert_org(&Org {
            id: OrgId(Uuid::from_u128(n)),
            parent: parent.map(|p| OrgId(Uuid::from_u128(p))),
            kind,
            name: format!("Tolvköping {n}"),
            org_number: None,
            hr_code: Some(format!("U{n}")),
        })
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    Node {
        base: format!("http://localhost:{port}"),
        tls_base: format!("https://localhost:{tls_port}"),
        tls_port,
        state,
        portal,
        data,
        stop: Some(stop),
        tasks,
        _dir: dir,
    }
}

impl Node {
    pub async fn shutdown(mut self) {
        self.stop.take().unwrap().send(true).unwrap();
        for task in std::mem::take(&mut self.tasks) {
            task.await.unwrap().unwrap();
        }
    }

    /// The node's chain (issuing CA, root), PEM.
    pub fn chain_pem(&self) -> String {
        std::fs::read_to_string(self.data.join("tls/chain.pem")).unwrap()
    }

    /// A browser on the HTTPS listener, trusting the node's root only, presenting `identity`
    /// (certificate chain and key, PEM) when given.
    pub fn tls_browser(&self, identity: Option<&str>) -> Browser {
        let chain = self.chain_pem();
        let root = chain.split_inclusive("-----END CERTIFICATE-----\n").nth(1).unwrap().to_string();
        let mut builder = reqwest::Client::builder()
            .use_rustls_tls()
            .tls_built_in_root_certs(false)
            .add_root_certificate(reqwest::Certificate::from_pem(root.as_bytes()).unwrap())
            .resolve("localhost", SocketAddr::from(([127, 0, 0, 1], self.tls_port)))
            .redirect(reqwest::redirect::Policy::none());
        if let Some(pem) = identity {
            builder = builder.identity(reqwest::Identity::from_pem(pem.as_bytes()).unwrap());
        }
        Browser {
            client: builder.build().unwrap(),
            base: self.tls_base.clone(),
            origin: self.tls_base.clone(),
            cookie: None,
        }
    }

    /// The portal's origin.
    pub fn origin(&self) -> &str {
        &self.base
    }
}

/// A valid Swedish personnummer for person `n`.
pub fn national_id(n: u128) -> NationalId {
    let nine = format!("7502{:02}{:03}", 1 + n % 28, 100 + n % 900);
    let sum: u32 = nine
        .bytes()
        .enumerate()
        .map(|(k, b)| {
            let d = u32::from(b - b'0') * if k % 2 == 0 { 2 } else { 1 };
            d / 10 + d % 10
        })
        .sum();
    NationalId::parse(
        Country::Se,
        &format!("19{nine}{}", (10 - sum % 10) % 10),
        &ParseOptions::new(date!(2026 - 01 - 01)),
    )
    .unwrap()
}

/// Person `n` in the unit, holding `roles` on it.
pub async fn officer(node: &Node, n: u128, roles: &[Role]) -> PersonId {
    let id = PersonId(Uuid::from_u128(n));
    let person = Person {
        id,
        national_id: national_id(n),
        given_names: "Tolvan".into(),
        family_name: format!("Officer{n}"),
        preferred_name: None,
        hsa_id: Some(HsaId::parse(&format!("SE2321000016-{n:04}")).unwrap()),
        email: None,
        mobile: None,
        address: None,
        delivery_address: None,
        employments: vec![Employment {
            org: OrgId(Uuid::from_u128(2)),
            kind: EmploymentKind::Employment,
            start: date!(2020 - 01 - 01),
            end: None,
        }],
        licensed_title: None,
        protected: false,
        name_checked: Some(date!(2026 - 01 - 02)),
    };
    let mut tx = node.state.store.begin().await.unwrap();
    tx.insert_person(&person).await.unwrap();
    for (i, role) in roles.iter().enumerate() {
        let grant = Grant {
            id: GrantId(Uuid::from_u128(n * 100 + i as u128)),
            person: id,
            role: *role,
            scope: OrgId(Uuid::from_u128(2)),
        };
        tx.insert_grant(&grant, &serde_json::json!({})).await.unwrap();
    }
    tx.commit().await.unwrap();
    id
}

/// A one-time enrolment link's token for `person`, valid `hours`.
pub async fn link(node: &Node, person: PersonId, hours: u32) -> String {
    let mut tx = node.state.store.begin().await.unwrap();
    let made =
        officers::create_link(&mut tx, person, &Actor::system("test"), None, hours, officers::now_us())
            .await
            .unwrap();
    tx.commit().await.unwrap();
    made.token
}

/// A browser: no redirects followed, the session cookie kept, `Origin` on every POST.
pub struct Browser {
    client: reqwest::Client,
    pub base: String,
    pub origin: String,
    pub cookie: Option<String>,
}

pub struct Page {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub html: String,
}

impl Page {
    pub fn location(&self) -> &str {
        self.headers.get("location").and_then(|v| v.to_str().ok()).unwrap_or("")
    }

    /// The value of attribute `name` on the first element that has it.
    pub fn attr(&self, name: &str) -> String {
        let needle = format!("{name}=\"");
        let start =
            self.html.find(&needle).unwrap_or_else(|| panic!("no {name} in {}", self.html)) + needle.len();
        let end = self.html[start..].find('"').unwrap() + start;
        self.html[start..end].to_string()
    }

    /// The value of the hidden input `name`.
    pub fn input(&self, name: &str) -> String {
        let needle = format!("name=\"{name}\" value=\"");
        let start = self.html.find(&needle).unwrap_or_else(|| panic!("no input {name} in {}", self.html))
            + needle.len();
        let end = self.html[start..].find('"').unwrap() + start;
        self.html[start..end].to_string()
    }

    pub fn challenge(&self) -> Vec<u8> {
        B64URL.decode(self.attr("data-challenge")).unwrap()
    }
}

impl Browser {
    pub fn new(node: &Node) -> Browser {
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Browser { client, base: node.base.clone(), origin: node.origin().to_string(), cookie: None }
    }

    /// A browser whose `Accept-Language` asks for `tag` (the officer's language).
    pub fn in_language(node: &Node, tag: &str) -> Browser {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("accept-language", reqwest::header::HeaderValue::from_str(tag).unwrap());
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .default_headers(headers)
            .build()
            .unwrap();
        Browser { client, base: node.base.clone(), origin: node.origin().to_string(), cookie: None }
    }

    fn keep(&mut self, headers: &reqwest::header::HeaderMap) {
        for value in headers.get_all("set-cookie") {
            let value = value.to_str().unwrap();
            if let Some(rest) = value.strip_prefix("__Host-tillit-session=") {
                let v = rest.split(';').next().unwrap();
                self.cookie = (!v.is_empty()).then(|| v.to_string());
            }
        }
    }

    async fn finish(&mut self, r: reqwest::Response) -> Page {
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        self.keep(&headers);
        Page { status, headers, html: r.text().await.unwrap() }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let mut request = self.client.get(format!("{}{path}", self.base));
        if let Some(c) = &self.cookie {
            request = request.header("cookie", format!("__Host-tillit-session={c}"));
        }
        let r = request.send().await.unwrap();
        self.finish(r).await
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, String)]) -> Page {
        self.post_from(path, form, Some(&self.origin.clone())).await
    }

    pub async fn post_from(&mut self, path: &str, form: &[(&str, String)], origin: Option<&str>) -> Page {
        let mut request = self.client.post(format!("{}{path}", self.base)).form(form);
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        if let Some(c) = &self.cookie {
            request = request.header("cookie", format!("__Host-tillit-session={c}"));
        }
        let r = request.send().await.unwrap();
        self.finish(r).await
    }
}

/// A software passkey for the portal at `node`.
pub fn authenticator(node: &Node) -> SoftAuthenticator {
    SoftAuthenticator::new(ES256, "localhost", node.origin()).unwrap()
}

/// Enrols `auth` through the link `token`: the page, the ceremony, the form.
pub async fn enrol(browser: &mut Browser, auth: &SoftAuthenticator, token: &str) -> Page {
    let page = browser.get(&format!("/enrol/{token}")).await;
    assert_eq!(page.status, 200, "{}", page.html);
    let (attestation, client_data) = auth.register(&page.challenge()).unwrap();
    browser
        .post(
            &format!("/enrol/{token}"),
            &[
                ("challenge_id", page.input("challenge_id")),
                ("name", "Security key".into()),
                ("attestation_object", B64URL.encode(attestation)),
                ("client_data_json", B64URL.encode(client_data)),
                ("transports", r#"["usb"]"#.into()),
            ],
        )
        .await
}

/// Signs in with `auth`: the page, the ceremony, the form.
pub async fn sign_in(browser: &mut Browser, auth: &mut SoftAuthenticator) -> Page {
    let page = browser.get("/sign-in").await;
    assert_eq!(page.status, 200, "{}", page.html);
    let assertion = auth.assert(&page.challenge()).unwrap();
    browser
        .post(
            "/sign-in",
            &[
                ("challenge_id", page.input("challenge_id")),
                ("return", "/".into()),
                ("credential_id", B64URL.encode(auth.credential_id())),
                ("authenticator_data", B64URL.encode(&assertion.authenticator_data)),
                ("client_data_json", B64URL.encode(&assertion.client_data_json)),
                ("signature", B64URL.encode(&assertion.signature)),
                ("user_handle", String::new()),
            ],
        )
        .await
}
