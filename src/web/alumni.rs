//! `/alumni`: moving away and staying in touch. A resident member announces their departure
//! (`alumni::record_departure`, as `POST /api/v1/me/departure`), reads it back with who of the
//! household leaves too (`alumni::departure_of`), answers whether they stay in the alumni network
//! (`alumni::set_keep_in_touch`), chooses what their card in the directory shows
//! (`alumni::set_directory`), and, as an alumnus who moved back, says so (`alumni::come_back`).
//!
//! `/alumni/directory`: the alumni who opted in (`alumni::directory`, the API's query), by the
//! country they live in now; for signed-in members and alumni only.

use chrono::NaiveDate;
use poem::http::StatusCode;
use poem::web::{Data, Form, Query};
use poem::{Request, Response, handler};
use serde_json::{Map, Value, json};

use super::Visitor;
use crate::alumni::{self, Departure, DirectoryField, Return};
use crate::app::App;
use crate::error::Error;
use crate::i18n::CATALOGS;
use crate::values::{CountryCode, Language};

pub fn routes(r: poem::Route) -> poem::Route {
    use poem::{get, post};
    r.at("/alumni", get(page))
        .at("/alumni/departure", post(depart))
        .at("/alumni/keep-in-touch", post(keep_in_touch))
        .at("/alumni/card", post(save_card))
        .at("/alumni/return", post(come_back))
        .at("/alumni/directory", get(directory))
}

/// The fields a directory card may show, in the order the form lists them.
const CARD_FIELDS: [(&str, DirectoryField); 6] = [
    ("first_name", DirectoryField::FirstName),
    ("last_name", DirectoryField::LastName),
    ("destination_country", DirectoryField::DestinationCountry),
    ("destination_city", DirectoryField::DestinationCity),
    ("employer", DirectoryField::Employer),
    ("email", DirectoryField::Email),
];

fn country_name(code: &str) -> String {
    isocountry::CountryCode::for_alpha2(code)
        .map(|c| c.name().to_owned())
        .unwrap_or_else(|_| code.to_owned())
}

fn form_expired(lang: Language) -> Map<String, Value> {
    let mut errors = Map::new();
    errors.insert("form".into(), CATALOGS.t(lang, "form-expired", &[]).into());
    errors
}

#[derive(serde::Deserialize, Default)]
pub struct Done {
    #[serde(default)]
    done: String,
}

/// The departure form as typed (also the back office's, `staff::members`).
#[derive(serde::Deserialize, serde::Serialize, Default)]
pub struct DepartureForm {
    #[serde(default)]
    pub(crate) csrf: String,
    #[serde(default)]
    pub(crate) leaving_on: String,
    #[serde(default)]
    pub(crate) destination_country: String,
    #[serde(default)]
    pub(crate) destination_city: String,
    #[serde(default)]
    pub(crate) keep_in_touch: Option<String>,
    #[serde(default)]
    pub(crate) household: Option<String>,
}

/// `GET /alumni`
#[handler]
pub async fn page(v: Visitor, app: Data<&App>, Query(q): Query<Done>) -> Response {
    let done = match q.done.as_str() {
        d @ ("departure" | "keep" | "card" | "back") => d,
        _ => "",
    };
    show(&v, &app, StatusCode::OK, done, None, Map::new()).await
}

