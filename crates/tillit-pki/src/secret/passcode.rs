//! Passcodes and the codes the RA issues (R-DK-1, R-DK-3, R-DK-6, R-DK-8): the citizen's own
//! passcode, the temporary passcode of the sealed letter, the 48-hour paper activation code,
//! the SMS PIN, and the user id.
//!
//! Every secret that only needs checking is stored as an argon2id hash in a PHC string
//! (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`, 16-byte random salt, 32-byte output) by
//! [`PasscodeHasher`]. The default cost is OWASP's recommendation for argon2id (m = 19456 KiB,
//! t = 2, p = 1); a stored hash made with less is still accepted and reported as
//! `needs_rehash`, so the caller can store a new hash while it holds the passcode.
//!
//! The issued codes are drawn with the operating system's random generator from alphabets
//! without look-alikes ([`CODE_ALPHABET`]: no 0/O, 1/I/L), printed in groups, and read back
//! through [`normalise`] (spaces and dashes dropped, letters upper-cased). The citizen's own
//! passcode is hashed exactly as typed.

use std::fmt;

use argon2::password_hash::{self, PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use zeroize::Zeroizing;

use super::keycard::group;
use super::{random_from, SecretError, DIGITS};

/// The characters of temporary passcodes and activation codes: digits 2-9 and capital letters
/// without I, L and O (31 characters, 4.95 bits each), none of which can be mistaken for
/// another in print or typed in the other case.
pub const CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
/// Characters in a temporary passcode (49.5 bits), printed as two groups of five.
pub const TEMPORARY_PASSCODE_LEN: usize = 10;
/// Characters in a paper activation code (79.3 bits), printed as four groups of four.
pub const ACTIVATION_CODE_LEN: usize = 16;
/// Digits in an SMS PIN.
pub const SMS_PIN_LEN: usize = 6;
/// Digits in a user id.
pub const USER_ID_LEN: usize = 9;
/// The longest passcode hashed or checked, in bytes: longer input is refused, not hashed.
pub const MAX_PASSCODE_BYTES: usize = 1024;
/// The most memory a stored hash may ask for (1 GiB): a hash asking more is refused, not
/// computed, so an altered row cannot exhaust the node.
pub const MAX_MEMORY_KIB: u32 = 1 << 20;
/// The most passes a stored hash may ask for.
pub const MAX_ITERATIONS: u32 = 64;
/// The most lanes a stored hash may ask for.
pub const MAX_PARALLELISM: u32 = 16;

/// Salt bytes in new hashes.
const SALT_LEN: usize = 16;
/// Output bytes of new hashes.
const OUTPUT_LEN: usize = 32;

/// The cost of an argon2id hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashCost {
    /// Memory in KiB (argon2's m).
    pub memory_kib: u32,
    /// Passes over the memory (argon2's t).
    pub iterations: u32,
    /// Lanes (argon2's p).
    pub parallelism: u32,
}

impl HashCost {
    /// OWASP's recommended argon2id cost (Password Storage Cheat Sheet): 19 MiB, 2 passes,
    /// 1 lane.
    pub const OWASP: HashCost = HashCost { memory_kib: 19_456, iterations: 2, parallelism: 1 };

    /// Whether a hash of this cost is cheaper to attack than one of `current`: less memory
    /// or fewer passes.
    pub fn is_weaker_than(&self, current: &HashCost) -> bool {
        self.memory_kib < current.memory_kib || self.iterations < current.iterations
    }

    fn check_ceiling(&self) -> Result<(), String> {
        if self.memory_kib > MAX_MEMORY_KIB
            || self.iterations > MAX_ITERATIONS
            || self.parallelism > MAX_PARALLELISM
        {
            return Err(format!(
                "m={}, t={}, p={} is beyond the ceiling (m ≤ {MAX_MEMORY_KIB}, t ≤ {MAX_ITERATIONS}, p ≤ {MAX_PARALLELISM})",
                self.memory_kib, self.iterations, self.parallelism
            ));
        }
        Ok(())
    }
}

impl Default for HashCost {
    fn default() -> Self {
        HashCost::OWASP
    }
}

/// What checking a passcode against its stored hash found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verification {
    /// The passcode is not the one hashed.
    Mismatch,
    /// The passcode matches.
    Match {
        /// The stored hash is weaker than the hasher's (cost, algorithm, salt or output
        /// length): store a new [`PasscodeHasher::hash`] of the passcode.
        needs_rehash: bool,
    },
}

impl Verification {
    /// Whether the passcode matched.
    pub fn is_match(self) -> bool {
        matches!(self, Verification::Match { .. })
    }

