//! `/staff/figures`: the figures for funders over a period the staff choose (default: this
//! year to date), each group as a bar chart with a table beside it, and `/staff/figures.csv`,
//! the same figures as a download.
//!
//! The numbers come from `stats::figures`, as `GET /api/v1/stats` gives them, and both the
//! page and the CSV are made from one list (`stats::rows`): what the page shows is what the CSV
//! holds, row for row (the CSV is the API's CSV for the same period). The tables are the
//! accessible source of the numbers; the charts (`charts`) are pictures of them.
//!
//! Country names are ISO 3166 English short names with their code (e.g. "Belgium (BE)") in
//! every language; phases, statuses, months and the figures' names are in the visitor's.

use chrono::{Datelike, NaiveDate};
use poem::http::{StatusCode, header};
use poem::web::{Data, Query};
use poem::{Response, handler};
use serde_json::{Value, json};

use super::charts::{self, Bar};
use crate::app::App;
use crate::error::Error;
use crate::i18n::CATALOGS;
use crate::stats::{self, Stats};
use crate::values::Language;
use crate::web::Visitor;

pub fn routes(r: poem::Route) -> poem::Route {
    r.at("/staff/figures", poem::get(figures_page))
        .at("/staff/figures.csv", poem::get(figures_csv))
}

use crate::web::Errors;

/// The groups of figures in the order the page shows them.
const SECTIONS: [&str; 11] = [
    "members",
    "members_by_phase",
    "members_by_status",
    "members_by_country_of_origin",
    "members_by_municipality",
    "new_members_per_month",
    "alumni_by_country",
    "households",
    "events",
    "newsletter",
    "mentoring",
];

/// Bars drawn for one group; the rest are summed in one "others" bar (the table has them all).
const MOST_BARS: usize = 10;

/// The period as typed (`YYYY-MM-DD`, the date inputs' format); empty means the default.
#[derive(serde::Deserialize, serde::Serialize, Default)]
pub struct PeriodForm {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

/// The period asked for, or the errors to show beside the fields. An empty `to` is today, an
/// empty `from` the first of January of `to`'s year. That `to` is not before `from` is
/// `stats::figures`' rule.
fn period(app: &App, form: &PeriodForm, lang: Language) -> Result<(NaiveDate, NaiveDate), Errors> {
    let mut errors = Errors::new();
    let mut date = |name: &str, raw: &str| -> Option<Option<NaiveDate>> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Some(None);
        }
        match NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
            // Four-digit years only: the tallies' day numbers and the date inputs need no more.
            Ok(d) if (1..=9999).contains(&d.year()) => Some(Some(d)),
            _ => {
                errors.insert(
                    name.into(),
                    CATALOGS.t(lang, "staff-figures-error-date", &[]).into(),
                );
                None
            }
        }
    };
    let (from, to) = (date("from", &form.from), date("to", &form.to));
    let (Some(from), Some(to)) = (from, to) else {
        return Err(errors);
    };
    let today = chrono::Utc::now()
        .with_timezone(&app.config.timezone)
        .date_naive();
    let to = to.unwrap_or(today);
    let from = from.unwrap_or_else(|| NaiveDate::from_ymd_opt(to.year(), 1, 1).unwrap_or(to));
    Ok((from, to))
}

/// Why there are no figures to show.
enum NoFigures {
    /// The period is not one: the form comes back with these errors beside its fields.
    BadPeriod(Errors),
    /// Anything else: a failure page.
    Failed(Error),
}

/// The figures for the form's period.
async fn figures_for(v: &Visitor, app: &App, form: &PeriodForm) -> Result<Stats, NoFigures> {
    let (from, to) = period(app, form, v.lang).map_err(NoFigures::BadPeriod)?;
    stats::figures(app, from, to).await.map_err(|e| match e {
        Error::Invalid(fields) => {
            let mut errors = Errors::new();
            for f in fields {
                let key = format!("staff-figures-error-{}", f.field);
                errors.insert(f.field, CATALOGS.t(v.lang, &key, &[]).into());
            }
            NoFigures::BadPeriod(errors)
        }
        e => NoFigures::Failed(e),
    })
}

/// The answer when there are no figures: the form again (422), or the failure page.
fn refused(v: &Visitor, form: &PeriodForm, why: NoFigures) -> Response {
    match why {
        NoFigures::BadPeriod(errors) => v.page(
            StatusCode::UNPROCESSABLE_ENTITY,
            "staff/figures.html",
            json!({"section": "staff-figures", "form": form, "errors": errors}),
        ),
        NoFigures::Failed(e) => v.failed(e),
    }
}

/// `GET /staff/figures?from=&to=`
#[handler]
pub async fn figures_page(
    v: Visitor,
    app: Data<&App>,
    form: Option<Query<PeriodForm>>,
) -> Response {
    let _me = crate::staff!(v);
    // A query that does not even parse as a form is taken as an empty one (the default period).
    let form = form.map(|Query(f)| f).unwrap_or_default();
    match figures_for(&v, &app, &form).await {
        Ok(s) => v.page(StatusCode::OK, "staff/figures.html", page(&v, &s)),
        Err(why) => refused(&v, &form, why),
    }
}

