//! `/staff/admin` (admins only): the staff accounts, with a form to create one
//! (`members::create_staff`, as `limburgers-worldwide admin create` without its token: nothing is
//! mailed, the new staff member signs in with a magic link), and the API tokens: issue one with a
//! name and an expiry (`auth::tokens::issue`, as `POST /api/v1/admin/tokens`; its secret is shown
//! once, on a page that is not stored), list them with holder and last use, revoke one.

use poem::http::{StatusCode, header};
use poem::web::{Data, Form, Path};
use poem::{Request, Response, handler};
use serde_json::{Value, json};

use crate::app::App;
use crate::auth::tokens;
use crate::error::{Error, Fields};
use crate::i18n::CATALOGS;
use crate::values::{EmailAddress, Language, PersonName, Role};
use crate::web::Visitor;

pub fn routes(r: poem::Route) -> poem::Route {
    use poem::{get, post};
    r.at("/staff/admin", get(page))
        .at("/staff/admin/staff", post(create_staff))
        .at("/staff/admin/tokens", post(create_token))
        .at("/staff/admin/tokens/:id/revoke", post(revoke_token))
}

use crate::web::Errors;

/// The staff-account form as typed.
#[derive(serde::Deserialize, serde::Serialize, Default)]
pub struct StaffForm {
    #[serde(default, skip_serializing)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    first_name: String,
    #[serde(default)]
    last_name: String,
    #[serde(default)]
    role: String,
}

/// The token form as typed.
#[derive(serde::Deserialize, serde::Serialize, Default)]
pub struct TokenForm {
    #[serde(default, skip_serializing)]
    csrf: String,
    /// The holder's account id (one of the staff accounts).
    #[serde(default)]
    holder: String,
    #[serde(default)]
    name: String,
    /// Days until it stops working; empty: until revoked.
    #[serde(default)]
    days: String,
}

#[derive(serde::Deserialize, Default)]
pub struct Done {
    #[serde(default)]
    done: String,
}

/// What the page shows next to the forms: `done` after an action, the typed forms and errors.
struct State<'a> {
    done: &'a str,
    staff_form: &'a StaffForm,
    token_form: &'a TokenForm,
    errors: Errors,
}

async fn show(v: &Visitor, app: &App, status: StatusCode, s: State<'_>) -> Response {
    let zone = app.config.timezone;
    let staff = match crate::members::staff_accounts(app).await {
        Ok(s) => s,
        Err(e) => return v.failed(e),
    };
    let list = match tokens::list(app).await {
        Ok(t) => t,
        Err(e) => return v.failed(e),
    };
    let day = |ms: i64| crate::web::local_date(v.lang, ms, zone);
    let staff: Vec<Value> = staff
        .iter()
        .map(|m| {
            json!({
                "id": m.id, "name": m.full_name(), "email": m.email,
                "role": m.role, "status": m.status,
            })
        })
        .collect();
    let tokens: Vec<Value> = list
        .iter()
        .map(|t| {
            json!({
                "id": t.id, "name": t.name, "holder": t.email, "account_id": t.account_id,
                "created": day(t.created_at),
                "expires": t.expires_at.map(day),
                "last_used": t.last_used_at.map(day),
            })
        })
        .collect();
    v.page(
        status,
        "staff/admin.html",
        json!({
            "section": "staff-admin",
            "done": s.done,
            "staff": staff,
            "tokens": tokens,
            "staff_form": s.staff_form,
            "token_form": s.token_form,
            "errors": s.errors,
            "max_days": tokens::MAX_EXPIRY_DAYS,
        }),
    )
}

/// `GET /staff/admin`
#[handler]
pub async fn page(
    v: Visitor,
    app: Data<&App>,
    poem::web::Query(d): poem::web::Query<Done>,
) -> Response {
    let _me = match v.admin() {
        Ok(me) => me,
        Err(r) => return r,
    };
    let done = match d.done.as_str() {
        x @ ("staff" | "revoked") => x,
        _ => "",
    };
    let state = State {
        done,
        staff_form: &StaffForm {
            role: "staff".into(),
            ..StaffForm::default()
        },
        token_form: &TokenForm::default(),
        errors: Errors::new(),
    };
    show(&v, &app, StatusCode::OK, state).await
}

fn word(lang: Language, key: &str) -> Value {
    CATALOGS.t(lang, key, &[]).into()
}

/// `POST /staff/admin/staff`: creates a staff or admin account (or gives an existing account
/// that role).
#[handler]
pub async fn create_staff(
    req: &Request,
    v: Visitor,
    app: Data<&App>,
    Form(form): Form<StaffForm>,
) -> Response {
    let me = match v.admin() {
        Ok(me) => me,
        Err(r) => return r,
    };
    let blank = TokenForm::default();
    if !v.form_ok(req, &form.csrf) {
        let state = State {
            done: "",
            staff_form: &form,
            token_form: &blank,
            errors: crate::web::form_expired(v.lang),
        };
        return show(&v, &app, StatusCode::FORBIDDEN, state).await;
    }
    let mut f = Fields::default();
    let email = f.check("email", EmailAddress::parse(&form.email));
    let first = f.check("first_name", PersonName::parse(&form.first_name));
    let last = f.check("last_name", PersonName::parse(&form.last_name));
    let role = match form.role.parse::<Role>() {
        Ok(r) if r.is_staff() => Some(r),
        _ => {
            f.add("role", "must be staff or admin");
            None
        }
    };
    let result = match (f.finish(), email, first, last, role) {
        (Ok(()), Some(email), Some(first), Some(last), Some(role)) => {
            create(&app, &me.account_id, &email, &first, &last, role).await
        }
        (Err(e), ..) => Err(e),
        _ => Err(Error::field("form", "incomplete")),
    };
    match result {
        Ok(()) => v.redirect("/staff/admin?done=staff#staff"),
        Err(Error::Invalid(fields)) => {
            let mut errors = Errors::new();
            for x in fields {
                let key = format!("staff-admin-error-{}", x.field);
                errors.insert(x.field, word(v.lang, &key));
            }
            let state = State {
                done: "",
                staff_form: &form,
                token_form: &blank,
                errors,
            };
            show(&v, &app, StatusCode::UNPROCESSABLE_ENTITY, state).await
        }
        Err(e) => v.failed(e),
    }
}