    /// Whether it matched and the stored hash should be replaced.
    pub fn needs_rehash(self) -> bool {
        matches!(self, Verification::Match { needs_rehash: true })
    }
}

/// Hashes and checks passcodes with argon2id (RFC 9106) at a chosen cost.
#[derive(Clone)]
pub struct PasscodeHasher {
    argon2: Argon2<'static>,
    cost: HashCost,
}

impl fmt::Debug for PasscodeHasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasscodeHasher").field("cost", &self.cost).finish()
    }
}

impl Default for PasscodeHasher {
    fn default() -> Self {
        PasscodeHasher { argon2: argon2id(Params::DEFAULT), cost: HashCost::OWASP }
    }
}

fn argon2id(params: Params) -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

impl PasscodeHasher {
    /// A hasher at `cost`; refuses a cost argon2 does not allow (m < 8·p, t = 0, …) or one
    /// beyond the ceiling ([`MAX_MEMORY_KIB`], [`MAX_ITERATIONS`], [`MAX_PARALLELISM`]).
    pub fn new(cost: HashCost) -> Result<Self, SecretError> {
        cost.check_ceiling().map_err(SecretError::HashCost)?;
        let params = Params::new(cost.memory_kib, cost.iterations, cost.parallelism, Some(OUTPUT_LEN))
            .map_err(|e| SecretError::HashCost(e.to_string()))?;
        Ok(PasscodeHasher { argon2: argon2id(params), cost })
    }

    /// The cost of new hashes.
    pub fn cost(&self) -> HashCost {
        self.cost
    }

    /// The PHC string of `passcode` with a fresh 16-byte salt.
    pub fn hash(&self, passcode: &str) -> Result<String, SecretError> {
        if passcode.len() > MAX_PASSCODE_BYTES {
            return Err(SecretError::PasscodeHash(format!(
                "a passcode has at most {MAX_PASSCODE_BYTES} bytes"
            )));
        }
        let mut salt = [0u8; SALT_LEN];
        rand::RngCore::try_fill_bytes(&mut rand::rngs::OsRng, &mut salt)
            .map_err(|_| SecretError::Crypto("the operating system's random generator"))?;
        let salt = SaltString::encode_b64(&salt).map_err(|e| SecretError::PasscodeHash(e.to_string()))?;
        let hash = self
            .argon2
            .hash_password(passcode.as_bytes(), &salt)
            .map_err(|e| SecretError::PasscodeHash(e.to_string()))?;
        Ok(hash.to_string())
    }

    /// Checks `passcode` against the stored PHC string `phc` (in constant time over the hash
    /// output), with the cost stored in it, and says whether the stored hash is weaker than
    /// this hasher's. A stored hash that cannot be used (not a PHC string, not argon2, beyond
    /// the cost ceiling) is an error, not a mismatch: it means the record is damaged.
    pub fn verify(&self, passcode: &str, phc: &str) -> Result<Verification, SecretError> {
        let bad = |e: password_hash::Error| SecretError::PasscodeHash(e.to_string());
        let hash = PasswordHash::new(phc).map_err(bad)?;
        let algorithm =
            Algorithm::try_from(hash.algorithm).map_err(|e| SecretError::PasscodeHash(e.to_string()))?;
        let version = match hash.version {
            Some(v) => Version::try_from(v).map_err(|e| SecretError::PasscodeHash(e.to_string()))?,
            None => Version::V0x13,
        };
        if hash.salt.is_none() || hash.hash.is_none() {
            return Err(SecretError::PasscodeHash("the PHC string has no salt or no hash".to_owned()));
        }
        let params = Params::try_from(&hash).map_err(bad)?;
        let stored = HashCost {
            memory_kib: params.m_cost(),
            iterations: params.t_cost(),
            parallelism: params.p_cost(),
        };
        stored.check_ceiling().map_err(SecretError::PasscodeHash)?;
        if passcode.len() > MAX_PASSCODE_BYTES {
            return Ok(Verification::Mismatch);
        }
        match self.argon2.verify_password(passcode.as_bytes(), &hash) {
            Ok(()) => {
                let salt_len = hash.salt.map_or(0, |s| s.len() * 3 / 4);
                let output_len = hash.hash.map_or(0, |h| h.len());
                let needs_rehash = algorithm != Algorithm::Argon2id
                    || version != Version::V0x13
                    || stored.is_weaker_than(&self.cost)
                    || salt_len < SALT_LEN
                    || output_len < OUTPUT_LEN;
                Ok(Verification::Match { needs_rehash })
            }
            Err(password_hash::Error::Password) => Ok(Verification::Mismatch),
            Err(e) => Err(bad(e)),
        }
    }
}

