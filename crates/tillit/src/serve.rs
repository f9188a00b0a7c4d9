//! `tillit init` (and `tillit ca import`, which is init with an imported hierarchy) and
//! `tillit serve`.

use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;
use tillit_server::ca::{ImportKey, ImportedCa, Keystore};
use tillit_server::node::{self, dir_state, DataDir, DirState, InitOptions};
use tillit_server::tls::TlsListener;
use tillit_server::AppState;
use tokio::net::TcpListener;

/// Creates the data directory (with the first administrator when `admin` names one) and
/// says what it made.
pub async fn init(
    dir: &Path,
    database_url: Option<String>,
    keystore: &str,
    admin: &crate::admin::AdminArgs,
) -> anyhow::Result<ExitCode> {
    let keystore: Keystore = keystore.parse()?;
    let on_token = matches!(keystore, Keystore::Pkcs11(_));
    // Checked before anything is made (test identities only when the environment allows).
    let admin = admin.request(tillit_server::config::Config::from_env()?.test_identities)?;
    let done = node::init(dir, &InitOptions { database_url, keystore, import: None, admin }).await?;
    print_initialised(&done);
    if on_token {
        println!("  CA keys:    on the PKCS#11 token (labels tillit-ca-root, tillit-ca-issuing unless object= said otherwise)");
    } else {
        println!("  CA keys:    keys/ca-root.pem, keys/ca-issuing.pem");
    }
    match &done.administrator {
        Some(made) => {
            crate::admin::print(dir, made);
            print_first_link(dir, made.person).await;
        }
        None => crate::admin::print_none(dir),
    }
    print_next(dir, &done);
    Ok(ExitCode::SUCCESS)
}

/// Makes and prints the first administrator's passkey enrolment link (actor `system:init`,
/// docs/design/portal.md §1.2). The node is made by then: should this fail, `init` says so and
/// how to make a link later, and still succeeds.
async fn print_first_link(dir: &Path, person: tillit_core::ra::PersonId) {
    let made = async {
        let data = DataDir::open(dir)?;
        let store = data.open_store().await?;
        let actor = tillit_core::audit::Actor::system("init");
        let hours = tillit_server::routines::officers::DEFAULT_LINK_HOURS;
        let link = crate::admin::make_enrol_link(&store, person, &actor, hours).await;
        store.close().await;
        anyhow::Ok((data.config, link?))
    }
    .await;
    match made {
        Ok((config, link)) => {
            println!("  passkey link:  {}", crate::admin::link_url(&config, &link));
            println!(
                "                 the administrator enrols a passkey for the portal there; it {}",
                crate::admin::link_note(&link)
            );
        }
        Err(e) => eprintln!(
            "warning: no passkey enrolment link was made ({e:#}); make one with: \
             tillit admin enrol-link --data {} --person {person}",
            dir.display()
        ),
    }
}

/// Creates the data directory with an imported CA hierarchy (`tillit ca import`) and says
/// what it made.
pub async fn import(
    dir: &Path,
    database_url: Option<String>,
    import: ImportedCa,
) -> anyhow::Result<ExitCode> {
    let where_key = |key: Option<&ImportKey>, file: &str| match key {
        Some(ImportKey::File(_)) => file.to_owned(),
        Some(ImportKey::Pkcs11(uri)) => format!("on the PKCS#11 token ({})", uri.without_pin()),
        None => "not on this node (kept by its operator: its CRL and OCSP come from there)".to_owned(),
    };
    let issuing_key = where_key(Some(&import.issuing_key), "keys/ca-issuing.pem");
    let root_key = where_key(import.root_key.as_ref(), "keys/ca-root.pem");
    let options = InitOptions { database_url, keystore: Keystore::File, import: Some(import), admin: None };
    let done = node::init(dir, &options).await?;
    print_initialised(&done);
    println!("  issuing CA: imported; key {issuing_key}");
    println!("  root CA:    imported; key {root_key}");
    print_next(dir, &done);
    Ok(ExitCode::SUCCESS)
}

fn print_initialised(done: &node::Initialised) {
    println!("Initialised {}", done.dir.display());
    println!("  database:   {}", done.database);
    println!("  audit key:  {} (keys/audit-key.pem, public half keys/audit-key.pub.pem)", done.audit_key_id);
}

