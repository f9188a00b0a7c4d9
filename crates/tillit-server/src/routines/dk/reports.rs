//! To be built (issue 7): see `super`.

use std::sync::Arc;

use utoipa_axum::router::OpenApiRouter;

use crate::AppState;

/// This part's routes.
pub fn routes() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
}
