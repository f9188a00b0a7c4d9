//! The fictional municipality of the demo: Tolvköping kommun, its units, its officers and
//! about fifty people, as the HR register would export them.
//!
//! Every national id is made here from a birth date and a serial with the Luhn check digit
//! (R-ID-1), so it parses as a valid personnummer or samordningsnummer; the names are
//! common Swedish given and family names combined at random-looking but fixed positions. None
//! is meant to be a real person's.

use tillit_core::ra::role::Role;
use time::{Date, Duration, Month};

/// The municipality's name.
pub const ORGANISATION: &str = "Tolvköping kommun";
/// Its organisation number (fictional; passes the Luhn check, R-ID-4).
pub const ORG_NUMBER: &str = "212999-0004";
/// Its code in the HR register.
pub const TOP: &str = "TK";

/// The units: HR code and name.
pub const UNITS: [(&str, &str); 4] = [
    ("TK-KLK", "Kommunledningskontoret"),
    ("TK-SKOL", "Skolförvaltningen"),
    ("TK-SOC", "Socialförvaltningen"),
    ("TK-TEK", "Tekniska förvaltningen"),
];

/// What a person is in the demo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// An officer with this role on the subtree of this HR code.
    Officer(Role, &'static str),
    /// Gets an SIS card, downloads a credential, orders a PUK, loses the card.
    CardHolder,
    /// Has a coordination number: gets a reserve card (R-CARD-2).
    Coordination,
    /// Leaves within days: gets an SIS card and returns it on leaving (R-CARD-7).
    Leaver,
    /// Has a protected identity (R-PER-3): never named in the demo's output.
    Protected,
    /// Has no card: left for the portal's browser tests to order one.
    NoCard,
    /// Gets an SIS card ordered and delivered, waiting to be handed out.
    AwaitingHandOut,
    /// Everyone else.
    Staff,
}

/// One person of the HR register.
#[derive(Debug, Clone)]
pub struct Resident {
    /// The national id, `YYYYMMDD-NNNC`.
    pub national_id: String,
    /// Given names.
    pub given_names: String,
    /// Family name.
    pub family_name: String,
    /// The unit's HR code.
    pub unit: &'static str,
    /// First day of the employment.
    pub start: Date,
    /// Last day, when it ends.
    pub end: Option<Date>,
    /// What they do in the demo.
    pub part: Part,
}

impl Resident {
    /// Given and family name.
    pub fn name(&self) -> String {
        format!("{} {}", self.given_names, self.family_name)
    }
}

/// The family name of the person with a protected identity; it must never be printed.
pub const PROTECTED_FAMILY_NAME: &str = "Silvergran";

const GIVEN: [&str; 24] = [
    "Anna", "Erik", "Maja", "Johan", "Lena", "Nils", "Ida", "Karl", "Sara", "Olof", "Frida", "Gustav",
    "Linnea", "Axel", "Hanna", "Viktor", "Elsa", "Jonas", "Alva", "Mattias", "Ebba", "Henrik", "Tove",
    "Anders",
];
const FAMILY: [&str; 19] = [
    "Andersson",
    "Johansson",
    "Karlsson",
    "Nilsson",
    "Eriksson",
    "Larsson",
    "Olsson",
    "Persson",
    "Svensson",
    "Gustafsson",
    "Pettersson",
    "Jonsson",
    "Lindberg",
    "Jakobsson",
    "Magnusson",
    "Lindström",
    "Axelsson",
    "Bergström",
    "Lundgren",
];

/// The Luhn check digit of `digits` (R-ID-1).
fn luhn(digits: &str) -> u32 {
    let sum: u32 = digits
        .chars()
        .filter_map(|c| c.to_digit(10))
        .enumerate()
        .map(|(i, d)| {
            let d = if i % 2 == 0 { d * 2 } else { d };
            d / 10 + d % 10
        })
        .sum();
    (10 - sum % 10) % 10
}

/// A personnummer (or, with `coordination`, a samordningsnummer: the day plus 60).
fn national_id(year: i32, month: u8, day: u8, serial: u16, coordination: bool) -> String {
    let day = if coordination { day + 60 } else { day };
    let short = format!("{:02}{month:02}{day:02}{serial:03}", year % 100);
    format!("{year}{month:02}{day:02}-{serial:03}{}", luhn(&short))
}

