//! `/staff`: what needs the staff's eyes today: this week's events with seats taken, capacity
//! and waitlist; mail waiting or given up on; newsletter issues on their way.

use poem::http::StatusCode;
use poem::web::Data;
use poem::{Response, handler};
use serde_json::{Value, json};

use crate::app::App;
use crate::events::{self, EventQuery};
use crate::web::Visitor;

pub fn routes(r: poem::Route) -> poem::Route {
    r.at("/staff", poem::get(dashboard))
}

/// `GET /staff`
#[handler]
pub async fn dashboard(v: Visitor, app: Data<&App>) -> Response {
    let _me = crate::staff!(v);
    match build(&v, &app).await {
        Ok(ctx) => v.page(StatusCode::OK, "staff/dashboard.html", ctx),
        Err(e) => v.failed(e),
    }
}

async fn build(v: &Visitor, app: &App) -> crate::error::Result<Value> {
    let zone = app.config.timezone;
    let now = crate::db::now_ms();
    let today = chrono::DateTime::from_timestamp_millis(now)
        .map(|d| d.with_timezone(&zone).date_naive())
        .unwrap_or_default();
    let day_start = |d: chrono::NaiveDate| crate::values::LocalTime::day_start_ms(d, zone);
    let tomorrow = today.succ_opt().unwrap_or(today);
    let week_end = today + chrono::Duration::days(7);
    let query = EventQuery {
        from: Some(now),
        to: Some(day_start(week_end)),
        tag: None,
        audience: None,
        organiser: None,
        status: None,
        cursor: None,
        limit: 50,
    };
    let page = events::list(app, &query).await?;
    let mut today_list = Vec::new();
    let mut week_list = Vec::new();
    for e in &page.rows {
        let waitlist = events::registrations::waitlist_length(app, &e.id).await?;
        let row = json!({
            "id": e.id,
            "title": e.title,
            "when": crate::mail::templates::local_when(v.lang, e.local_start(), Some(e.local_end())),
            "taken": e.seats_taken,
            "capacity": e.capacity,
            "waitlist": waitlist,
            "full": e.seats_left().is_some_and(|n| n <= 0),
        });
        if e.starts_at < day_start(tomorrow) {
            today_list.push(row);
        } else {
            week_list.push(row);
        }
    }
    let mail = crate::mail::outbox_summary(app).await?;
    let oldest_minutes = mail.oldest_waiting_at.map(|t| ((now - t) / 60_000).max(0));
    let mut issues = Vec::new();
    for i in crate::newsletter::issues::list(app).await? {
        if !matches!(i.status.as_str(), "scheduled" | "sending" | "paused") {
            continue;
        }
        let c = crate::newsletter::issues::counts(app, &i.id).await?;
        issues.push(json!({
            "id": i.id,
            "subject": crate::newsletter::issues::pick(&i.subjects(), v.lang),
            "status": i.status,
            "when": i.scheduled_at.map(|t| crate::web::local_date(v.lang, t, zone)),
            "recipients": c.recipients,
            "sent": c.sent,
            "failed": c.failed,
            "queued": c.queued,
        }));
    }
    Ok(json!({
        "section": "staff-dashboard",
        "today": today_list,
        "week": week_list,
        "mail": {"waiting": mail.waiting, "failed": mail.failed, "oldest_minutes": oldest_minutes},
        "issues": issues,
    }))
}
