//! Credential pairs issued through the API end to end, on the embedded default (SQLite, file
//! keystore): BENCH_ENROL_N holders (default 2,000) with a handed-out SIS card and an open
//! credential order each, downloading their pair over HTTPS (`POST /api/v1/enrolment`) with
//! BENCH_ENROL_CLIENTS at once (default 16). The cards' P-256 keys and requests are made
//! before the clock starts (the card's key generation is not the node's work). What is timed
//! is the node: TLS, the code, both requests checked, the directory read, two certificates
//! signed, the credential, the card, the audit entries and the idempotency record committed
//! in one transaction. Prints pairs/s and latency percentiles.
//!
//! `cargo bench -p tillit-server --bench enrolment` (`BENCH_ENROL_N=500` for a quick run).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rayon::prelude::*;
use tillit_core::audit::Actor;
use tillit_core::id::{Country, OrgNumber};
use tillit_core::ra::card::{Card, CardEvent, CardKind, IdDocument};
use tillit_core::ra::credential::{Credential, CredentialEvent, CredentialKind, IdBasis};
use tillit_core::ra::org::{Org, OrgKind};
use tillit_core::ra::proofing::SeDocument;
use tillit_core::ra::{CardId, CredentialId, OrgId};
use tillit_pki::profile::SubjectField;
use tillit_pki::signer::generate_pkcs8;
use tillit_pki::{FileSigner, KeyAlgorithm};
use tillit_server::directory::{self, ImportOptions};
use tillit_server::node::{self, DataDir, InitOptions};
use tillit_server::routines::credentials::code_hash;
use tillit_server::routines::kinds::Kept as _;
use tillit_server::tls::{self, TlsListener};
use tillit_server::AppState;
use tokio::net::TcpListener;

mod support;
use support::{family, personnummer, GIVEN};

