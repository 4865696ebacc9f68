//! One error type for the domain, and its one rendering: `application/problem+json` (RFC 9457)
//! `{type, title, status, detail, errors: [{field, message}]}`.
//!
//! Domain code returns [`Error`]; handlers return [`ApiError`], which lists every status in the
//! OpenAPI spec; errors raised by the framework itself (unparsable JSON, unknown route, body too
//! large) are turned into the same shape by [`problem_from_poem`].

use poem::Response;
use poem::http::StatusCode;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object};

use crate::values::Invalid;

/// One field that did not pass validation.
#[derive(Debug, Clone, PartialEq, Eq, Object, serde::Serialize)]
#[oai(skip_serializing_if_is_none)]
pub struct FieldError {
    /// The JSON field (dotted for nested fields, e.g. `consent.privacy_policy`).
    pub field: String,
    pub message: String,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("some fields are invalid")]
    Invalid(Vec<FieldError>),
    #[error("{0}")]
    BadRequest(String),
    #[error("sign in first")]
    Unauthenticated,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Gone(String),
    #[error("too many requests; try again in {retry_after_secs} seconds")]
    TooManyRequests { retry_after_secs: u64 },
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A write's result, with a violated UNIQUE constraint answered as a conflict saying `why`
/// (the constraint is what keeps the state valid under concurrency; this is its message).
pub fn conflict_if_taken<T>(
    result: std::result::Result<T, sqlx::Error>,
    why: impl FnOnce() -> String,
) -> Result<T> {
    match result {
        Err(e) if crate::db::is_unique_violation(&e) => Err(Error::Conflict(why())),
        other => Ok(other?),
    }
}

impl Error {
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Error::Invalid(vec![FieldError {
            field: field.to_owned(),
            message: message.into(),
        }])
    }
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        crate::metrics::db_error(&e);
        Error::Internal(anyhow::Error::new(e).context("database"))
    }
}

/// Collects field errors while a request is turned into a domain command, so the client learns
/// about every bad field at once.
#[derive(Default)]
pub struct Fields(Vec<FieldError>);

impl Fields {
    /// Keeps the parsed value, or records why it was refused.
    pub fn check<T>(&mut self, field: &str, parsed: Result<T, Invalid>) -> Option<T> {
        match parsed {
            Ok(v) => Some(v),
            Err(Invalid(message)) => {
                self.0.push(FieldError {
                    field: field.to_owned(),
                    message,
                });
                None
            }
        }
    }

    /// Like `check` for optional input: absent stays absent.
    pub fn check_opt<T>(
        &mut self,
        field: &str,
        raw: Option<&str>,
        parse: impl FnOnce(&str) -> Result<T, Invalid>,
    ) -> Option<T> {
        raw.and_then(|r| self.check(field, parse(r)))
    }

    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.to_owned(),
            message: message.into(),
        });
    }

    /// `Err` with every collected problem, or `Ok` when there were none.
    pub fn finish(self) -> Result<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Error::Invalid(self.0))
        }
    }
}

/// Unwraps a value that `Fields::check` accepted; only call after `Fields::finish` returned Ok.
#[macro_export]
macro_rules! checked {
    ($v:expr) => {
        match $v {
            Some(v) => v,
            // `finish()` returned Ok, so every `check` recorded no error and returned Some.
            None => unreachable!("validated field missing after Fields::finish"),
        }
    };
}

#[derive(Debug, Clone, Object, serde::Serialize)]
#[oai(skip_serializing_if_is_none)]
pub struct Problem {
    /// A URI naming the kind of problem, one per status (see [`Problem::kind_of`]).
    #[oai(rename = "type")]
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    pub errors: Vec<FieldError>,
}

impl Problem {
    pub fn new(status: StatusCode, detail: impl Into<String>, errors: Vec<FieldError>) -> Self {
        Problem {
            kind: Self::kind_of(status).to_owned(),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            errors,
        }
    }
}

impl Problem {
    /// The `type` of each kind of problem. Clients branch on it; the README lists them.
    pub const KINDS: &[(u16, &str, &str)] = &[
        (
            400,
            "/problems/malformed-request",
            "The body is not a JSON document, or the request cannot be read at all.",
        ),
        (
            401,
            "/problems/unauthenticated",
            "No valid sign-in: send `Authorization: Bearer <token>`.",
        ),
        (
            403,
            "/problems/forbidden",
            "Signed in, but this role may not do this.",
        ),
        (
            404,
            "/problems/not-found",
            "Nothing at this address, or not visible to you.",
        ),
        (
            405,
            "/problems/method-not-allowed",
            "The address does not take this method; `Allow` lists those it does.",
        ),
        (
            408,
            "/problems/request-timeout",
            "The request did not arrive in time.",
        ),
        (
            409,
            "/problems/conflict",
            "The request conflicts with the current state (a seat taken, a duplicate).",
        ),
        (
            410,
            "/problems/gone",
            "A link or token that expired or was already used.",
        ),
        (413, "/problems/too-large", "The body is larger than 1 MiB."),
        (
            415,
            "/problems/unsupported-media-type",
            "The body is not `application/json`.",
        ),
        (
            422,
            "/problems/invalid-fields",
            "Some values are invalid; `errors` names each field with a message.",
        ),
        (
            429,
            "/problems/rate-limited",
            "Too many requests; wait as long as `Retry-After` says.",
        ),
        (
            500,
            "/problems/internal",
            "Something failed on the server; it has been logged.",
        ),
        (
            503,
            "/problems/unavailable",
            "The service cannot answer now (the database is unreachable).",
        ),
    ];

