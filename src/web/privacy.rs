//! `/privacy`: the signed-in member's rights over their data. Download it (the same document
//! as `GET /api/v1/me/export`, `privacy::export`, as a JSON file), see the consents they gave
//! and withdrew, and erase the account (`privacy::erase`, as `DELETE /api/v1/me`) after a page
//! that says what happens to the household and the registrations, and a ticked confirmation.

use poem::http::{StatusCode, header};
use poem::web::{Data, Form};
use poem::{Request, Response, handler};
use serde_json::json;

use super::Visitor;
use crate::app::App;
use crate::i18n::CATALOGS;

pub fn routes(r: poem::Route) -> poem::Route {
    use poem::get;
    r.at("/privacy", get(privacy_page))
        .at("/privacy/export", get(download))
        .at("/privacy/erase", get(erase_page).post(erase))
        .at("/privacy/erased", get(erased))
}

/// The words of a consent's kind; a kind this page does not know is shown as it is stored.
fn consent_label(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "privacy_policy" => "privacy-consent-privacy_policy",
        "newsletter" | "newsletter:community" => "privacy-consent-newsletter",
        "newsletter:alumni" => "privacy-consent-newsletter-alumni",
        "keep_in_touch" => "privacy-consent-keep_in_touch",
        "alumni_directory" => "privacy-consent-alumni_directory",
        _ => return None,
    })
}

/// `GET /privacy`
#[handler]
pub async fn privacy_page(v: Visitor, app: Data<&App>) -> Response {
    let me = match v.member() {
        Ok(me) => me,
        Err(r) => return r,
    };
    let consents = match crate::privacy::consents(&app, &me.account_id).await {
        Ok(c) => c,
        Err(e) => return v.failed(e),
    };
    let list: Vec<_> = consents
        .iter()
        .rev()
        .map(|c| {
            json!({
                "label": consent_label(&c.kind)
                    .map(|k| CATALOGS.t(v.lang, k, &[]))
                    .unwrap_or_else(|| c.kind.clone()),
                "granted": c.granted,
                "date": super::local_date(v.lang, c.at, app.config.timezone),
            })
        })
        .collect();
    v.page(
        StatusCode::OK,
        "privacy.html",
        json!({"section": "me", "consents": list}),
    )
}

/// `GET /privacy/export`: everything held on the member, as a file to keep.
#[handler]
pub async fn download(v: Visitor, app: Data<&App>) -> Response {
    let me = match v.member() {
        Ok(me) => me,
        Err(r) => return r,
    };
    let export = match crate::privacy::export(&app, &me.account_id).await {
        Ok(x) => x,
        Err(e) => return v.failed(e),
    };
    let body = match serde_json::to_vec_pretty(&export) {
        Ok(b) => b,
        Err(e) => return v.failed(crate::error::Error::Internal(e.into())),
    };
    let day = chrono::Utc::now().format("%Y-%m-%d");
    Response::builder()
        .content_type("application/json; charset=utf-8")
        .header(
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"limburgers-worldwide-my-data-{day}.json\""),
        )
        // Personal data: no copy in any cache.
        .header(header::CACHE_CONTROL, "no-store")
        .body(body)
}

/// The confirmation form: a box to tick.
#[derive(serde::Deserialize, Default)]
pub struct EraseForm {
    #[serde(default)]
    csrf: String,
    confirm: Option<String>,
}

/// What erasing would do to this member's household, for the confirmation page.
async fn erase_form(
    v: &Visitor,
    app: &App,
    status: StatusCode,
    errors: serde_json::Map<String, serde_json::Value>,
) -> Response {
    let me = match v.member() {
        Ok(me) => me,
        Err(r) => return r,
    };
    let household = match crate::households::view(app, &me.account_id).await {
        Ok(h) => h,
        Err(e) => return v.failed(e),
    };
    let partner = household
        .people
        .iter()
        .find(|p| p.has_account && p.id != me.account_id)
        .map(|p| p.first_name.clone().unwrap_or_default());
    let dependents = household.people.iter().filter(|p| !p.has_account).count();
    v.page(
        status,
        "erase.html",
        json!({
            "section": "me",
            "partner": partner,
            "dependents": dependents,
            "errors": errors,
        }),
    )
}

/// `GET /privacy/erase`: what erasing means, and the confirmation.
#[handler]
pub async fn erase_page(v: Visitor, app: Data<&App>) -> Response {
    erase_form(&v, &app, StatusCode::OK, Default::default()).await
}

/// `POST /privacy/erase`: erases the account, signs this browser out and says goodbye.
#[handler]
pub async fn erase(
    req: &Request,
    v: Visitor,
    app: Data<&App>,
    Form(form): Form<EraseForm>,
) -> Response {
    let me = match v.member() {
        Ok(me) => me,
        Err(r) => return r,
    };
    let mut errors = serde_json::Map::new();
    if !v.form_ok(req, &form.csrf) {
        errors.insert(
            "form".into(),
            CATALOGS.t(v.lang, "form-expired", &[]).into(),
        );
        return erase_form(&v, &app, StatusCode::FORBIDDEN, errors).await;
    }
    if form.confirm.is_none() {
        errors.insert(
            "confirm".into(),
            CATALOGS.t(v.lang, "privacy-erase-error", &[]).into(),
        );
        return erase_form(&v, &app, StatusCode::UNPROCESSABLE_ENTITY, errors).await;
    }
    match crate::privacy::erase(&app, &me.account_id, &me.account_id).await {
        // Every session was revoked with the account; this browser forgets its cookie too.
        // Nobody is signed in to say the language any more: the address carries it.
        Ok(()) => v.signed_out(&format!("/privacy/erased?lang={}", v.lang.as_str())),
        Err(e) => v.failed(e),
    }
}

/// `GET /privacy/erased`: goodbye.
#[handler]
pub fn erased(v: Visitor) -> Response {
    v.message(
        StatusCode::OK,
        "privacy-erased-title",
        "privacy-erased-text",
    )
}
