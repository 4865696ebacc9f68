//! Who is looking at a page: their language, their session (a cookie after the magic link) and
//! the token their forms must carry. Every page handler takes a [`Visitor`] and renders through
//! it, so the navigation, the switcher and the sign-out form know who is there.
//!
//! The session cookie holds the same kind of session token as `POST /api/v1/auth/sessions`
//! answers (the `tokens` table, kind `session`, named `website`): it is listed and revoked the same
//! way, expires the same way, and `Authorization: Bearer` keeps working for the API. The cookie is
//! `HttpOnly` (no script reads it), `SameSite=Lax` (another site's form posts arrive without it)
//! and `Secure` when `BASE_URL` is https.

use poem::http::{StatusCode, header};
use poem::{FromRequest, Request, RequestBody, Response};
use serde_json::json;

use super::{csrf, page_with};
use crate::app::App;
use crate::auth::{self, Caller};
use crate::values::Language;

pub const SESSION_COOKIE: &str = "session";
/// Where a visitor sent to sign in was going; read once after signing in.
const NEXT_COOKIE: &str = "next";

pub struct Visitor {
    pub lang: Language,
    /// The signed-in member, staff member or admin.
    pub me: Option<Caller>,
    /// The token every form of this page carries (`csrf::check`).
    pub csrf: String,
    /// The path and query of this page (for the switcher and "where you were going").
    pub here: String,
    secure: bool,
    set_cookies: Vec<String>,
}

impl<'a> FromRequest<'a> for Visitor {
    async fn from_request(req: &'a Request, _body: &mut RequestBody) -> poem::Result<Self> {
        let app = req
            .data::<App>()
            .ok_or_else(|| poem::Error::from_status(StatusCode::INTERNAL_SERVER_ERROR))?;
        Ok(Visitor::new(app, req).await)
    }
}

impl Visitor {
    pub async fn new(app: &App, req: &Request) -> Visitor {
        let secure = app.config.base_url.scheme() == "https";
        let mut set_cookies = Vec::new();
        let me = match super::cookie(req, SESSION_COOKIE) {
            Some(secret) => match auth::caller_from_secret(app, &secret).await {
                Ok(Some(c)) => Some(c),
                Ok(None) => {
                    // Expired or revoked elsewhere: forget it, show the page signed out.
                    set_cookies.push(clear(SESSION_COOKIE, secure));
                    None
                }
                Err(e) => {
                    tracing::error!(error = %e, "reading the session of a page request");
                    None
                }
            },
            None => None,
        };
        let (csrf, fresh) = csrf::token(req, secure);
        set_cookies.extend(fresh);
        let lang = query_language(req)
            .or_else(|| super::cookie(req, "lang").and_then(|l| l.parse().ok()))
            .or_else(|| me.as_ref().map(|c| c.language))
            .unwrap_or_else(|| super::language(req));
        let here = req
            .uri()
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_else(|| "/".into());
        Visitor {
            lang,
            me,
            csrf,
            here,
            secure,
            set_cookies,
        }
    }

    /// The signed-in caller, or a response that sends the visitor to sign in first (and brings
    /// them back here afterwards).
    // The error is the page to answer at once (`Err(r) => return r`); boxing it buys nothing.
    #[allow(clippy::result_large_err)]
    pub fn member(&self) -> Result<&Caller, Response> {
        match &self.me {
            Some(c) => Ok(c),
            None => {
                let back = if self.here.starts_with('/') {
                    self.here.clone()
                } else {
                    "/".into()
                };
                let mut r = self.redirect("/sign-in");
                r.headers_mut().append(
                    header::SET_COOKIE,
                    cookie_value(&format!(
                        "{NEXT_COOKIE}={}; Path=/; Max-Age=3600; SameSite=Lax; HttpOnly{}",
                        url::form_urlencoded::byte_serialize(back.as_bytes()).collect::<String>(),
                        self.secure_flag()
                    )),
                );
                Err(r)
            }
        }
    }

    /// The signed-in staff member or admin; anybody else is sent to sign in (anonymous) or told
    /// the page is for the centre's staff (403). The role rule is `Caller::require_staff`'s.
    // The error is the page to answer at once; boxing it buys nothing.
    #[allow(clippy::result_large_err)]
    pub fn staff(&self) -> Result<&Caller, Response> {
        let me = self.member()?;
        me.require_staff().map_err(|e| self.failed(e))?;
        Ok(me)
    }

    /// The signed-in admin (`Caller::require_admin`); see [`Visitor::staff`].
    #[allow(clippy::result_large_err)]
    pub fn admin(&self) -> Result<&Caller, Response> {
        let me = self.member()?;
        me.require_admin().map_err(|e| self.failed(e))?;
        Ok(me)
    }

    /// Whether a posted form carries this visitor's token.
    pub fn form_ok(&self, req: &Request, posted: &str) -> bool {
        csrf::check(req, posted)
    }

