//! Key cards, NemID style (R-DK-1, R-DK-2, R-DK-5): a card with a serial number and numbered
//! positions, each a 4-digit key printed next to a 6-digit code. At sign-in the service shows
//! a position's key and the citizen types the code beside it.
//!
//! A card's codes are not stored: they are derived from one 32-byte [`KeyCardSecret`], which is
//! what gets sealed ([`crate::secret::Sealer`]) with the card's record. For position `p`:
//!
//! ```text
//! HMAC-SHA256(secret, "tillit-keycard-v1" | len(serial) | serial | p (u16 BE) | "code")
//!     first 8 bytes as a big-endian u64, mod 10^6          -> the code (6 digits)
//! HMAC-SHA256(secret, "tillit-keycard-v1" | len(serial) | serial | p (u16 BE) | "key" | try (u16 BE))
//!     first 8 bytes as a big-endian u64, mod 10^4          -> the key (4 digits)
//! ```
//!
//! Reducing 64 bits mod 10^6 leaves a bias below 2^-44, nothing an attacker can use. Keys must
//! differ within a card (the service asks for one by its key), so a key already used by an
//! earlier position is derived again with the next `try`; after 32 tries (never in practice)
//! the next free key upwards is taken, so the layout always exists.
//!
//! The seeds (001) give no card layout; a card has [`DEFAULT_POSITIONS`] positions unless the
//! supplier's stock says otherwise ([`MIN_POSITIONS`]..=[`MAX_POSITIONS`], which takes in the
//! 148 that NemID's own cards are said to have had; not confirmed from the seeds).

use std::fmt;

use hmac::{Hmac, Mac as _};
use sha2::Sha256;
use subtle::ConstantTimeEq as _;
use zeroize::Zeroizing;

use super::seal::Sealer;
use super::{random_from, SecretError, DIGITS};

/// Positions on a card unless said otherwise.
pub const DEFAULT_POSITIONS: u16 = 90;
/// The fewest positions a card may have.
pub const MIN_POSITIONS: u16 = 10;
/// The most positions a card may have (well below the 10,000 keys, so keys stay easy to
/// find).
pub const MAX_POSITIONS: u16 = 300;
/// The length of a card's secret in bytes.
pub const SECRET_LEN: usize = 32;
/// Digits in a code.
pub const CODE_DIGITS: usize = 6;

/// The domain of the derivation: changing the derivation means a new domain.
const DOMAIN: &[u8] = b"tillit-keycard-v1";
/// Tries at deriving a key not yet on the card before taking the next free one.
const KEY_TRIES: u16 = 32;
/// The number of distinct keys (4 digits).
const KEY_SPACE: u16 = 10_000;

/// The secret a key card's codes are derived from: 32 random bytes, wiped from memory when
/// dropped, sealed for storage.
pub struct KeyCardSecret(Zeroizing<[u8; SECRET_LEN]>);

impl fmt::Debug for KeyCardSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KeyCardSecret(…)")
    }
}

impl KeyCardSecret {
    /// A fresh secret from the operating system's random generator.
    pub fn generate() -> Result<Self, SecretError> {
        let mut bytes = Zeroizing::new([0u8; SECRET_LEN]);
        rand::RngCore::try_fill_bytes(&mut rand::rngs::OsRng, bytes.as_mut())
            .map_err(|_| SecretError::Crypto("the operating system's random generator"))?;
        Ok(KeyCardSecret(bytes))
    }

    /// The secret from its 32 bytes (as unsealed).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SecretError> {
        let array: [u8; SECRET_LEN] = bytes.try_into().map_err(|_| {
            SecretError::KeyCard(format!("a key card secret has {SECRET_LEN} bytes, not {}", bytes.len()))
        })?;
        Ok(KeyCardSecret(Zeroizing::new(array)))
    }

    /// The secret's bytes.
    pub fn as_bytes(&self) -> &[u8; SECRET_LEN] {
        &self.0
    }

    /// Seals the secret for storage, bound to `aad` (the card's record, e.g. its serial or
    /// authenticator id).
    pub fn seal(&self, sealer: &dyn Sealer, aad: &[u8]) -> Result<Vec<u8>, SecretError> {
        sealer.seal(aad, self.as_bytes())
    }

    /// Opens a secret sealed by [`KeyCardSecret::seal`] with the same `aad`.
    pub fn unseal(sealer: &dyn Sealer, aad: &[u8], sealed: &[u8]) -> Result<Self, SecretError> {
        Self::from_bytes(&sealer.open(aad, sealed)?)
    }
}

