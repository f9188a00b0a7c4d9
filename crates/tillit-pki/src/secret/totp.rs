//! One-time codes of code displays and audio code readers (R-DK-8): TOTP (RFC 6238) over HOTP
//! (RFC 4226), with HMAC-SHA-1 by default (what hardware tokens do), or HMAC-SHA-256 or
//! HMAC-SHA-512, 6 or 8 digits, 30-second steps.
//!
//! The token vendor delivers each token's seed with its serial number (or we make one and
//! give it to the vendor or an app as an `otpauth://` URI); the seed is sealed
//! ([`crate::secret::Sealer`]) with the authenticator's record. [`Totp::verify`] accepts the
//! code of the current step or of `window` steps either side (clock drift, typing time) and
//! returns the step it matched, which the caller stores: a step at or before the last used
//! one is refused, so a code works once.

use std::fmt;

use hmac::{Hmac, Mac};
use subtle::ConstantTimeEq as _;
use zeroize::Zeroizing;

use super::seal::Sealer;
use super::SecretError;

/// Bytes in a generated seed (160 bits, RFC 4226's recommendation).
pub const SEED_LEN: usize = 20;
/// The shortest seed accepted (RFC 4226 §4 R6: at least 128 bits).
pub const MIN_SEED_LEN: usize = 16;
/// The longest seed accepted.
pub const MAX_SEED_LEN: usize = 64;
/// Steps accepted either side of the current one unless said otherwise.
pub const DEFAULT_WINDOW: u8 = 1;
/// The widest window accepted: more would let a guesser try many codes at once.
pub const MAX_WINDOW: u8 = 10;

/// The HMAC hash of a TOTP token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum TotpAlgorithm {
    /// HMAC-SHA-1, RFC 4226's and nearly every hardware token's.
    #[default]
    Sha1,
    /// HMAC-SHA-256 (RFC 6238).
    Sha256,
    /// HMAC-SHA-512 (RFC 6238).
    Sha512,
}

impl TotpAlgorithm {
    /// The name in `otpauth://` URIs.
    pub fn name(self) -> &'static str {
        match self {
            TotpAlgorithm::Sha1 => "SHA1",
            TotpAlgorithm::Sha256 => "SHA256",
            TotpAlgorithm::Sha512 => "SHA512",
        }
    }
}

/// A token's code parameters: hash, digits, step length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TotpParams {
    algorithm: TotpAlgorithm,
    digits: u8,
    step_seconds: u64,
}

impl Default for TotpParams {
    /// SHA-1, 6 digits, 30 seconds.
    fn default() -> Self {
        TotpParams { algorithm: TotpAlgorithm::Sha1, digits: 6, step_seconds: 30 }
    }
}

impl TotpParams {
    /// Parameters with `digits` 6 or 8 and a step of 1 to 300 seconds.
    pub fn new(algorithm: TotpAlgorithm, digits: u8, step_seconds: u64) -> Result<Self, SecretError> {
        if digits != 6 && digits != 8 {
            return Err(SecretError::Totp(format!("codes have 6 or 8 digits, not {digits}")));
        }
        if !(1..=300).contains(&step_seconds) {
            return Err(SecretError::Totp(format!("a step is 1 to 300 seconds, not {step_seconds}")));
        }
        Ok(TotpParams { algorithm, digits, step_seconds })
    }

    /// The hash.
    pub fn algorithm(&self) -> TotpAlgorithm {
        self.algorithm
    }

    /// Digits per code.
    pub fn digits(&self) -> u8 {
        self.digits
    }

    /// Seconds per step.
    pub fn step_seconds(&self) -> u64 {
        self.step_seconds
    }
}

/// A token's shared secret (the HMAC key), wiped from memory when dropped; never shown by
/// `Debug`.
#[derive(Clone)]
pub struct TotpSeed(Zeroizing<Vec<u8>>);

impl fmt::Debug for TotpSeed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpSeed(…)")
    }
}

impl TotpSeed {
    /// A fresh 20-byte seed from the operating system's random generator.
    pub fn generate() -> Result<Self, SecretError> {
        let mut seed = Zeroizing::new(vec![0u8; SEED_LEN]);
        rand::RngCore::try_fill_bytes(&mut rand::rngs::OsRng, &mut seed)
            .map_err(|_| SecretError::Crypto("the operating system's random generator"))?;
        Ok(TotpSeed(seed))
    }

