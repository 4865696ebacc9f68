//! `/me`: the signed-in member's start page (every part of their account, one tap away) and
//! where they are signed in, with a way to end any of those sessions. `/privacy-policy`: what we
//! keep and why, linked from every consent.

use poem::http::StatusCode;
use poem::web::{Data, Form, Path};
use poem::{Request, Response, handler};
use serde_json::json;

use super::Visitor;
use crate::app::App;

pub fn routes(r: poem::Route) -> poem::Route {
    use poem::{get, post};
    r.at("/me", get(hub))
        .at("/me/sessions/:id/end", post(end_session))
        .at("/privacy-policy", get(privacy_policy))
}

/// A form that carries nothing but its CSRF token (a button).
#[derive(serde::Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    pub csrf: String,
}

/// `GET /me`
#[handler]
pub async fn hub(v: Visitor, app: Data<&App>) -> Response {
    let me = match v.member() {
        Ok(me) => me,
        Err(r) => return r,
    };
    let sessions = match crate::auth::sessions(&app, me).await {
        Ok(s) => s,
        Err(e) => return v.failed(e),
    };
    let list: Vec<_> = sessions
        .iter()
        .map(|s| {
            json!({
                "id": s.id,
                "since": super::local_date(v.lang, s.created_at, app.config.timezone),
                "current": s.current,
            })
        })
        .collect();
    v.page(
        StatusCode::OK,
        "me.html",
        json!({
            "section": "me",
            "first_name": me.member.first_name,
            "sessions": list,
        }),
    )
}

/// `POST /me/sessions/{id}/end`: ends one of my sessions (this one signs this browser out).
#[handler]
pub async fn end_session(
    req: &Request,
    v: Visitor,
    app: Data<&App>,
    Path(id): Path<String>,
    Form(form): Form<CsrfOnly>,
) -> Response {
    let me = match v.member() {
        Ok(me) => me,
        Err(r) => return r,
    };
    if !v.form_ok(req, &form.csrf) {
        return v.form_refused();
    }
    let current = match crate::auth::sessions(&app, me).await {
        Ok(list) => list.iter().any(|s| s.current && s.id == id),
        Err(e) => return v.failed(e),
    };
    match crate::auth::revoke_session(&app, me, &id).await {
        Ok(()) if current => v.signed_out("/"),
        Ok(()) => v.redirect("/me#sessions"),
        Err(e) => v.failed(e),
    }
}

/// `GET /privacy-policy`
#[handler]
pub fn privacy_policy(v: Visitor, app: Data<&App>) -> Response {
    v.page(
        StatusCode::OK,
        "privacy_policy.html",
        json!({"contact": app.config.mail_from.as_str()}),
    )
}
