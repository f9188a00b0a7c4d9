//! Issuance throughput, full path: parse the PKCS#10 request, check proof of possession,
//! sign, record the certificate and its audit entry durably (SQLite, `synchronous = FULL`).
//! For a P-256 and an RSA-3072 issuing CA, one certificate per transaction (1 and 8
//! concurrent callers) and in batches of 100 (`Authority::issue_batch`), printed beside the
//! `openssl speed -multi 2` sign rate of the same key type measured in the same run.
//!
//! `cargo bench -p tillit-server --bench issuance` (`BENCH_ISSUANCE_KEYS=ecdsa-p256` for one
//! key type, `BENCH_ISSUANCE_N=2000` to change the count).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use tillit_core::audit::Actor;
use tillit_server::ca::{Authority, CsrRequest, CA_CHAIN};
use tillit_server::node::{self, DataDir, InitOptions};

fn openssl_sign_rate(alg: &str) -> f64 {
    let name = match alg {
        "ecdsa-p256" => "ecdsap256",
        "ecdsa-p384" => "ecdsap384",
        "rsa-3072" => "rsa3072",
        _ => "rsa4096",
    };
    let out = Command::new("openssl").args(["speed", "-seconds", "3", "-multi", "2", name]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    // The last result line: "... sign/s verify/s" are its last two columns.
    let line = text.lines().rev().find(|l| l.contains("bits")).expect("openssl speed printed no result");
    let cols: Vec<&str> = line.split_whitespace().collect();
    cols[cols.len() - 2].parse().unwrap()
}

fn csr(dir: &std::path::Path) -> Vec<u8> {
    let out = Command::new("openssl")
        .args(["req", "-new", "-nodes", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"])
        .args([
            "-keyout",
            "k.pem",
            "-subj",
            "/C=SE/O=Bench kommun/CN=svc.bench.example.org",
            "-outform",
            "DER",
        ])
        .args(["-out", "req.der"])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(out.status.success());
    std::fs::read(dir.join("req.der")).unwrap()
}

async fn one_by_one(ca: &Arc<Authority>, csr: &Arc<Vec<u8>>, n: usize, callers: usize) -> f64 {
    let started = Instant::now();
    let tasks: Vec<_> = (0..callers)
        .map(|_| {
            let (ca, csr) = (ca.clone(), csr.clone());
            tokio::spawn(async move {
                let actor = Actor::system("bench");
                for _ in 0..n / callers {
                    ca.issue_from_csr(&actor, CA_CHAIN, "function", &csr, Some(30)).await.unwrap();
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    (n / callers * callers) as f64 / started.elapsed().as_secs_f64()
}

async fn batched(ca: &Arc<Authority>, csr: &[u8], n: usize, batch: usize, callers: usize) -> f64 {
    let started = Instant::now();
    let rounds = n / batch / callers;
    let tasks: Vec<_> = (0..callers)
        .map(|_| {
            let ca = ca.clone();
            let requests: Vec<CsrRequest> = (0..batch)
                .map(|_| CsrRequest { profile: "function".into(), csr: csr.to_vec(), days: Some(30) })
                .collect();
            tokio::spawn(async move {
                let actor = Actor::system("bench");
                for _ in 0..rounds {
                    let issued = ca.issue_batch(&actor, CA_CHAIN, requests.clone()).await.unwrap();
                    assert_eq!(issued.len(), requests.len());
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    (rounds * batch * callers) as f64 / started.elapsed().as_secs_f64()
}

fn main() {
    let keys = std::env::var("BENCH_ISSUANCE_KEYS").unwrap_or_else(|_| "ecdsa-p256,rsa-3072".into());
    let n: usize = std::env::var("BENCH_ISSUANCE_N").ok().and_then(|v| v.parse().ok()).unwrap_or(4000);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    println!(
        "issuance, full path (parse, proof of possession, sign, record, audit), SQLite, P-256 subject keys"
    );
    for alg in keys.split(',') {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        // The CA key type comes from the environment, as for `tillit init`.
        std::env::set_var("TILLIT_CA__KEY_ALGORITHM", alg);
        let (ca, csr) = rt.block_on(async {
            node::init(&data, &InitOptions::default()).await.unwrap();
            let dir = DataDir::open(&data).unwrap();
            let store = dir.open_store().await.unwrap();
            let ca = Arc::new(dir.open_authority(&store).await.unwrap());
            (ca, Arc::new(csr(tmp.path())))
        });
        let n_alg = if alg.starts_with("rsa") { n / 4 } else { n };
        rt.block_on(one_by_one(&ca, &csr, 100, 1)); // warm up
        let single = rt.block_on(one_by_one(&ca, &csr, n_alg / 2, 1));
        let concurrent = rt.block_on(one_by_one(&ca, &csr, n_alg, 8));
        let batch = rt.block_on(batched(&ca, &csr, n_alg, 100, 2));
        let openssl = openssl_sign_rate(alg);
        println!("{alg} CA: one per transaction, 1 caller:   {single:>8.0} certificates/s");
        println!("{alg} CA: one per transaction, 8 callers:  {concurrent:>8.0} certificates/s");
        println!("{alg} CA: batches of 100, 2 callers:        {batch:>8.0} certificates/s");
        println!("{alg}: openssl speed -multi 2 sign rate:    {openssl:>8.0} signatures/s");
        println!(
            "{alg}: best tillit / openssl sign rate:     {:>8.2}",
            single.max(concurrent).max(batch) / openssl
        );
    }
}