    /// A seed from its bytes (a vendor's seed file, or unsealed): 16 to 64 bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SecretError> {
        if !(MIN_SEED_LEN..=MAX_SEED_LEN).contains(&bytes.len()) {
            return Err(SecretError::Totp(format!(
                "a seed has {MIN_SEED_LEN} to {MAX_SEED_LEN} bytes, not {}",
                bytes.len()
            )));
        }
        Ok(TotpSeed(Zeroizing::new(bytes.to_vec())))
    }

    /// A seed from base32 (RFC 4648; case, spaces, dashes and `=` padding ignored), as vendors
    /// and `otpauth://` URIs give them.
    pub fn from_base32(text: &str) -> Result<Self, SecretError> {
        let bytes =
            base32_decode(text).ok_or_else(|| SecretError::Totp("the seed is not base32".to_owned()))?;
        Self::from_bytes(&bytes)
    }

    /// The seed in base32 without padding (for `otpauth://` URIs and vendors).
    pub fn to_base32(&self) -> Zeroizing<String> {
        base32_encode(&self.0)
    }

    /// The seed's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Seals the seed for storage, bound to `aad` (the authenticator's record).
    pub fn seal(&self, sealer: &dyn Sealer, aad: &[u8]) -> Result<Vec<u8>, SecretError> {
        sealer.seal(aad, &self.0)
    }

    /// Opens a seed sealed by [`TotpSeed::seal`] with the same `aad`.
    pub fn unseal(sealer: &dyn Sealer, aad: &[u8], sealed: &[u8]) -> Result<Self, SecretError> {
        Self::from_bytes(&sealer.open(aad, sealed)?)
    }
}

/// HOTP (RFC 4226 §5.3): the `digits`-digit code for `counter` under `key`, as a number
/// (`digits` is clamped to 1..=9).
pub fn hotp(key: &[u8], counter: u64, digits: u8, algorithm: TotpAlgorithm) -> Result<u32, SecretError> {
    let message = counter.to_be_bytes();
    let mac: Vec<u8> = match algorithm {
        TotpAlgorithm::Sha1 => mac::<Hmac<sha1::Sha1>>(key, &message)?,
        TotpAlgorithm::Sha256 => mac::<Hmac<sha2::Sha256>>(key, &message)?,
        TotpAlgorithm::Sha512 => mac::<Hmac<sha2::Sha512>>(key, &message)?,
    };
    // Dynamic truncation: the low nibble of the last byte picks 4 bytes, top bit cleared.
    let offset = usize::from(mac.last().copied().unwrap_or(0) & 0x0f);
    let word = mac
        .get(offset..offset + 4)
        .ok_or(SecretError::Crypto("HMAC output too short for dynamic truncation"))?;
    let binary = u32::from_be_bytes([word[0] & 0x7f, word[1], word[2], word[3]]);
    Ok(binary % 10u32.pow(u32::from(digits.clamp(1, 9))))
}

/// The MAC of `message` under `key`.
fn mac<M: Mac + hmac::digest::KeyInit>(key: &[u8], message: &[u8]) -> Result<Vec<u8>, SecretError> {
    let mut mac =
        <M as hmac::digest::KeyInit>::new_from_slice(key).map_err(|_| SecretError::Crypto("HMAC keying"))?;
    mac.update(message);
    Ok(mac.finalize().into_bytes().to_vec())
}

/// A token: its seed and parameters.
#[derive(Debug, Clone)]
pub struct Totp {
    seed: TotpSeed,
    params: TotpParams,
}

impl Totp {
    /// The token with this seed and these parameters.
    pub fn new(seed: TotpSeed, params: TotpParams) -> Self {
        Totp { seed, params }
    }

    /// The token's parameters.
    pub fn params(&self) -> TotpParams {
        self.params
    }

    /// The step at `unix_time` (seconds since 1970): ⌊t / step⌋.
    pub fn step(&self, unix_time: u64) -> u64 {
        unix_time / self.params.step_seconds
    }

    /// The code of `step`, zero-padded to the token's digits.
    pub fn code_at_step(&self, step: u64) -> Result<Zeroizing<String>, SecretError> {
        let value = hotp(self.seed.as_bytes(), step, self.params.digits, self.params.algorithm)?;
        Ok(Zeroizing::new(format!("{value:0width$}", width = usize::from(self.params.digits))))
    }

    /// The code the token shows at `unix_time`.
    pub fn code(&self, unix_time: u64) -> Result<Zeroizing<String>, SecretError> {
        self.code_at_step(self.step(unix_time))
    }

