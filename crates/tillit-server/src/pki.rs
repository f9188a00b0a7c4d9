//! The PKI endpoints relying parties use: CRLs (`/crl/<ca>.crl`), CA certificates for AIA
//! (`/ca/<ca>.crt`), both DER, and the OCSP responder (`POST /ocsp`, `GET /ocsp/<base64>`,
//! RFC 6960 appendix A).

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use bytes::Bytes;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::ca::CaError;
use crate::ocsp::OcspAnswer;
use crate::problem::Problem;
use crate::AppState;

/// The routes.
pub fn routes() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .routes(routes!(crl))
        .routes(routes!(ca_certificate))
        .routes(routes!(ocsp_post))
        // Base64 has `/` in it: the request is the rest of the path.
        .route("/ocsp/{*request}", axum::routing::get(ocsp_get))
        .layer(DefaultBodyLimit::max(tillit_pki::ocsp::MAX_REQUEST_LEN))
}

/// An OCSP answer as HTTP: always 200 with an `OCSPResponse` (RFC 6960 appendix A), errors
/// included. Answers to GET without a nonce may be cached briefly by intermediaries: a
/// revocation must show within seconds.
///
/// Built by hand from static header values: this is the responder's hot path, and header
/// values given as `&str` would each be checked and copied for every response.
fn ocsp_response(answer: OcspAnswer, get: bool) -> Response {
    let cache = if get && answer.cacheable { "public, max-age=10, no-transform" } else { "no-store" };
    let mut response = Response::new(Body::from(answer.der));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/ocsp-response"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    response
}

/// The OCSP responder (RFC 6960): a DER `OCSPRequest` in the body, an `OCSPResponse` back —
/// good, revoked or unknown for each certificate, signed by the CA's delegated responder,
/// the nonce echoed. Malformed requests get `malformedRequest`, never an HTTP error. The same
/// is answered to `GET /ocsp/<base64 of the request, URL-encoded>` (RFC 6960 appendix A.1).
#[utoipa::path(post, path = "/ocsp", tag = "pki",
    request_body(content = Vec<u8>, content_type = "application/ocsp-request"),
    responses((status = 200, description = "The OCSP response", content_type = "application/ocsp-response", body = Vec<u8>)))]
async fn ocsp_post(
    State(state): State<Arc<AppState>>,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Response {
    // A body over the limit is a malformed request too, answered as OCSP.
    let body = body.unwrap_or_default();
    ocsp_response(state.ocsp.answer(&body).await, false)
}

/// The OCSP responder by GET (RFC 6960 appendix A.1): `GET /ocsp/<request>`, the DER
/// `OCSPRequest` base64- then URL-encoded as the rest of the path.
async fn ocsp_get(State(state): State<Arc<AppState>>, Path(request): Path<String>) -> Response {
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(request.trim_end_matches('\n'))
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(&request));
    let answer = match decoded {
        Ok(der) => state.ocsp.answer(&der).await,
        Err(_) => state.ocsp.answer(&[]).await,
    };
    ocsp_response(answer, true)
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
        // An offline root (imported without its key): its CRL is published elsewhere.
        Err(e @ CaError::KeyNotOnNode(_)) => {
            Err(Problem::not_found(&format!("/crl/{file}")).detail(e.to_string()))
        }
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
