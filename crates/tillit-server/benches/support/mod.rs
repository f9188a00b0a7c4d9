//! Fixtures the benchmarks share: names and valid personnummer at any scale.
#![allow(dead_code)]

use time::macros::date;

/// Syllables family names are made of.
pub const SYLLABLES: [&str; 16] = [
    "an", "ber", "dal", "ek", "fors", "gren", "hed", "is", "johan", "karl", "lund", "mo", "nils", "ol",
    "sand", "ström",
];
/// Given names.
pub const GIVEN: [&str; 12] =
    ["Anna", "Erik", "Maria", "Lars", "Karin", "Johan", "Eva", "Anders", "Sara", "Per", "Lena", "Nils"];

/// The `i`-th family name (4,096 distinct).
pub fn family(i: u64) -> String {
    let (a, b, c) = (i % 16, (i / 16) % 16, (i / 256) % 16);
    let mut name = format!("{}{}{}", SYLLABLES[a as usize], SYLLABLES[b as usize], SYLLABLES[c as usize]);
    name[..1].make_ascii_uppercase();
    name
}

/// A valid personnummer, distinct for every `i` below 20,000 × 999.
pub fn personnummer(i: u64) -> String {
    let day = date!(1950 - 01 - 01) + time::Duration::days((i % 20_000) as i64);
    let serial = i / 20_000 + 1;
    let nine = format!("{:02}{:02}{:02}{serial:03}", day.year() % 100, day.month() as u8, day.day());
    let sum: u32 = nine
        .bytes()
        .enumerate()
        .map(|(k, b)| {
            let d = u32::from(b - b'0') * if k % 2 == 0 { 2 } else { 1 };
            d / 10 + d % 10
        })
        .sum();
    let check = (10 - sum % 10) % 10;
    format!("{}{:02}{:02}{serial:03}{check}", day.year(), day.month() as u8, day.day())
}
