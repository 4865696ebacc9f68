//! `/newsletter`: the signed-in member's subscriptions to the `community` and `alumni` lists,
//! with a button to subscribe (double opt-in: the confirmation mail's link opens
//! `/newsletter/confirm`) or unsubscribe, through `newsletter::set` as
//! `PUT /api/v1/me/subscriptions` does. A list the member may not take
//! (`newsletter::may_take`) gets no subscribe button but a word on who it is for; a forged post
//! for it gets the page back with the error beside that list.
//!
//! `/unsubscribe/{key}`: the page the link in every newsletter opens, in the site's look and the
//! subscriber's language, without sign-in (the key is the permission). `GET` only shows the
//! button (mail scanners follow links); `POST` unsubscribes, also as RFC 8058 one-click from a
//! mail app (`List-Unsubscribe=One-Click`, no cookie, no form token).

use poem::http::StatusCode;
use poem::web::{Data, Form, Path, Query};
use poem::{Request, Response, handler};
use serde_json::{Map, Value, json};

use super::Visitor;
use crate::app::App;
use crate::auth::Caller;
use crate::error::{Error, problem_response};
use crate::newsletter::{self, LISTS};
use crate::values::Language;

pub fn routes(r: poem::Route) -> poem::Route {
    use poem::get;
    r.at("/newsletter", get(page).post(change))
        .at("/unsubscribe/:key", get(unsubscribe_page).post(unsubscribe))
}

#[derive(serde::Deserialize, Default)]
pub struct Done {
    #[serde(default)]
    done: String,
}

/// `GET /newsletter`
#[handler]
pub async fn page(v: Visitor, app: Data<&App>, Query(q): Query<Done>) -> Response {
    let me = match v.member() {
        Ok(me) => me,
        Err(r) => return r,
    };
    // Only the words this page knows: anything else in the address shows nothing.
    let done = match q.done.as_str() {
        d @ ("subscribed" | "unsubscribed") => d,
        _ => "",
    };
    show(&v, &app, me, StatusCode::OK, done, Map::new()).await
}

/// The page: each list with the member's state on it, whether they may take it, and `errors`
/// keyed by list.
async fn show(
    v: &Visitor,
    app: &App,
    me: &Caller,
    status: StatusCode,
    done: &str,
    errors: Map<String, Value>,
) -> Response {
    let subscriptions = match newsletter::subscriptions(app, &me.account_id).await {
        Ok(s) => s,
        Err(e) => return v.failed(e),
    };
    let lists: Vec<_> = LISTS
        .iter()
        .map(|list| {
            let status = subscriptions
                .iter()
                .find(|s| s.list == *list)
                .map(|s| s.status.as_str())
                .unwrap_or("none");
            json!({"list": list, "status": status, "offered": newsletter::may_take(&me.member, list)})
        })
        .collect();
    v.page(
        status,
        "newsletter.html",
        json!({"section": "me", "lists": lists, "done": done, "errors": errors}),
    )
}

/// The form of each list's button.
#[derive(serde::Deserialize)]
pub struct ChangeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    list: String,
    /// `yes` to subscribe, anything else to unsubscribe.
    #[serde(default)]
    subscribe: String,
}

/// `POST /newsletter`: subscribe (a confirmation mail) or unsubscribe (at once), then back to
/// the page saying which.
#[handler]
pub async fn change(
    req: &Request,
    v: Visitor,
    app: Data<&App>,
    Form(form): Form<ChangeForm>,
) -> Response {
    let me = match v.member() {
        Ok(me) => me,
        Err(r) => return r,
    };
    if !v.form_ok(req, &form.csrf) {
        return v.form_refused();
    }
    let list = match newsletter::check_list(&form.list) {
        Ok(l) => l,
        Err(e) => return v.failed(e),
    };
    let wanted = form.subscribe == "yes";
    match newsletter::set(&app, &me.account_id, list, wanted, "website").await {
        Ok(()) if wanted => v.redirect("/newsletter?done=subscribed"),
        Ok(()) => v.redirect("/newsletter?done=unsubscribed"),
        // A list this member may not take (the page offers no button for it): said beside it.
        Err(Error::Invalid(fields)) => {
            let errors = super::mentoring::worded(v.lang, "newsletter", &fields, str::to_owned);
            show(&v, &app, me, StatusCode::UNPROCESSABLE_ENTITY, "", errors).await
        }
        Err(e) => v.failed(e),
    }
}

/// The language a visitor chose themselves: `?lang=` or the switcher's cookie.
fn chosen_language(req: &Request) -> Option<Language> {
    let from_query = req.uri().query().and_then(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == "lang")
            .and_then(|(_, v)| v.parse().ok())
    });
    from_query.or_else(|| super::cookie(req, "lang").and_then(|l| l.parse().ok()))
}

/// The unsubscribe page for the subscription `s`, in the subscriber's language unless the
/// visitor chose another on this site; `done` when `status` says so.
fn unsubscribe_view(
    req: &Request,
    mut v: Visitor,
    status: StatusCode,
    key: &str,
    s: &newsletter::Keyed,
) -> Response {
    v.lang = chosen_language(req)
        .or_else(|| s.language.parse().ok())
        .unwrap_or(Language::En);
    v.page(
        status,
        "unsubscribe.html",
        json!({
            "list": s.list,
            "done": s.status == "unsubscribed",
            "action": format!("/unsubscribe/{key}"),
        }),
    )
}

fn unknown_key() -> Response {
    // A problem like the API's: a browser gets it as the not-found page in its language.
    problem_response(StatusCode::NOT_FOUND, "unknown unsubscribe link")
}

/// `GET /unsubscribe/{key}`: the button, or "you are unsubscribed" once done; never changes
/// anything.
#[handler]
pub async fn unsubscribe_page(
    req: &Request,
    v: Visitor,
    app: Data<&App>,
    Path(key): Path<String>,
) -> Response {
    match newsletter::by_unsubscribe_key(&app, &key).await {
        Ok(Some(s)) => unsubscribe_view(req, v, StatusCode::OK, &key, &s),
        Ok(None) => unknown_key(),
        Err(e) => v.failed(e),
    }
}

#[derive(serde::Deserialize)]
pub struct UnsubscribeForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /unsubscribe/{key}`: unsubscribes, idempotent. The key alone is the permission (it is
/// in the mail, and a mail app's one-click post carries no cookie or form token). Pressed on our
/// own page (its form token matches), the answer is post, redirect, get; a mail app's one-click
/// post gets the page at once (RFC 8058 wants a success status).
#[handler]
pub async fn unsubscribe(
    req: &Request,
    v: Visitor,
    app: Data<&App>,
    Path(key): Path<String>,
    form: poem::Result<Form<UnsubscribeForm>>,
) -> Response {
    let from_page = form.is_ok_and(|Form(f)| v.form_ok(req, &f.csrf));
    match newsletter::unsubscribe_by_key(&app, &key).await {
        Ok(Some(_)) if from_page => v.redirect(&format!("/unsubscribe/{key}")),
        Ok(Some(s)) => unsubscribe_view(req, v, StatusCode::OK, &key, &s),
        Ok(None) => unknown_key(),
        Err(e) => v.failed(e),
    }
}