/// A key card's serial number (printed on the card, registered by the RA officer): 4 to 24
/// digits or capital letters. Spaces and dashes are layout and are dropped, lower case is
/// read as upper case, so `1234-5678 90` and `1234567890` are the same card.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct KeyCardSerial(String);

impl KeyCardSerial {
    /// Parses a serial as printed or typed.
    pub fn new(text: &str) -> Result<Self, SecretError> {
        let serial: String = text
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let len = serial.chars().count();
        if !(4..=24).contains(&len) || !serial.chars().all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()) {
            return Err(SecretError::KeyCard(
                "a serial has 4 to 24 digits or capital letters (spaces and dashes aside)".to_owned(),
            ));
        }
        Ok(KeyCardSerial(serial))
    }

    /// A fresh random serial of 10 digits, the first not 0.
    pub fn generate() -> Result<Self, SecretError> {
        let first = random_from(&DIGITS[1..], 1)?;
        let rest = random_from(DIGITS, 9)?;
        Ok(KeyCardSerial(format!("{}{}", first.as_str(), rest.as_str())))
    }

    /// The serial without spaces or dashes: what is stored and derived from.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The serial in groups of four joined by dashes, for print: `1234-5678-90`.
    pub fn grouped(&self) -> String {
        group(&self.0, 4, '-')
    }
}

impl fmt::Display for KeyCardSerial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// `text` in groups of `size` characters joined by `separator`.
pub(crate) fn group(text: &str, size: usize, separator: char) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / size.max(1));
    for (i, c) in text.chars().enumerate() {
        if i > 0 && i % size.max(1) == 0 {
            out.push(separator);
        }
        out.push(c);
    }
    out
}

/// A position's key: the 4-digit number the service shows at sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyCardKey(u16);

impl KeyCardKey {
    /// The key as a number (0 to 9999).
    pub fn value(self) -> u16 {
        self.0
    }
}

impl fmt::Display for KeyCardKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.0)
    }
}

/// A position's code: the 6 digits the citizen types. Wiped from memory when dropped; never
/// shown by `Debug`.
#[derive(Clone)]
pub struct KeyCardCode(Zeroizing<String>);

impl KeyCardCode {
    /// The 6 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for KeyCardCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KeyCardCode(…)")
    }
}

/// One printed pair of a card: the position, its key and its code.
#[derive(Debug, Clone)]
pub struct KeyCardPair {
    /// The position, from 1.
    pub position: u16,
    /// The key shown at sign-in.
    pub key: KeyCardKey,
    /// The code to type.
    pub code: KeyCardCode,
}

/// A key card: its serial, its secret and how many positions it has.
pub struct KeyCard {
    serial: KeyCardSerial,
    secret: KeyCardSecret,
    positions: u16,
}

impl fmt::Debug for KeyCard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyCard")
            .field("serial", &self.serial)
            .field("positions", &self.positions)
            .finish_non_exhaustive()
    }
}

impl KeyCard {
    /// The card with this serial, secret and number of positions
    /// ([`MIN_POSITIONS`]..=[`MAX_POSITIONS`]).
    pub fn new(serial: KeyCardSerial, secret: KeyCardSecret, positions: u16) -> Result<Self, SecretError> {
        if !(MIN_POSITIONS..=MAX_POSITIONS).contains(&positions) {
            return Err(SecretError::KeyCard(format!(
                "a card has {MIN_POSITIONS} to {MAX_POSITIONS} positions, not {positions}"
            )));
        }
        Ok(KeyCard { serial, secret, positions })
    }

    /// A new card with a fresh secret.
    pub fn generate(serial: KeyCardSerial, positions: u16) -> Result<Self, SecretError> {
        Self::new(serial, KeyCardSecret::generate()?, positions)
    }

    /// The card's serial.
    pub fn serial(&self) -> &KeyCardSerial {
        &self.serial
    }

    /// The card's secret (to seal it).
    pub fn secret(&self) -> &KeyCardSecret {
        &self.secret
    }

    /// How many positions the card has.
    pub fn positions(&self) -> u16 {
        self.positions
    }

    fn check_position(&self, position: u16) -> Result<(), SecretError> {
        if position == 0 || position > self.positions {
            return Err(SecretError::KeyCard(format!(
                "position {position} is not on the card (1 to {})",
                self.positions
            )));
        }
        Ok(())
    }