/// The account, in a transaction of its own.
async fn create(
    app: &App,
    actor: &str,
    email: &EmailAddress,
    first: &PersonName,
    last: &PersonName,
    role: Role,
) -> crate::error::Result<()> {
    let mut tx = app.db.begin().await?;
    crate::members::create_staff(&mut tx, actor, email, first, last, role).await?;
    tx.commit().await?;
    Ok(())
}

/// `POST /staff/admin/tokens`: issues a token and shows its secret this once.
#[handler]
pub async fn create_token(
    req: &Request,
    v: Visitor,
    app: Data<&App>,
    Form(form): Form<TokenForm>,
) -> Response {
    let me = match v.admin() {
        Ok(me) => me,
        Err(r) => return r,
    };
    let blank = StaffForm {
        role: "staff".into(),
        ..StaffForm::default()
    };
    if !v.form_ok(req, &form.csrf) {
        let state = State {
            done: "",
            staff_form: &blank,
            token_form: &form,
            errors: crate::web::form_expired(v.lang),
        };
        return show(&v, &app, StatusCode::FORBIDDEN, state).await;
    }
    let mut f = Fields::default();
    let name = f.check("name", tokens::TokenName::parse(form.name.trim()));
    let holder = match uuid::Uuid::parse_str(&form.holder) {
        Ok(id) => Some(tokens::Holder::Id(id.to_string())),
        Err(_) => {
            f.add("account_id", "choose a staff account");
            None
        }
    };
    let days = form.days.trim();
    let valid_ms = if days.is_empty() {
        None
    } else {
        match days.parse::<i64>() {
            Ok(n) => f.check("expires_in_days", tokens::expiry_ms(n)),
            Err(_) => {
                f.add("expires_in_days", "must be a number of days");
                None
            }
        }
    };
    let issued = match (f.finish(), name, holder) {
        (Ok(()), Some(name), Some(holder)) => {
            tokens::issue(&app, &me.account_id, &holder, &name, valid_ms).await
        }
        (Err(e), ..) => Err(e),
        _ => Err(Error::field("name", "incomplete")),
    };
    match issued {
        Ok(t) => {
            let zone = app.config.timezone;
            let mut r = v.page(
                StatusCode::CREATED,
                "staff/token_issued.html",
                json!({
                    "section": "staff-admin",
                    "secret": t.secret,
                    "name": t.name,
                    "expires": t.expires_at.map(|ms| crate::web::local_date(v.lang, ms, zone)),
                }),
            );
            // The secret is on this page only: no cache or history keeps a copy.
            r.headers_mut().insert(
                header::CACHE_CONTROL,
                header::HeaderValue::from_static("no-store"),
            );
            r
        }
        Err(Error::Invalid(fields)) => {
            let mut errors = Errors::new();
            for x in fields {
                // The form names the holder `holder` and the expiry `days`.
                let name = match x.field.as_str() {
                    "account_id" | "email" => "holder",
                    "expires_in_days" => "days",
                    other => other,
                };
                let key = format!("staff-admin-error-token-{name}");
                errors.insert(name.to_owned(), word(v.lang, &key));
            }
            let state = State {
                done: "",
                staff_form: &blank,
                token_form: &form,
                errors,
            };
            show(&v, &app, StatusCode::UNPROCESSABLE_ENTITY, state).await
        }
        Err(e) => v.failed(e),
    }
}

#[derive(serde::Deserialize, Default)]
pub struct ConfirmForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /staff/admin/tokens/{id}/revoke`: the token stops working at once.
#[handler]
pub async fn revoke_token(
    req: &Request,
    v: Visitor,
    app: Data<&App>,
    Path(id): Path<String>,
    Form(form): Form<ConfirmForm>,
) -> Response {
    let me = match v.admin() {
        Ok(me) => me,
        Err(r) => return r,
    };
    if !v.form_ok(req, &form.csrf) {
        let state = State {
            done: "",
            staff_form: &StaffForm::default(),
            token_form: &TokenForm::default(),
            errors: crate::web::form_expired(v.lang),
        };
        return show(&v, &app, StatusCode::FORBIDDEN, state).await;
    }
    let Ok(id) = uuid::Uuid::parse_str(&id) else {
        return v.failed(Error::NotFound("API token"));
    };
    match tokens::revoke(&app, &me.account_id, &id.to_string(), "website").await {
        Ok(()) => v.redirect("/staff/admin?done=revoked#tokens"),
        Err(e) => v.failed(e),
    }
}
