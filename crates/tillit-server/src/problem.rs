//! RFC 9457 problem details: every error the HTTP API returns is
//! `application/problem+json` with a stable `type`, a title, and where it applies the field
//! and the reason. Errors from the other crates are mapped here, once.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// The media type of problem documents.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// A problem document (RFC 9457).
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct Problem {
    /// A stable URI naming the kind of problem, `urn:tillit:problem:<kind>`.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the kind.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong in this case.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The request field at fault, as a JSON pointer or parameter name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The request path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// The SPEC rule that refused the request (`R-CARD-5`), when a routine refused it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
}

impl Problem {
    /// A problem of kind `kind` with HTTP status `status`.
    pub fn new(status: StatusCode, kind: &str, title: &str) -> Self {
        Problem {
            kind: format!("urn:tillit:problem:{kind}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail: None,
            field: None,
            instance: None,
            rule: None,
        }
    }

    /// Adds what went wrong.
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// Names the field at fault.
    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// Names the request path.
    pub fn instance(mut self, path: impl Into<String>) -> Self {
        self.instance = Some(path.into());
        self
    }

    /// 404: no such resource.
    pub fn not_found(path: &str) -> Self {
        Problem::new(StatusCode::NOT_FOUND, "not-found", "Not found")
            .detail(format!("nothing is served at {path}"))
            .instance(path)
    }

    /// 405: the path exists, the method does not.
    pub fn method_not_allowed(method: &str, path: &str) -> Self {
        Problem::new(StatusCode::METHOD_NOT_ALLOWED, "method-not-allowed", "Method not allowed")
            .detail(format!("{method} is not allowed on {path}"))
            .instance(path)
    }

    /// 503: a dependency (the database) is not available.
    pub fn unavailable(detail: impl Into<String>) -> Self {
        Problem::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "Service unavailable").detail(detail)
    }

    /// 500: a fault on our side. The detail is logged, never sent.
    pub fn internal() -> Self {
        Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "Internal error")
            .detail("the server failed; the fault is logged")
    }

    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = self.status_code();
        let body = serde_json::to_vec(&self).unwrap_or_default();
        (status, [(header::CONTENT_TYPE, PROBLEM_JSON)], body).into_response()
    }
}

impl From<tillit_store::StoreError> for Problem {
    fn from(e: tillit_store::StoreError) -> Self {
        if let tillit_store::StoreError::Conflict { .. } | tillit_store::StoreError::Duplicate { .. } = e {
            // Another request changed or created it first: the caller reads again and decides.
            return Problem::new(StatusCode::CONFLICT, "conflict", "Conflict").detail(e.to_string());
        }
        if e.is_unavailable() {
            tracing::warn!(error = %e, "database unavailable");
            Problem::unavailable("the database is not reachable")
        } else {
            tracing::error!(error = %e, "store error");
            Problem::internal()
        }
    }
}

impl From<tillit_core::ra::Refusal> for Problem {
    /// A routine's refusal: 403 when the principal lacks the right (R-ORG-1, R-PER-3), 422
    /// for any other rule; the rule id, field and reason are in the document.
    fn from(r: tillit_core::ra::Refusal) -> Self {
        // A missing right of the caller (not a wrong value in the request) is 403.
        let forbidden = matches!(r.rule, "R-ORG-1" | "R-PER-3") && matches!(r.field, None | Some("officer"));
        let mut p = if forbidden {
            Problem::new(StatusCode::FORBIDDEN, "forbidden", "Not allowed")
        } else {
            Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "rule-violation", "Refused by a rule")
        };
        p.rule = Some(r.rule.to_string());
        p.field = r.field.map(str::to_string);
        p.detail(r.reason)
    }
}

/// Query parameters as `T`; a query that is not `T` is a 400 problem+json naming what is
/// wrong, like every other error (axum's own `Query` answers plain text).
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiQuery<T>(pub T);

impl<S, T> axum::extract::FromRequestParts<S> for ApiQuery<T>
where
    S: Send + Sync,
    T: serde::de::DeserializeOwned,
{
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, Problem> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(ApiQuery(value)),
            Err(e) => Err(Problem::new(StatusCode::BAD_REQUEST, "bad-query", "Bad query parameters")
                .detail(e.body_text())
                .instance(parts.uri.path())),
        }
    }
}