    /// The first 8 bytes of the HMAC over the domain, the serial, the position and `label`,
    /// as a big-endian number.
    fn derive(&self, position: u16, label: &[u8], tries: Option<u16>) -> Result<u64, SecretError> {
        let mut mac = <Hmac<Sha256> as hmac::digest::KeyInit>::new_from_slice(self.secret.as_bytes())
            .map_err(|_| SecretError::Crypto("HMAC-SHA256"))?;
        mac.update(DOMAIN);
        // Serials have at most 24 characters (KeyCardSerial::new), so the length fits a byte.
        mac.update(&[self.serial.0.len() as u8]);
        mac.update(self.serial.0.as_bytes());
        mac.update(&position.to_be_bytes());
        mac.update(label);
        if let Some(tries) = tries {
            mac.update(&tries.to_be_bytes());
        }
        let out = mac.finalize().into_bytes();
        let mut first = [0u8; 8];
        first.copy_from_slice(&out[..8]);
        Ok(u64::from_be_bytes(first))
    }

    /// The code at `position` (from 1).
    pub fn code(&self, position: u16) -> Result<KeyCardCode, SecretError> {
        self.check_position(position)?;
        let value = self.derive(position, b"code", None)? % 1_000_000;
        Ok(KeyCardCode(Zeroizing::new(format!("{value:06}"))))
    }

    /// The keys of positions 1..=`through`, distinct.
    fn keys(&self, through: u16) -> Result<Vec<KeyCardKey>, SecretError> {
        let mut used = vec![false; usize::from(KEY_SPACE)];
        let mut keys = Vec::with_capacity(usize::from(through));
        for position in 1..=through {
            let mut candidate = 0;
            let mut found = None;
            for tries in 0..KEY_TRIES {
                candidate = (self.derive(position, b"key", Some(tries))? % u64::from(KEY_SPACE)) as u16;
                if !used[usize::from(candidate)] {
                    found = Some(candidate);
                    break;
                }
            }
            // At most MAX_POSITIONS of the 10,000 keys are used, so a free one exists.
            let key = match found {
                Some(key) => key,
                None => (1..KEY_SPACE)
                    .map(|step| (candidate + step) % KEY_SPACE)
                    .find(|k| !used[usize::from(*k)])
                    .ok_or_else(|| SecretError::KeyCard("no free key left on the card".to_owned()))?,
            };
            used[usize::from(key)] = true;
            keys.push(KeyCardKey(key));
        }
        Ok(keys)
    }

    /// The key at `position` (from 1): what the service shows to ask for that code.
    pub fn key(&self, position: u16) -> Result<KeyCardKey, SecretError> {
        self.check_position(position)?;
        self.keys(position)?
            .pop()
            .ok_or_else(|| SecretError::KeyCard(format!("position {position} is not on the card")))
    }

    /// Whether `entered` is the code at `position`, compared in constant time. Spaces and
    /// dashes in what the citizen typed are ignored; anything but 6 digits is refused, as is a
    /// position not on the card.
    pub fn verify(&self, position: u16, entered: &str) -> bool {
        let mut digits = [0u8; CODE_DIGITS];
        let mut count = 0;
        for c in entered.chars() {
            if c.is_whitespace() || c == '-' {
                continue;
            }
            if !c.is_ascii_digit() || count == CODE_DIGITS {
                return false;
            }
            digits[count] = c as u8;
            count += 1;
        }
        if count != CODE_DIGITS {
            return false;
        }
        match self.code(position) {
            Ok(code) => bool::from(code.as_str().as_bytes().ct_eq(&digits)),
            Err(_) => false,
        }
    }

    /// Every position's key and code, in position order: what is printed.
    pub fn layout(&self) -> Result<Vec<KeyCardPair>, SecretError> {
        let keys = self.keys(self.positions)?;
        keys.into_iter()
            .zip(1..)
            .map(|(key, position)| Ok(KeyCardPair { position, key, code: self.code(position)? }))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_split_evenly() {
        assert_eq!(group("1234567890", 4, '-'), "1234-5678-90");
        assert_eq!(group("12345678", 4, '-'), "1234-5678");
        assert_eq!(group("", 4, '-'), "");
    }

    #[test]
    fn keys_stay_distinct_when_the_derivation_collides() {
        // 300 positions of 10,000 keys: collisions happen on most cards and are resolved.
        let card = KeyCard::new(
            KeyCardSerial::new("0000").unwrap(),
            KeyCardSecret::from_bytes(&[7; 32]).unwrap(),
            300,
        )
        .unwrap();
        let keys = card.keys(300).unwrap();
        let mut sorted = keys.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), 300);
    }
}
