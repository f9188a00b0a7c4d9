//! `tillit init` and `tillit serve`.

use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;
use tillit_server::node::{self, dir_state, DataDir, DirState};
use tillit_server::AppState;
use tokio::net::TcpListener;

/// Creates the data directory and says what it made.
pub async fn init(dir: &Path, database_url: Option<&str>) -> anyhow::Result<ExitCode> {
    let done = node::init(dir, database_url).await?;
    println!("Initialised {}", done.dir.display());
    println!("  database:   {}", done.database);
    println!("  audit key:  {} (keys/audit-key.pem, public half keys/audit-key.pub.pem)", done.audit_key_id);
    if let Some(p) = &done.generated_passphrase {
        println!(
            "  passphrase: generated into {}; in production keep it elsewhere \
             (TILLIT_KEY_PASSPHRASE or key_passphrase_file) or use an HSM",
            p.display()
        );
    }
    println!("Next: tillit serve --data {}", dir.display());
    Ok(ExitCode::SUCCESS)
}

/// Runs the node until Ctrl-C or SIGTERM.
pub async fn serve(dir: &Path, listen: Option<SocketAddr>) -> anyhow::Result<ExitCode> {
    if dir_state(dir)? == DirState::Empty {
        let done = node::init(dir, None).await?;
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
    let listener = TcpListener::bind(listen).await.with_context(|| format!("cannot listen on {listen}"))?;
    let local = listener.local_addr()?;
    tracing::info!(
        address = %format!("http://{local}"),
        data = %dir.display(),
        database = %data.database()?.redacted(),
        "tillit is serving"
    );
    tillit_server::serve(listener, AppState::new(store.clone(), ca), shutdown_signal()).await?;
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
