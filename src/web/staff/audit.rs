//! `/staff/audit`: the audit log for the centre's staff: who did what to which record and when,
//! newest first, filtered by action, actor and period, a page at a time (`audit::list`). The log
//! holds ids only, never personal data, so the page shows ids too (an actor's id links to their
//! page in the register while the account exists).

use poem::http::StatusCode;
use poem::web::{Data, Query};
use poem::{Response, handler};
use serde_json::{Map, Value, json};

use crate::app::App;
use crate::audit;
use crate::i18n::CATALOGS;
use crate::web::Visitor;

pub fn routes(r: poem::Route) -> poem::Route {
    r.at("/staff/audit", poem::get(log))
}

/// Entries on one page.
const PAGE_SIZE: i64 = 50;

#[derive(serde::Deserialize, serde::Serialize, Default)]
pub struct Filters {
    #[serde(default)]
    action: String,
    #[serde(default)]
    actor: String,
    /// First day, `YYYY-MM-DD`, in the centre's time zone.
    #[serde(default)]
    from: String,
    /// Last day, included.
    #[serde(default)]
    to: String,
    /// `at.id` of the last entry of the previous page.
    #[serde(default, skip_serializing)]
    before: String,
}

/// `GET /staff/audit`
#[handler]
pub async fn log(v: Visitor, app: Data<&App>, Query(f): Query<Filters>) -> Response {
    let _me = crate::staff!(v);
    let zone = app.config.timezone;
    let mut errors = Map::new();
    let mut day = |name: &str, text: &str| -> Option<chrono::NaiveDate> {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        match chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                errors.insert(
                    name.into(),
                    CATALOGS.t(v.lang, "staff-audit-error-date", &[]).into(),
                );
                None
            }
        }
    };
    let from = day("from", &f.from);
    let to = day("to", &f.to);
    let actor = f.actor.trim();
    if actor.chars().count() > 100 || actor.chars().any(char::is_control) {
        errors.insert(
            "actor".into(),
            CATALOGS.t(v.lang, "staff-audit-error-actor", &[]).into(),
        );
    }
    let before = f.before.split_once('.').and_then(|(at, id)| {
        let at = at.parse::<i64>().ok()?;
        uuid::Uuid::parse_str(id)
            .ok()
            .map(|id| (at, id.to_string()))
    });
    let actions = match audit::actions(&app).await {
        Ok(a) => a,
        Err(e) => return v.failed(e),
    };
    let (rows, next) = if errors.is_empty() {
        let q = audit::Query {
            // Only an action the log knows: the list offers nothing else.
            action: Some(f.action.clone()).filter(|a| actions.contains(a)),
            actor: Some(actor.to_owned()).filter(|a| !a.is_empty()),
            from: from.map(|d| crate::values::LocalTime::day_start_ms(d, zone)),
            to: to
                .and_then(|d| d.succ_opt())
                .map(|d| crate::values::LocalTime::day_start_ms(d, zone)),
            before: before.clone(),
            limit: PAGE_SIZE,
        };
        match audit::list(&app, &q).await {
            Ok(found) => found,
            Err(e) => return v.failed(e),
        }
    } else {
        (Vec::new(), None)
    };
    let entries: Vec<Value> = rows
        .iter()
        .map(|e| {
            let when = chrono::DateTime::from_timestamp_millis(e.at)
                .map(|d| d.with_timezone(&zone).format("%Y-%m-%d %H:%M").to_string())
                .unwrap_or_default();
            json!({
                "when": when,
                "actor": e.actor,
                // `system`, `cli`: no account to link to.
                "actor_is_account": uuid::Uuid::parse_str(&e.actor).is_ok(),
                "action": e.action,
                "subject": e.subject,
            })
        })
        .collect();
    let query = |before: Option<String>| {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        s.append_pair("action", &f.action)
            .append_pair("actor", actor)
            .append_pair("from", &f.from)
            .append_pair("to", &f.to);
        if let Some(b) = before {
            s.append_pair("before", &b);
        }
        format!("/staff/audit?{}", s.finish())
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    v.page(
        status,
        "staff/audit.html",
        json!({
            "section": "staff-audit",
            "filters": f,
            "actions": actions,
            "entries": entries,
            "next": next.map(|(at, id)| query(Some(format!("{at}.{id}")))),
            "first": before.is_some().then(|| query(None)),
            "errors": errors,
        }),
    )
}
