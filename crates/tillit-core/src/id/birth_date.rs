//! Birth dates shared by the person-id rules: a date must exist and must not lie in the
//! future (R-ID-3a).

use time::{Date, Month};

use super::IdError;

/// The calendar date `year-month-day`, or the R-ID-3a refusal naming it when it does not exist.
pub(crate) fn calendar_date(year: i32, month: u8, day: u8) -> Result<Date, IdError> {
    Month::try_from(month)
        .ok()
        .and_then(|m| Date::from_calendar_date(year, m, day).ok())
        .ok_or(IdError::NoSuchDate { year, month, day })
}

/// `date` itself, or the R-ID-3a refusal when it lies after `today`.
pub(crate) fn not_in_future(date: Date, today: Date) -> Result<Date, IdError> {
    if date > today {
        Err(IdError::FutureDate { date })
    } else {
        Ok(date)
    }
}

/// Formats a date as `YYYY-MM-DD` whatever the year (used in messages).
pub(crate) fn iso(date: Date) -> String {
    format!("{:04}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day())
}
