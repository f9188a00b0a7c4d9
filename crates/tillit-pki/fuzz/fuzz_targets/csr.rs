//! `verify_csr` on arbitrary input (DER or PEM): it must refuse or accept, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = tillit_pki::csr::verify_csr(data);
});
