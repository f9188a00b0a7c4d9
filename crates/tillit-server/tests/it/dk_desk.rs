//! The Danish RA at the desk over HTTPS: stock, registrations, authenticators (issue 7).