/// The page, with the departure form as typed (`None`: as recorded, or empty) and its errors.
async fn show(
    v: &Visitor,
    app: &App,
    status: StatusCode,
    done: &str,
    typed: Option<&DepartureForm>,
    errors: Map<String, Value>,
) -> Response {
    let me = match v.member() {
        Ok(me) => me,
        Err(r) => return r,
    };
    let lang = v.lang;
    let departure = match alumni::departure_of(app, &me.member).await {
        Ok(d) => d,
        Err(e) => return v.failed(e),
    };
    let (visible, fields) = match alumni::directory_card(app, &me.account_id).await {
        Ok(c) => c,
        Err(e) => return v.failed(e),
    };
    let form = match (typed, &departure) {
        (Some(f), _) => json!({
            "leaving_on": f.leaving_on,
            "destination_country": f.destination_country,
            "destination_city": f.destination_city,
            "keep_in_touch": f.keep_in_touch.is_some(),
            "household": f.household.is_some(),
        }),
        (None, Some(d)) => json!({
            "leaving_on": d.leaving_on.to_string(),
            "destination_country": d.destination_country,
            "destination_city": d.destination_city.clone().unwrap_or_default(),
            "keep_in_touch": d.keep_in_touch,
            "household": true,
        }),
        // The household leaves together unless the member says otherwise (the API's default).
        (None, None) => json!({
            "leaving_on": "", "destination_country": "", "destination_city": "",
            "keep_in_touch": true, "household": true,
        }),
    };
    let departure_view = departure.as_ref().map(|d| {
        let destination = [
            d.destination_city.clone(),
            Some(country_name(&d.destination_country)),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ");
        json!({
            "date": crate::mail::templates::local_day(lang, d.leaving_on),
            "destination": destination,
            "left": d.left,
            "keep_in_touch": d.keep_in_touch,
            "others": d.household.iter().map(|p| json!({
                "name": p.first_name.clone().unwrap_or_default(),
                "date": crate::mail::templates::local_day(lang, p.leaving_on),
            })).collect::<Vec<_>>(),
        })
    });
    let card: Vec<Value> = CARD_FIELDS
        .iter()
        .map(|(name, f)| json!({"name": name, "shown": fields.contains(f)}))
        .collect();
    v.page(
        status,
        "alumni.html",
        json!({
            "section": "me",
            "done": done,
            "resident": me.member.status == "active",
            "alumnus": me.member.status == "alumni",
            "departure": departure_view,
            "form": form,
            "errors": errors,
            "countries": super::sign_up::countries(),
            "visible": visible,
            "card": card,
        }),
    )
}

/// The departure as typed, checked; `Err` with the fields' errors worded for the page.
pub(crate) fn departure_of_form(form: &DepartureForm) -> Result<Departure, Error> {
    let date = NaiveDate::parse_from_str(form.leaving_on.trim(), "%Y-%m-%d");
    let city = Some(form.destination_city.as_str()).filter(|c| !c.trim().is_empty());
    // The other fields are checked also when the date is not a date: every error at once.
    let parsed = Departure::parse(
        date.unwrap_or_default(),
        &form.destination_country,
        city,
        form.keep_in_touch.is_some(),
        form.household.is_some(),
    );
    match (date, parsed) {
        (Ok(_), parsed) => parsed,
        (Err(_), Ok(_)) => Err(Error::field("leaving_on", "must be a date")),
        (Err(_), Err(Error::Invalid(mut fields))) => {
            fields.push(crate::error::FieldError {
                field: "leaving_on".into(),
                message: "must be a date".into(),
            });
            Err(Error::Invalid(fields))
        }
        (Err(_), Err(other)) => Err(other),
    }
}

/// `POST /alumni/departure`: records (or changes) the member's departure.
#[handler]
pub async fn depart(
    req: &Request,
    v: Visitor,
    app: Data<&App>,
    Form(form): Form<DepartureForm>,
) -> Response {
    let me = match v.member() {
        Ok(me) => me,
        Err(r) => return r,
    };
    if !v.form_ok(req, &form.csrf) {
        let errors = form_expired(v.lang);
        return show(&v, &app, StatusCode::FORBIDDEN, "", Some(&form), errors).await;
    }
    let recorded = match departure_of_form(&form) {
        Ok(d) => alumni::record_departure(&app, &me.account_id, &me.member, d).await,
        Err(e) => Err(e),
    };
    match recorded {
        Ok(_) => v.redirect("/alumni?done=departure"),
        Err(Error::Invalid(fields)) => {
            let errors = super::mentoring::worded(v.lang, "alumni", &fields, str::to_owned);
            show(
                &v,
                &app,
                StatusCode::UNPROCESSABLE_ENTITY,
                "",
                Some(&form),
                errors,
            )
            .await
        }
        Err(e) => v.failed(e),
    }
}

#[derive(serde::Deserialize)]
pub struct KeepForm {
    #[serde(default)]
    csrf: String,
    /// `yes` or `no`.
    #[serde(default)]
    keep: String,
}

/// `POST /alumni/keep-in-touch`: the member's own answer.
#[handler]
pub async fn keep_in_touch(
    req: &Request,
    v: Visitor,
    app: Data<&App>,
    Form(form): Form<KeepForm>,
) -> Response {
    let me = match v.member() {
        Ok(me) => me,
        Err(r) => return r,
    };
    if !v.form_ok(req, &form.csrf) {
        return v.form_refused();
    }
    match alumni::set_keep_in_touch(&app, &me.member, form.keep == "yes").await {
        Ok(()) => v.redirect("/alumni?done=keep"),
        Err(e) => v.failed(e),
    }
}

/// The directory card's form: visible, and a box per field.
#[derive(serde::Deserialize)]
pub struct CardForm {
    #[serde(default)]
    csrf: String,
    visible: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    destination_country: Option<String>,
    destination_city: Option<String>,
    employer: Option<String>,
    email: Option<String>,
}

impl CardForm {
    fn fields(&self) -> Vec<DirectoryField> {
        let ticked = [
            &self.first_name,
            &self.last_name,
            &self.destination_country,
            &self.destination_city,
            &self.employer,
            &self.email,
        ];
        CARD_FIELDS
            .iter()
            .zip(ticked)
            .filter(|(_, t)| t.is_some())
            .map(|((_, f), _)| *f)
            .collect()
    }
}

/// `POST /alumni/card`: whether the member appears in the directory, and what it shows.
#[handler]
pub async fn save_card(
    req: &Request,
    v: Visitor,
    app: Data<&App>,
    Form(form): Form<CardForm>,
) -> Response {
    let me = match v.member() {
        Ok(me) => me,
        Err(r) => return r,
    };
    if !v.form_ok(req, &form.csrf) {
        return v.form_refused();
    }
    let set = async {
        let mut tx = app.db.begin().await?;
        alumni::set_directory(
            &mut tx,
            &me.account_id,
            form.visible.is_some(),
            Some(&form.fields()),
            "directory",
        )
        .await?;
        tx.commit().await?;
        Ok::<_, Error>(())
    };
    match set.await {
        Ok(()) => v.redirect("/alumni?done=card"),
        Err(e) => v.failed(e),
    }
}

#[derive(serde::Deserialize)]
pub struct ReturnForm {
    #[serde(default)]
    csrf: String,
    community_newsletter: Option<String>,
    stay_on_alumni_list: Option<String>,
}

/// `POST /alumni/return`: an alumnus moved back.
#[handler]
pub async fn come_back(
    req: &Request,
    v: Visitor,
    app: Data<&App>,
    Form(form): Form<ReturnForm>,
) -> Response {
    let me = match v.member() {
        Ok(me) => me,
        Err(r) => return r,
    };
    if !v.form_ok(req, &form.csrf) {
        return v.form_refused();
    }
    let choice = Return {
        // Unticked: left as it is (every alumnus is off the community list already).
        community_newsletter: form.community_newsletter.is_some().then_some(true),
        stay_on_alumni_list: Some(form.stay_on_alumni_list.is_some()),
    };
    match alumni::come_back(&app, &me.member, choice).await {
        Ok(()) => v.redirect("/alumni?done=back"),
        Err(e) => v.failed(e),
    }
}

#[derive(serde::Deserialize, Default)]
pub struct DirectoryQuery {
    #[serde(default)]
    country: String,
}

/// `GET /alumni/directory?country=DE`
#[handler]
pub async fn directory(v: Visitor, app: Data<&App>, Query(q): Query<DirectoryQuery>) -> Response {
    if let Err(r) = v.member() {
        return r;
    }
    let wanted = q.country.trim();
    let country = match wanted {
        "" => None,
        c => match CountryCode::parse(c) {
            Ok(c) => Some(c),
            Err(_) => {
                let mut errors = Map::new();
                errors.insert(
                    "country".into(),
                    CATALOGS.t(v.lang, "alumni-error-country", &[]).into(),
                );
                return directory_page(&v, StatusCode::UNPROCESSABLE_ENTITY, wanted, &[], errors);
            }
        },
    };
    match alumni::directory(&app, country.as_ref()).await {
        Ok(entries) => {
            let shown = country.as_ref().map(CountryCode::as_str).unwrap_or("");
            directory_page(&v, StatusCode::OK, shown, &entries, Map::new())
        }
        Err(e) => v.failed(e),
    }
}

fn directory_page(
    v: &Visitor,
    status: StatusCode,
    country: &str,
    entries: &[alumni::DirectoryEntry],
    errors: Map<String, Value>,
) -> Response {
    let list: Vec<Value> = entries
        .iter()
        .map(|e| {
            let name = [e.first_name.clone(), e.last_name.clone()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            let place = [
                e.destination_city.clone(),
                e.destination_country.as_deref().map(country_name),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ");
            json!({"name": name, "place": place, "employer": e.employer, "email": e.email})
        })
        .collect();
    v.page(
        status,
        "alumni_directory.html",
        json!({
            "section": "me",
            "country": country,
            "countries": super::sign_up::countries(),
            "entries": list,
            "errors": errors,
        }),
    )
}
