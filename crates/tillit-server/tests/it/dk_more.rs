//! The Danish RA: extra key cards, forgotten passcode, revocation assistance, pickups, reports (issue 7).