/// A code the RA issues (temporary passcode, activation code, SMS PIN): its value as hashed and
/// its printed form. Wiped from memory when dropped; never shown by `Debug`.
pub struct IssuedCode {
    value: Zeroizing<String>,
    group: usize,
}

impl fmt::Debug for IssuedCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("IssuedCode(…)")
    }
}

impl IssuedCode {
    /// The code without separators: what is hashed, and what [`normalise`] makes of what the
    /// citizen types.
    pub fn as_str(&self) -> &str {
        &self.value
    }

    /// The code in groups joined by dashes, as printed (`ABCDE-FGHJK`).
    pub fn printed(&self) -> Zeroizing<String> {
        Zeroizing::new(group(&self.value, self.group, '-'))
    }

    /// A temporary passcode read back from where it was kept sealed (for the supplier's print
    /// of a box of passcode letters): [`normalise`]d, it must be 10 characters of
    /// [`CODE_ALPHABET`], as [`generate_temporary_passcode`] makes them.
    pub fn temporary_passcode(text: &str) -> Result<IssuedCode, SecretError> {
        let value = normalise(text);
        let well_formed = value.chars().count() == TEMPORARY_PASSCODE_LEN
            && value.bytes().all(|b| CODE_ALPHABET.contains(&b));
        if !well_formed {
            return Err(SecretError::Print(
                "not a temporary passcode of 10 characters of the code alphabet".to_owned(),
            ));
        }
        Ok(IssuedCode { value, group: 5 })
    }
}

/// A temporary passcode for the sealed letter (R-DK-1, R-DK-6): 10 characters of
/// [`CODE_ALPHABET`], printed `ABCDE-FGHJK`.
pub fn generate_temporary_passcode() -> Result<IssuedCode, SecretError> {
    Ok(IssuedCode { value: random_from(CODE_ALPHABET, TEMPORARY_PASSCODE_LEN)?, group: 5 })
}

/// A paper activation code (R-DK-8, valid 48 hours): 16 characters of [`CODE_ALPHABET`],
/// printed `ABCD-EFGH-JKMN-PQRS`.
pub fn generate_activation_code() -> Result<IssuedCode, SecretError> {
    Ok(IssuedCode { value: random_from(CODE_ALPHABET, ACTIVATION_CODE_LEN)?, group: 4 })
}

/// A temporary PIN sent by SMS (R-DK-3): 6 digits. Only 20 bits: the caller limits tries and
/// lifetime.
pub fn generate_sms_pin() -> Result<IssuedCode, SecretError> {
    Ok(IssuedCode { value: random_from(DIGITS, SMS_PIN_LEN)?, group: SMS_PIN_LEN })
}

/// A fresh random user id (9 digits, the first not 0). The caller checks it is not taken.
pub fn generate_user_id() -> Result<UserId, SecretError> {
    let first = random_from(&DIGITS[1..], 1)?;
    let rest = random_from(DIGITS, USER_ID_LEN - 1)?;
    Ok(UserId(format!("{}{}", first.as_str(), rest.as_str())))
}

/// What the citizen typed for an issued code, as it was hashed: spaces and dashes dropped,
/// letters upper-cased (the issued alphabets are case-insensitive). Not for the citizen's own
/// passcode, which is hashed exactly as typed.
pub fn normalise(entered: &str) -> Zeroizing<String> {
    Zeroizing::new(
        entered.chars().filter(|c| !c.is_whitespace() && *c != '-').map(|c| c.to_ascii_uppercase()).collect(),
    )
}

/// A citizen's user id (the NemID number of the welcome letter): 9 digits, the first not 0.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UserId(String);

impl UserId {
    /// Parses a user id as typed (spaces and dashes are dropped).
    pub fn new(text: &str) -> Result<Self, SecretError> {
        let digits: String = text.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
        let valid = digits.len() == USER_ID_LEN
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.starts_with('0');
        if !valid {
            return Err(SecretError::UserId);
        }
        Ok(UserId(digits))
    }

    /// The 9 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_hasher_has_the_owasp_cost() {
        let hasher = PasscodeHasher::default();
        assert_eq!(hasher.cost(), HashCost::OWASP);
        let params = Params::DEFAULT;
        assert_eq!(
            (params.m_cost(), params.t_cost(), params.p_cost()),
            (HashCost::OWASP.memory_kib, HashCost::OWASP.iterations, HashCost::OWASP.parallelism)
        );
    }
}
