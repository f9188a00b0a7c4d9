//! The routines as guided flows (docs/design/portal.md §1.3, §5): a form, a review page with
//! "Signera och skicka" (a fresh passkey assertion over the API's own action text), and the
//! result; the change itself is the API handler's, called in process.

use axum::Router;

use crate::web::Portal;

/// The flows' routes.
pub fn routes() -> Router<Portal> {
    Router::new()
}