    /// Checks `entered` (spaces and dashes ignored) against the codes of the steps from
    /// `window` before to `window` after the one at `unix_time` (`window` at most
    /// [`MAX_WINDOW`]), skipping every step at or before `last_used_step`. Returns the step
    /// that matched, to store as the new last used step; `None` when none did. Each candidate
    /// is compared in constant time, and all of them are computed whether one matched or not.
    pub fn verify(
        &self,
        entered: &str,
        unix_time: u64,
        window: u8,
        last_used_step: Option<u64>,
    ) -> Option<u64> {
        let digits = usize::from(self.params.digits);
        let mut typed = Zeroizing::new([0u8; 8]);
        let mut count = 0;
        for c in entered.chars() {
            if c.is_whitespace() || c == '-' {
                continue;
            }
            if !c.is_ascii_digit() || count == digits {
                return None;
            }
            typed[count] = c as u8;
            count += 1;
        }
        if count != digits {
            return None;
        }
        let window = u64::from(window.min(MAX_WINDOW));
        let current = self.step(unix_time);
        let first = current.saturating_sub(window);
        let last = current.saturating_add(window);
        let mut matched = None;
        for step in first..=last {
            if last_used_step.is_some_and(|used| step <= used) {
                continue;
            }
            let Ok(code) = self.code_at_step(step) else { continue };
            if bool::from(code.as_bytes().ct_eq(&typed[..digits])) && matched.is_none() {
                matched = Some(step);
            }
        }
        matched
    }

    /// The `otpauth://totp/` URI (Google Authenticator's key URI format) with the seed in
    /// base32, for provisioning a token or an app: secret material, handle as the seed.
    pub fn otpauth_uri(&self, issuer: &str, account: &str) -> Zeroizing<String> {
        let issuer = percent_encode(issuer);
        Zeroizing::new(format!(
            "otpauth://totp/{issuer}:{}?secret={}&issuer={issuer}&algorithm={}&digits={}&period={}",
            percent_encode(account),
            self.seed.to_base32().as_str(),
            self.params.algorithm.name(),
            self.params.digits,
            self.params.step_seconds
        ))
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// RFC 4648 §6 base32 alphabet.
const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// Base32 (RFC 4648 §6) without padding.
pub fn base32_encode(bytes: &[u8]) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(bytes.len().div_ceil(5) * 8));
    let mut buffer: u16 = 0;
    let mut bits = 0;
    for &byte in bytes {
        buffer = (buffer << 8) | u16::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(BASE32[usize::from((buffer >> bits) & 0x1f)]));
        }
        buffer &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(char::from(BASE32[usize::from((buffer << (5 - bits)) & 0x1f)]));
    }
    out
}

/// Decodes base32 (RFC 4648 §6), ignoring case, spaces, dashes and trailing `=`; None when a
/// character is not base32 or the length is impossible.
pub fn base32_decode(text: &str) -> Option<Zeroizing<Vec<u8>>> {
    let trimmed = text.trim_end_matches(|c: char| c == '=' || c.is_whitespace());
    let mut out = Zeroizing::new(Vec::with_capacity(trimmed.len() * 5 / 8));
    let mut buffer: u16 = 0;
    let mut bits = 0;
    let mut symbols = 0usize;
    for c in trimmed.chars() {
        if c.is_whitespace() || c == '-' {
            continue;
        }
        let upper = c.to_ascii_uppercase();
        let value = BASE32.iter().position(|&b| char::from(b) == upper)?;
        symbols += 1;
        buffer = (buffer << 5) | value as u16;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    // 1, 3 and 6 symbols past a multiple of 8 cannot come from whole bytes; leftover bits
    // must be zero.
    if matches!(symbols % 8, 1 | 3 | 6) || buffer != 0 {
        return None;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base32_matches_rfc_4648_section_10() {
        let vectors = [
            ("", ""),
            ("f", "MY"),
            ("fo", "MZXQ"),
            ("foo", "MZXW6"),
            ("foob", "MZXW6YQ"),
            ("fooba", "MZXW6YTB"),
            ("foobar", "MZXW6YTBOI"),
        ];
        for (plain, encoded) in vectors {
            assert_eq!(base32_encode(plain.as_bytes()).as_str(), encoded, "{plain}");
            assert_eq!(base32_decode(encoded).unwrap().as_slice(), plain.as_bytes(), "{encoded}");
            let padded = format!("{encoded}{}", "=".repeat((8 - encoded.len() % 8) % 8));
            assert_eq!(base32_decode(&padded.to_lowercase()).unwrap().as_slice(), plain.as_bytes());
        }
        assert!(base32_decode("M").is_none());
        assert!(base32_decode("MZ1").is_none());
        // Non-zero leftover bits are not a canonical encoding.
        assert!(base32_decode("MZ").is_none());
    }

    #[test]
    fn uri_parts_are_percent_encoded() {
        assert_eq!(percent_encode("Kommune A/S"), "Kommune%20A%2FS");
        assert_eq!(percent_encode("ø"), "%C3%B8");
    }
}
