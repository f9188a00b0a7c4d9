//! The read-only pages: search, a person, a card, reports (docs/design/portal.md §5.2). Each
//! reads through the same functions as the API's read endpoints, with the signed-in officer as
//! the caller, so scope and protected identities (R-ORG-1, R-PER-3) are the API's.

use axum::Router;

use crate::web::Portal;

/// The read-only pages' routes.
pub fn routes() -> Router<Portal> {
    Router::new()
}