    pub fn kind_of(status: StatusCode) -> &'static str {
        Self::KINDS
            .iter()
            .find(|(s, _, _)| *s == status.as_u16())
            .map_or("about:blank", |(_, kind, _)| kind)
    }
}

impl poem::IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let json = serde_json::to_vec(&self).unwrap_or_default();
        Response::builder()
            .status(status)
            .content_type(PROBLEM_JSON)
            .body(json)
    }
}

/// The one wording of a 401, whoever raises it.
pub const SIGN_IN_FIRST: &str = "sign in first: send Authorization: Bearer <token>";

pub const PROBLEM_JSON: &str = "application/problem+json";

/// Every error an API operation can answer, each as problem+json.
#[derive(Debug, ApiResponse)]
pub enum ApiError {
    /// The body is not a JSON document (`type` `/problems/malformed-request`). A JSON body with
    /// wrong values is a 422.
    #[oai(status = 400, content_type = "application/problem+json")]
    BadRequest(Json<Problem>),
    /// No valid sign-in (`Authorization: Bearer …`).
    #[oai(status = 401, content_type = "application/problem+json")]
    Unauthorized(Json<Problem>),
    /// Signed in, but not allowed to do this.
    #[oai(status = 403, content_type = "application/problem+json")]
    Forbidden(Json<Problem>),
    #[oai(status = 404, content_type = "application/problem+json")]
    NotFound(Json<Problem>),
    /// The request conflicts with the current state.
    #[oai(status = 409, content_type = "application/problem+json")]
    Conflict(Json<Problem>),
    /// A link or token that has expired or was already used.
    #[oai(status = 410, content_type = "application/problem+json")]
    Gone(Json<Problem>),
    /// The body is larger than 1 MiB.
    #[oai(status = 413, content_type = "application/problem+json")]
    PayloadTooLarge(Json<Problem>),
    /// The body is not `application/json`.
    #[oai(status = 415, content_type = "application/problem+json")]
    UnsupportedMediaType(Json<Problem>),
    /// Some fields are invalid; `errors` names each.
    #[oai(status = 422, content_type = "application/problem+json")]
    Unprocessable(Json<Problem>),
    /// Too many requests; wait as long as `Retry-After` says.
    #[oai(status = 429, content_type = "application/problem+json")]
    TooManyRequests(Json<Problem>, #[oai(header = "Retry-After")] u64),
    #[oai(status = 500, content_type = "application/problem+json")]
    Internal(Json<Problem>),
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        let p = |status: StatusCode, detail: String| Json(Problem::new(status, detail, vec![]));
        match e {
            Error::Invalid(errors) => ApiError::Unprocessable(Json(Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "some fields are invalid",
                errors,
            ))),
            Error::BadRequest(d) => ApiError::BadRequest(p(StatusCode::BAD_REQUEST, d)),
            Error::Unauthenticated => {
                ApiError::Unauthorized(p(StatusCode::UNAUTHORIZED, SIGN_IN_FIRST.into()))
            }
            Error::Forbidden(d) => ApiError::Forbidden(p(StatusCode::FORBIDDEN, d)),
            Error::NotFound(what) => {
                ApiError::NotFound(p(StatusCode::NOT_FOUND, format!("{what} not found")))
            }
            Error::Conflict(d) => ApiError::Conflict(p(StatusCode::CONFLICT, d)),
            Error::Gone(d) => ApiError::Gone(p(StatusCode::GONE, d)),
            e @ Error::TooManyRequests { retry_after_secs } => ApiError::TooManyRequests(
                p(StatusCode::TOO_MANY_REQUESTS, e.to_string()),
                retry_after_secs,
            ),
            Error::Internal(e) => {
                // Logged here, once, with its whole chain; the client learns nothing internal.
                tracing::error!(error = format!("{e:#}"), "internal error");
                ApiError::Internal(p(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "something went wrong on our side; it has been logged".into(),
                ))
            }
        }
    }
}

pub type ApiResult<T> = std::result::Result<T, ApiError>;

/// A problem+json response for errors the framework raises before or around our handlers.
pub fn problem_response(status: StatusCode, detail: impl Into<String>) -> Response {
    poem::IntoResponse::into_response(Problem::new(status, detail, vec![]))
}

/// Renders any error that reached the top of the stack as problem+json, keeping responses that
/// already are problems (our own [`ApiError`]s) as they are.
pub fn problem_from_poem(err: poem::Error) -> Response {
    if err.is_from_response() {
        // Our own ApiError travels as an error carrying its finished problem response.
        let resp = err.into_response();
        if resp.content_type() == Some(PROBLEM_JSON) {
            return resp;
        }
        let status = resp.status();
        return problem_response(status, status.canonical_reason().unwrap_or("error"));
    }
    let status = match err.status() {
        s if s.is_success() => StatusCode::INTERNAL_SERVER_ERROR,
        s => s,
    };
    let detail = err.to_string();
    if status.is_server_error() {
        tracing::error!(error = %detail, "unhandled error");
    }
    problem_response(status, detail)
}