/// The people of the municipality: the officers, the six people the routines are walked
/// with or left for the browser tests, and the staff, 50 in all. `today` fixes the leaver's last day (in four days).
pub fn residents(today: Date) -> Vec<Resident> {
    let day = |y: i32, m: Month, d: u8| Date::from_calendar_date(y, m, d).unwrap_or(today);
    let mut out = Vec::new();
    let mut push = |given: &str, family: &str, unit, part, n: u16| {
        let year = 1962 + i32::from(n % 38);
        let month = 1 + (n % 12) as u8;
        let day_of = 1 + (n * 7 % 28) as u8;
        let coordination = part == Part::Coordination;
        out.push(Resident {
            national_id: national_id(year, month, day_of, 200 + n * 3, coordination),
            given_names: given.to_owned(),
            family_name: family.to_owned(),
            unit,
            start: day(2015 + i32::from(n % 9), Month::January, 1 + (n % 28) as u8),
            end: (part == Part::Leaver).then(|| today + Duration::days(4)),
            part,
        });
    };
    let officers: [(&str, &str, &str, Part); 10] = [
        ("Maria", "Lindqvist", "TK-KLK", Part::Officer(Role::Ra, TOP)),
        ("Johan", "Ek", "TK-KLK", Part::Officer(Role::SecurityOfficer, TOP)),
        ("Karin", "Berg", "TK-KLK", Part::Officer(Role::Kra, TOP)),
        ("Ahmed", "Hassan", "TK-KLK", Part::Officer(Role::Kra, TOP)),
        ("Eva", "Nyström", "TK-SOC", Part::Officer(Role::Lra, "TK-SOC")),
        ("Lars", "Holm", "TK-SKOL", Part::Officer(Role::Ora, "TK-SKOL")),
        ("Sofia", "Wikström", "TK-KLK", Part::Officer(Role::Kur, TOP)),
        ("Erik", "Sandberg", "TK-KLK", Part::Officer(Role::HsaAdmin, TOP)),
        ("Annika", "Björk", "TK-SKOL", Part::Officer(Role::Manager, "TK-SKOL")),
        ("Per", "Åberg", "TK-KLK", Part::Officer(Role::Auditor, TOP)),
    ];
    let mut n = 0u16;
    for (given, family, unit, part) in officers {
        n += 1;
        push(given, family, unit, part, n);
    }
    for (given, family, unit, part) in [
        ("Elin", "Strand", "TK-SKOL", Part::CardHolder),
        ("Oskar", "Dahl", "TK-SKOL", Part::Leaver),
        ("Mateusz", "Nowak", "TK-SOC", Part::Coordination),
        ("Ingrid", PROTECTED_FAMILY_NAME, "TK-SOC", Part::Protected),
        ("Klara", "Sjöberg", "TK-TEK", Part::NoCard),
        ("Agnes", "Forsberg", "TK-SKOL", Part::AwaitingHandOut),
    ] {
        n += 1;
        push(given, family, unit, part, n);
    }
    let units = ["TK-SKOL", "TK-SOC", "TK-TEK", "TK-KLK"];
    for i in 0..34usize {
        n += 1;
        let given = GIVEN[i * 7 % GIVEN.len()];
        let family = FAMILY[i * 5 % FAMILY.len()];
        push(given, family, units[i % units.len()], Part::Staff, n);
    }
    out
}

/// The register as the HR system exports it (`tillit import hr`): names checked against
/// the population register today (R-PER-2), the protected person marked (R-PER-3).
pub fn hr_csv(residents: &[Resident], today: Date) -> String {
    let mut csv =
        String::from("national_id,given_names,family_name,email,unit,start,end,protected,name_checked\n");
    for r in residents {
        let protected = r.part == Part::Protected;
        let email = if protected {
            String::new()
        } else {
            format!("{}.{}@tolvkoping.example", fold(&r.given_names), fold(&r.family_name))
        };
        csv.push_str(&format!(
            "{},{},{},{email},{},{},{},{},{today}\n",
            r.national_id,
            r.given_names,
            r.family_name,
            r.unit,
            r.start,
            r.end.map(|d| d.to_string()).unwrap_or_default(),
            if protected { "yes" } else { "no" },
        ));
    }
    csv
}

/// Lower-case ASCII for an e-mail address (å ä → a, ö → o).
fn fold(name: &str) -> String {
    name.to_lowercase()
        .chars()
        .map(|c| match c {
            'å' | 'ä' => 'a',
            'ö' => 'o',
            'é' => 'e',
            c => c,
        })
        .filter(char::is_ascii_alphanumeric)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_register_has_fifty_distinct_valid_people() {
        let today = Date::from_calendar_date(2026, Month::November, 24).unwrap_or(Date::MIN);
        let people = residents(today);
        assert_eq!(people.len(), 50);
        let opts = tillit_core::id::ParseOptions::new(today);
        let mut ids = std::collections::HashSet::new();
        for p in &people {
            let id = tillit_core::id::NationalId::parse(tillit_core::id::Country::Se, &p.national_id, &opts);
            assert!(id.is_ok(), "{}: {id:?}", p.national_id);
            assert!(ids.insert(p.national_id.clone()));
        }
        assert_eq!(people.iter().filter(|p| p.family_name == PROTECTED_FAMILY_NAME).count(), 1);
        // One of each part the walk and the browser tests use.
        for part in [
            Part::CardHolder,
            Part::Coordination,
            Part::Leaver,
            Part::Protected,
            Part::NoCard,
            Part::AwaitingHandOut,
        ] {
            assert_eq!(people.iter().filter(|p| p.part == part).count(), 1, "{part:?}");
        }
    }
}
