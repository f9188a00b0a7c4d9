//! The PKI endpoints relying parties use: CRLs (`/crl/<ca>.crl`) and CA certificates for
//! AIA (`/ca/<ca>.crt`), both DER.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::ca::CaError;
use crate::problem::Problem;
use crate::AppState;

/// The routes.
pub fn routes() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new().routes(routes!(crl)).routes(routes!(ca_certificate))
}

fn ca_name<'a>(file: &'a str, suffix: &str) -> Option<&'a str> {
    file.strip_suffix(suffix).filter(|n| !n.is_empty())
}

/// The current full CRL of a CA (DER, RFC 5280). Published afresh when a revocation is
/// newer than the last CRL or half its validity has passed.
#[utoipa::path(get, path = "/crl/{file}", tag = "pki",
    params(("file" = String, Path, description = "`<ca>.crl`, e.g. `issuing.crl`")),
    responses(
        (status = 200, description = "The CRL", content_type = "application/pkix-crl", body = Vec<u8>),
        (status = 404, description = "No such CA", body = Problem, content_type = "application/problem+json")
    ))]
async fn crl(State(state): State<Arc<AppState>>, Path(file): Path<String>) -> Result<Response, Problem> {
    let name = ca_name(&file, ".crl").ok_or_else(|| Problem::not_found(&format!("/crl/{file}")))?;
    match state.ca.crl(name).await {
        Ok(der) => Ok((
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/pkix-crl"), (header::CACHE_CONTROL, "public, max-age=60")],
            der,
        )
            .into_response()),
        Err(CaError::UnknownCa(_)) => Err(Problem::not_found(&format!("/crl/{file}"))),
        Err(e) => Err(e.into()),
    }
}

/// A CA certificate (DER), as named in the AIA caIssuers of the certificates it issued.
#[utoipa::path(get, path = "/ca/{file}", tag = "pki",
    params(("file" = String, Path, description = "`<ca>.crt`, e.g. `issuing.crt`")),
    responses(
        (status = 200, description = "The certificate", content_type = "application/pkix-cert", body = Vec<u8>),
        (status = 404, description = "No such CA", body = Problem, content_type = "application/problem+json")
    ))]
async fn ca_certificate(
    State(state): State<Arc<AppState>>,
    Path(file): Path<String>,
) -> Result<Response, Problem> {
    let ca = ca_name(&file, ".crt")
        .and_then(|n| state.ca.ca(n))
        .ok_or_else(|| Problem::not_found(&format!("/ca/{file}")))?;
    Ok((
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/pkix-cert"), (header::CACHE_CONTROL, "public, max-age=3600")],
        ca.der.clone(),
    )
        .into_response())
}

impl From<CaError> for Problem {
    fn from(e: CaError) -> Self {
        match e {
            CaError::Store(e) => e.into(),
            other => {
                tracing::error!(error = %other, "certificate authority");
                Problem::internal()
            }
        }
    }
}