fn print_next(dir: &Path, done: &node::Initialised) {
    if let Some(p) = &done.generated_passphrase {
        println!(
            "  passphrase: generated into {}; in production keep it elsewhere \
             (TILLIT_KEY_PASSPHRASE or key_passphrase_file) or use an HSM",
            p.display()
        );
    }
    println!("Next: tillit serve --data {}", dir.display());
}

/// Runs the node until Ctrl-C or SIGTERM: the plain listener and the HTTPS listener.
pub async fn serve(
    dir: &Path,
    listen: Option<SocketAddr>,
    listen_tls: Option<SocketAddr>,
) -> anyhow::Result<ExitCode> {
    if dir_state(dir)? == DirState::Empty {
        let done = node::init(dir, &InitOptions::default()).await?;
        eprintln!(
            "Initialised a new data directory at {} (audit key {})",
            done.dir.display(),
            done.audit_key_id
        );
    }
    let data = DataDir::open(dir)?;
    crate::logging::init(&data.config);
    let listen = listen.unwrap_or(data.config.listen);
    let store = data.open_store().await?;
    let ca = data.open_authority(&store).await?;
    let listen_tls = listen_tls.unwrap_or_else(|| data.config.listen_tls_for(listen));
    let identity = data.tls_identity(&ca).await?;
    let tls_config = tillit_server::tls::server_config(&ca, identity)?;
    let listener = TcpListener::bind(listen).await.with_context(|| format!("cannot listen on {listen}"))?;
    let local = listener.local_addr()?;
    let tls_listener = TlsListener::bind(listen_tls, tls_config).await?;
    let local_tls = tls_listener.local_addr();
    tracing::info!(
        address = %format!("http://{local}"),
        tls_address = %format!("https://{local_tls}"),
        data = %dir.display(),
        database = %data.database()?.redacted(),
        "tillit is serving"
    );
    // The addresses to open, one per line, for people and for scripts that start the node on
    // port 0 (the browser suite): `http://localhost` is a secure context, so passkeys work there.
    let host = |addr: SocketAddr| {
        if addr.ip().is_loopback() {
            format!("localhost:{}", addr.port())
        } else {
            addr.to_string()
        }
    };
    if local.ip().is_loopback() {
        println!("portal: http://{}/", host(local));
    }
    println!("https: https://{}/", host(local_tls));
    let policy = data.policy()?;
    let state = AppState::start_with(store.clone(), ca, &data.config.ca, policy).await?;
    // The timed routines and the mail outbox, each job under its database lease.
    let _scheduler = tillit_server::scheduler::start(&state, state.policy.clone(), &data.config, &data.path)?;
    // One signal stops both listeners; each finishes its requests in flight.
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let signal = tokio::spawn(async move {
        shutdown_signal().await;
        let _ = stop.send(true);
    });
    let until_stopped = |mut stopped: tokio::sync::watch::Receiver<bool>| async move {
        let _ = stopped.wait_for(|s| *s).await;
    };
    // The officer portal: always on HTTPS; on plain HTTP only on a loopback address, where
    // `http://localhost` is a secure context for the browser (docs/design/portal.md §1.5).
    let portal = tillit_portal::web::Portal::new(
        std::sync::Arc::new(tillit_portal::i18n::Catalog::load().context("the portal's languages")?),
        state.clone(),
        tillit_portal::settings::PortalSettings::new(&data.config, local, local_tls),
    );
    let plain_extra = if local.ip().is_loopback() {
        tillit_portal::web::routes(portal.clone())
    } else {
        axum::Router::new()
    };
    let plain_app = tillit_server::app_with(state.clone(), plain_extra);
    let tls_app = tillit_server::tls_app_with(state, tillit_portal::web::routes(portal));
    let plain = tillit_server::serve_router(listener, plain_app, until_stopped(stopped.clone()));
    let tls = tillit_server::serve_tls_router(tls_listener, tls_app, until_stopped(stopped));
    let (plain, tls) = tokio::join!(plain, tls);
    signal.abort();
    plain.context("plain HTTP listener")?;
    tls.context("HTTPS listener")?;
    store.close().await;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