    fn secure_flag(&self) -> &'static str {
        if self.secure { "; Secure" } else { "" }
    }

    /// A page, with what the layout needs to know about the visitor.
    pub fn page(
        &self,
        status: StatusCode,
        template: &str,
        mut context: serde_json::Value,
    ) -> Response {
        self.common(&mut context);
        let mut r = page_with(status, self.lang, &self.here, template, context);
        self.add_cookies(&mut r);
        r
    }

    /// `303 See Other` to `to` (post, redirect, get), with the visitor's new cookies.
    pub fn redirect(&self, to: &str) -> Response {
        let mut r = Response::builder()
            .status(StatusCode::SEE_OTHER)
            .header(header::LOCATION, to)
            .header(header::CACHE_CONTROL, "no-store")
            .finish();
        self.add_cookies(&mut r);
        r
    }

    /// The answer to a button whose form's CSRF token did not match (no form to show again).
    pub fn form_refused(&self) -> Response {
        self.message(StatusCode::FORBIDDEN, "form-expired-title", "form-expired")
    }

    /// A message page (title and text from the catalog).
    pub fn message(&self, status: StatusCode, title: &str, text: &str) -> Response {
        use crate::i18n::CATALOGS;
        self.page(
            status,
            "message.html",
            json!({
                "title": CATALOGS.t(self.lang, title, &[]),
                "text": CATALOGS.t(self.lang, text, &[]),
            }),
        )
    }

    /// A domain error as a page: not found 404, gone 410 (a used or expired link), refused 403,
    /// too many 429; anything else is logged and answered 500.
    pub fn failed(&self, e: crate::error::Error) -> Response {
        use crate::error::Error;
        let status = match &e {
            Error::NotFound(_) => StatusCode::NOT_FOUND,
            Error::Gone(_) => {
                return self.message(StatusCode::GONE, "link-gone-title", "link-gone-text");
            }
            Error::Forbidden(_) => StatusCode::FORBIDDEN,
            Error::Unauthenticated => StatusCode::UNAUTHORIZED,
            Error::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Error::Conflict(_) | Error::Invalid(_) => StatusCode::CONFLICT,
            _ => {
                // The path only: a query may hold a link's token.
                let path = self.here.split('?').next().unwrap_or_default();
                tracing::error!(error = %e, path, "page failed");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        // As the signed-in visitor sees the site (their navigation), unlike `error_page`.
        let (title, text) = super::error_keys(status);
        self.page(
            status,
            "error.html",
            json!({
                "title": crate::i18n::CATALOGS.t(self.lang, title, &[]),
                "text": crate::i18n::CATALOGS.t(self.lang, text, &[]),
            }),
        )
    }

    /// `r` with the visitor's new cookies (a page built elsewhere, e.g. from the page cache).
    pub fn finish(&self, mut r: Response) -> Response {
        self.add_cookies(&mut r);
        r
    }

    /// The HTML of `template` for this visitor, or the answer to give when it fails.
    // The error is the answer to give at once; boxing it buys nothing.
    #[allow(clippy::result_large_err)]
    pub fn render(
        &self,
        template: &str,
        mut context: serde_json::Value,
    ) -> Result<String, Response> {
        self.common(&mut context);
        super::render(self.lang, &self.here, template, context).map_err(|r| self.finish(r))
    }

    /// What the layout needs to know about the visitor.
    fn common(&self, context: &mut serde_json::Value) {
        if let Some(map) = context.as_object_mut() {
            map.insert("csrf".into(), self.csrf.clone().into());
            map.insert(
                "me".into(),
                match &self.me {
                    Some(c) => json!({
                        "first_name": c.member.first_name,
                        "staff": c.role.is_staff(),
                        "admin": c.role == crate::values::Role::Admin,
                        "alumnus": c.status == crate::values::AccountStatus::Alumni,
                    }),
                    None => serde_json::Value::Null,
                },
            );
        }
    }

    fn add_cookies(&self, r: &mut Response) {
        for c in &self.set_cookies {
            r.headers_mut().append(header::SET_COOKIE, cookie_value(c));
        }
    }

    /// Signs this browser in with a fresh session secret, then goes where the visitor was going
    /// (the `next` cookie), else `fallback`.
    pub fn signed_in(
        &self,
        req: &Request,
        secret: &str,
        expires_at_ms: i64,
        fallback: &str,
    ) -> Response {
        let max_age = ((expires_at_ms - crate::db::now_ms()) / 1000).max(0);
        let target = super::cookie(req, NEXT_COOKIE)
            .and_then(|n| {
                url::form_urlencoded::parse(format!("n={n}").as_bytes())
                    .next()
                    .map(|(_, v)| v.into_owned())
            })
            .filter(|n| super::local_path(n))
            .unwrap_or_else(|| fallback.to_owned());
        let mut r = self.redirect(&target);
        let h = r.headers_mut();
        h.append(
            header::SET_COOKIE,
            cookie_value(&format!(
                "{SESSION_COOKIE}={secret}; Path=/; Max-Age={max_age}; SameSite=Lax; HttpOnly{}",
                self.secure_flag()
            )),
        );
        h.append(
            header::SET_COOKIE,
            cookie_value(&clear(NEXT_COOKIE, self.secure)),
        );
        r
    }

    /// Forgets this browser's session (after it was revoked).
    pub fn signed_out(&self, to: &str) -> Response {
        let mut r = self.redirect(to);
        r.headers_mut().append(
            header::SET_COOKIE,
            cookie_value(&clear(SESSION_COOKIE, self.secure)),
        );
        r
    }
}

fn clear(name: &str, secure: bool) -> String {
    format!(
        "{name}=; Path=/; Max-Age=0; SameSite=Lax; HttpOnly{}",
        if secure { "; Secure" } else { "" }
    )
}

fn cookie_value(c: &str) -> header::HeaderValue {
    // Cookies are built here from URL-safe secrets and fixed text: always a valid header value.
    header::HeaderValue::from_str(c).unwrap_or_else(|_| header::HeaderValue::from_static(""))
}

/// `?lang=nl` on links in mail: the mail's language, so its landing page speaks it too.
fn query_language(req: &Request) -> Option<Language> {
    let q = req.uri().query()?;
    url::form_urlencoded::parse(q.as_bytes())
        .find(|(k, _)| k == "lang")
        .and_then(|(_, v)| v.parse().ok())
}