/// `GET /staff/figures.csv?from=&to=`: the page's figures as `section,key,value` rows. A bad
/// period (only a hand-made link has one) gets the page with its errors, to put it right.
#[handler]
pub async fn figures_csv(v: Visitor, app: Data<&App>, form: Option<Query<PeriodForm>>) -> Response {
    let _me = crate::staff!(v);
    let form = form.map(|Query(f)| f).unwrap_or_default();
    match figures_for(&v, &app, &form).await {
        Ok(s) => v.finish(
            Response::builder()
                .header(header::CONTENT_TYPE, "text/csv; charset=utf-8")
                .header(
                    header::CONTENT_DISPOSITION,
                    format!(
                        "attachment; filename=\"figures-{}-to-{}.csv\"",
                        s.from, s.to
                    ),
                )
                .header(header::CACHE_CONTROL, "no-store")
                .body(stats::csv(&s)),
        ),
        Err(why) => refused(&v, &form, why),
    }
}

/// How a row's key reads in a section's table and chart.
fn label(lang: Language, section: &str, key: &str) -> String {
    let t = |k: &str| CATALOGS.t(lang, k, &[]);
    let breakdown = section.contains("_by_") || section == "new_members_per_month";
    if breakdown && key == "unknown" {
        return t("staff-figures-unknown");
    }
    match section {
        "members_by_phase" => t(&format!("phase-{key}")),
        "members_by_status" => t(&format!("staff-figures-status-{key}")),
        "members_by_country_of_origin" | "alumni_by_country" => {
            match isocountry::CountryCode::for_alpha2(key) {
                Ok(c) => format!("{} ({key})", c.name()),
                Err(_) => key.to_owned(),
            }
        }
        "members_by_municipality" => key.to_owned(),
        "new_members_per_month" => month(lang, key),
        _ => t(&format!("staff-figures-{section}-{key}")),
    }
}

/// `2026-03` as "March 2026" in the visitor's language.
fn month(lang: Language, key: &str) -> String {
    use chrono::Locale;
    let Ok(first) = NaiveDate::parse_from_str(&format!("{key}-01"), "%Y-%m-%d") else {
        return key.to_owned();
    };
    let locale = match lang {
        Language::En => Locale::en_GB,
        Language::Nl => Locale::nl_BE,
        Language::De => Locale::de_BE,
        Language::Fr => Locale::fr_BE,
    };
    first.format_localized("%B %Y", locale).to_string()
}

/// A share as a percentage the visitor's language writes (one decimal at most).
fn percent(lang: Language, rate: f64) -> String {
    let mut n = format!("{:.1}", rate * 100.0);
    if n.ends_with(".0") {
        n.truncate(n.len() - 2);
    }
    if lang != Language::En {
        n = n.replace('.', ",");
    }
    CATALOGS.t(
        lang,
        "staff-figures-percent",
        &[("value", fluent_bundle::FluentValue::from(n))],
    )
}

/// The page's context: every row of `stats::rows` but the period's (shown in the heading and
/// the form), grouped by section in the same order.
fn page(v: &Visitor, s: &Stats) -> Value {
    let lang = v.lang;
    let day = |d: NaiveDate| crate::mail::templates::local_day(lang, d);
    let mut rows = stats::rows(s);
    rows.retain(|r| r.section != "period");
    // Every group in its place, also when it is empty (no alumni yet: a heading and a
    // sentence); then any group this list does not know yet, so no row is left out.
    let mut names: Vec<&'static str> = SECTIONS.to_vec();
    for r in &rows {
        if !names.contains(&r.section) {
            names.push(r.section);
        }
    }
    let sections = names.into_iter().map(|name| {
        let mine: Vec<stats::Row> = rows.iter().filter(|r| r.section == name).cloned().collect();
        (name, mine)
    });
    let shown: Vec<Value> = sections
        .into_iter()
        .map(|(name, rows)| {
            let title = CATALOGS.t(lang, &format!("staff-figures-{name}"), &[]);
            let table: Vec<Value> = rows
                .iter()
                .map(|r| {
                    let value = match &r.value {
                        stats::Value::Rate(x) => percent(lang, *x),
                        other => other.to_string(),
                    };
                    json!({"key": r.key, "label": label(lang, name, &r.key), "value": value})
                })
                .collect();
            let mut bars: Vec<Bar> = rows
                .iter()
                .filter_map(|r| match r.value {
                    stats::Value::Count(n) => Some(Bar {
                        label: label(lang, name, &r.key),
                        value: n,
                    }),
                    _ => None,
                })
                .collect();
            if bars.len() > MOST_BARS {
                let rest: Vec<Bar> = bars.split_off(MOST_BARS - 1);
                bars.push(Bar {
                    label: CATALOGS.t(
                        lang,
                        "staff-figures-others",
                        &[("count", fluent_bundle::FluentValue::from(rest.len() as i64))],
                    ),
                    value: rest.iter().map(|b| b.value).sum(),
                });
            }
            // One number is no picture: the total stands alone.
            let chart = (name != "members" && !bars.is_empty()).then(|| {
                charts::bars(
                    &format!("chart-{name}"),
                    &title,
                    &CATALOGS.t(lang, "staff-figures-chart-description", &[]),
                    &bars,
                )
            });
            json!({"name": name, "title": title, "rows": table, "chart": chart})
        })
        .collect();
    let query = format!("from={}&to={}", s.from, s.to);
    json!({
        "section": "staff-figures",
        "form": {"from": s.from.to_string(), "to": s.to.to_string()},
        "errors": {},
        "period": {"from": day(s.from), "to": day(s.to)},
        "sections": shown,
        "csv": format!("/staff/figures.csv?{query}"),
    })
}