fn csr(i: usize, which: &str) -> String {
    let pkcs8 = generate_pkcs8(KeyAlgorithm::EcdsaP256).unwrap();
    let signer =
        FileSigner::from_pkcs8(std::path::Path::new("card"), KeyAlgorithm::EcdsaP256, &pkcs8).unwrap();
    let der = tillit_pki::token::certification_request(
        &signer,
        &[(SubjectField::CommonName, format!("card {i} {which}"))],
    )
    .unwrap();
    der::pem::encode_string("CERTIFICATE REQUEST", der::pem::LineEnding::LF, &der).unwrap()
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i].as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::var("BENCH_ENROL_N").ok().and_then(|v| v.parse().ok()).unwrap_or(2000);
    let clients: usize = std::env::var("BENCH_ENROL_CLIENTS").ok().and_then(|v| v.parse().ok()).unwrap_or(16);
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    node::init(&data, &InitOptions::default()).await.unwrap();
    let data_dir = DataDir::open(&data).unwrap();
    let store = data_dir.open_store().await.unwrap();
    let actor = Actor::system("bench");
    let top = OrgId(uuid::Uuid::now_v7());
    let unit = OrgId(uuid::Uuid::now_v7());
    for (id, parent, kind, code) in
        [(top, None, OrgKind::Organisation, "K"), (unit, Some(top), OrgKind::Unit, "U")]
    {
        let org = Org {
            id,
            parent,
            kind,
            name: code.into(),
            org_number: (kind == OrgKind::Organisation)
                .then(|| OrgNumber::parse(Country::Se, "212000-0738").unwrap()),
            hr_code: Some(code.into()),
        };
        directory::add_org(&store, &actor, org).await.unwrap();
    }

    // The holders, from the HR register (secured: names checked, HSA-ids allocated).
    let file = dir.path().join("hr.csv");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&file).unwrap());
    writeln!(out, "national_id,given_names,family_name,unit,start,name_checked").unwrap();
    for i in 0..n as u64 {
        writeln!(
            out,
            "{},{},{},U,2020-01-01,2026-01-02",
            personnummer(i),
            GIVEN[(i % 12) as usize],
            family(i)
        )
        .unwrap();
    }
    out.flush().unwrap();
    drop(out);
    let today = time::OffsetDateTime::now_utc().date();
    let opts = ImportOptions {
        scope: top,
        country: Country::Se,
        dry_run: false,
        may_see_protected: false,
        allow_test_ids: false,
        today,
        actor: actor.clone(),
    };
    directory::import_hr(&store, std::fs::File::open(&file).unwrap(), &opts, &|_| {}).await.unwrap();

    // A handed-out card and an open credential order for each, as the officer's routines
    // leave them (the state is the replay of the routines' events).
    let persons = store.persons_employed_in(&[unit], today).await.unwrap();
    assert_eq!(persons.len(), n);
    let policy = tillit_core::ra::policy::Policy::default();
    let mut codes = Vec::with_capacity(n);
    let mut tx = store.begin().await.unwrap();
    for (i, person) in persons.iter().enumerate() {
        let card_id = CardId(uuid::Uuid::now_v7());
        let document = IdDocument { kind: SeDocument::Passport, number: "X".into() };
        let mut card = Card::created(&CardEvent::OrderBasisCreated {
            card: card_id,
            person: *person,
            org: unit,
            kind: CardKind::Sis,
            override_reason: None,
            replaces: vec![],
            on: today,
        })
        .unwrap();
        let batch = tillit_core::ra::card::BatchId(uuid::Uuid::now_v7());
        for e in [
            CardEvent::Ordered {
                card: card_id,
                officer: *person,
                document: document.kind,
                document_number: document.number.clone(),
                photo: None,
                signature_image: None,
                on: today,
            },
            CardEvent::Sent { card: card_id, batch, on: today },
            CardEvent::Delivered {
                card: card_id,
                serial: format!("97520{i:05}"),
                valid_until: tillit_core::ra::card::add_months(today, 60),
                pin_letter_expected: today,
                collect_by: today,
                on: today,
            },
            CardEvent::HandedOut {
                card: card_id,
                officer: *person,
                document: document.kind,
                document_number: document.number.clone(),
                receipt: "r".into(),
                on: today,
            },
        ] {
            card.apply(&e);
        }
        tx.insert_record(&card.new_record(Some(unit), &policy)).await.unwrap();
        let credential = CredentialId(uuid::Uuid::now_v7());
        let code = format!("BENCH-{i:08}");
        let expires = tillit_core::ra::card::add_days(today, 14);
        let order = Credential::created(&CredentialEvent::OrderBasisCreated {
            credential,
            person: *person,
            card: Some(card_id),
            kind: CredentialKind::CardPair,
            basis: IdBasis::HsaId,
            valid_until: tillit_core::ra::card::add_months(today, 24),
            code_expires: expires,
            download_code_ref: "bench".into(),
        })
        .unwrap();
        tx.insert_record(&order.new_record(Some(unit), &policy)).await.unwrap();
        tx.insert_download_code(&code_hash(&code), &credential.to_string(), &expires.to_string())
            .await
            .unwrap();
        codes.push(code);
    }
    tx.commit().await.unwrap();

    // The cards' keys and requests: not timed.
    let started = Instant::now();
    let requests: Vec<(String, String)> =
        (0..n).into_par_iter().map(|i| (csr(i, "auth"), csr(i, "sign"))).collect();
    println!(
        "{n} card key pairs ×2 and requests made in {:.1} s (not timed)",
        started.elapsed().as_secs_f64()
    );

    // The node on 127.0.0.1, as `tillit serve` runs it.
    let ca = data_dir.open_authority(&store).await.unwrap();
    let identity = data_dir.tls_identity(&ca).await.unwrap();
    let config = tls::server_config(&ca, identity).unwrap();
    let secure = TlsListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)), config).await.unwrap();
    let port = secure.local_addr().port();
    let _plain = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await.unwrap();
    let state = AppState::start(store, ca, &data_dir.config.ca).await.unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(tillit_server::serve_tls(secure, state.clone(), async {
        let _ = stopped.await;
    }));
    let chain = std::fs::read(data.join("tls/chain.pem")).unwrap();
    let mut builder = reqwest::Client::builder().use_rustls_tls().tls_built_in_root_certs(false);
    for cert in reqwest::Certificate::from_pem_bundle(&chain).unwrap() {
        builder = builder.add_root_certificate(cert);
    }
    let client = builder.build().unwrap();
    let url = format!("https://localhost:{port}/api/v1/enrolment");

    let work = Arc::new(std::sync::Mutex::new(codes.into_iter().zip(requests).collect::<Vec<_>>()));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (work, client, url) = (work.clone(), client.clone(), url.clone());
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::new();
            loop {
                let Some((code, (auth, sign))) = work.lock().unwrap().pop() else { break };
                let body = serde_json::json!({"code": code, "authentication_csr": auth, "signing_csr": sign});
                let t = Instant::now();
                let r = client
                    .post(&url)
                    .header("idempotency-key", uuid::Uuid::new_v4().to_string())
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
                r.bytes().await.unwrap();
                times.push(t.elapsed());
            }
            times
        }));
    }
    let mut times = Vec::new();
    for t in tasks {
        times.extend(t.await.unwrap());
    }
    let secs = started.elapsed().as_secs_f64();
    times.sort();
    println!(
        "credential pairs through POST /api/v1/enrolment, SQLite, P-256 issuing CA, {clients} clients: \
         {n} pairs in {secs:.1} s = {:.0} pairs/s; latency ms p50 {:.1}, p95 {:.1}, p99 {:.1}",
        n as f64 / secs,
        percentile(&times, 0.50),
        percentile(&times, 0.95),
        percentile(&times, 0.99)
    );
    let _ = stop.send(());
    server.await.unwrap().unwrap();
}
