//! `parse_request` on arbitrary input: it must refuse or accept, never panic, and whatever
//! it accepts must be within its limits.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tillit_pki::ocsp::{parse_request, MAX_CERT_IDS, MAX_NONCE_LEN};

fuzz_target!(|data: &[u8]| {
    if let Ok(request) = parse_request(data) {
        assert!((1..=MAX_CERT_IDS).contains(&request.cert_ids().len()));
        if let Some(nonce) = request.nonce() {
            assert!((1..=MAX_NONCE_LEN).contains(&nonce.value().len()));
        }
        for id in request.cert_ids() {
            assert_eq!(id.issuer_name_hash().len(), id.hash_algorithm().output_len());
            // What was accepted can be echoed in a response.
            let _ = id.to_der().expect("an accepted CertID re-encodes");
        }
    }
});
