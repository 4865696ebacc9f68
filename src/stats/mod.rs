//! The figures the centre reports to its funders. Member breakdowns and the figures per day
//! (sign-ups, registrations, waitlisted) are read from tallies the database keeps ([`tallies`]),
//! the rest is counted over index ranges bounded by the period; nothing is loaded row by row. Erased members keep their ids, dates and
//! registrations, so the figures of past periods do not change when someone is forgotten.
//! Months are calendar months in UTC.
//!
//! Each figure counts what its name says, and nothing that merely looks like it: member figures
//! count member accounts (never staff or admins), an event is held once it has ended (not when
//! it is booked), a match is started when the pair has met (not when staff confirmed it).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use poem_openapi::param::{Header, Query};
use poem_openapi::payload::{Json, PlainText};
use poem_openapi::{ApiResponse, Object, OpenApi, ResponseContent};

use crate::app::{ApiTags, App};
use crate::auth::Auth;
use crate::db::{self, Backend};
use crate::error::{ApiResult, Error, Result};
use crate::values::LocalTime;

pub mod tallies;
use tallies::Period;

/// One group of a breakdown.
#[derive(Object, Clone, Debug, PartialEq, Eq)]
#[oai(skip_serializing_if_is_none)]
pub struct Count {
    /// What the group shares (a phase, a status, a country code, a town, a month `YYYY-MM`);
    /// `unknown` for those who did not say.
    pub key: String,
    /// How many are in the group.
    pub count: i64,
}

/// The community's members, as they are now (whatever the period), except `new_per_month`.
/// Only member accounts count: staff and admin accounts are the centre, not its members.
#[derive(Object, Debug)]
#[oai(skip_serializing_if_is_none)]
pub struct MemberFigures {
    /// Members and alumni now: member accounts that are active or alumni (not pending sign-ups,
    /// not erased).
    pub total: i64,
    /// Members and alumni now, per life-cycle phase (`unknown`: no phase given).
    pub by_phase: Vec<Count>,
    /// Member accounts now, per status: `pending` (sign-up not confirmed), `active`, `alumni`,
    /// `erased` (forgotten on request, kept as a number).
    pub by_status: Vec<Count>,
    /// Members and alumni now, per country of origin (ISO code), largest first.
    pub by_country_of_origin: Vec<Count>,
    /// Active members now (alumni have left), per municipality they live in, largest first.
    pub by_municipality: Vec<Count>,
    /// Member sign-ups confirmed by their owner, per UTC month of sign-up, for sign-ups made
    /// within the period (erased members still counted).
    pub new_per_month: Vec<Count>,
}

/// Households of members and alumni, as they are now.
#[derive(Object, Debug)]
#[oai(skip_serializing_if_is_none)]
pub struct HouseholdFigures {
    /// Households with a partner who is an active member or alumnus.
    pub with_partner: i64,
    /// Households of an active member or alumnus with at least one child (not erased).
    pub with_children: i64,
}

/// Events and the people at them. An event is held once it has ended: events to come, events
/// under way, drafts and cancelled events are not held, and nobody is a no-show at them.
#[derive(Object, Debug)]
#[oai(skip_serializing_if_is_none)]
pub struct EventFigures {
    /// Published events that ended within the period, and before now.
    pub held: i64,
    /// Household registrations made within the period, for any event (past, to come or
    /// cancelled by the centre), confirmed or waitlisted; those the household cancelled are
    /// not counted.
    pub registrations: i64,
    /// People with a confirmed seat at the events held.
    pub people_confirmed: i64,
    /// People with a confirmed seat at the events held who were checked in at the door.
    pub people_attended: i64,
    /// People with a confirmed seat at the events held who were not checked in.
    pub no_shows: i64,
    /// `people_attended / people_confirmed`, to three decimals; 0 when nobody was confirmed.
    pub attendance_rate: f64,
    /// `no_shows / people_confirmed`, to three decimals; 0 when nobody was confirmed.
    pub no_show_rate: f64,
    /// Registrations made within the period that were put on the waitlist: still waiting, or
    /// given a seat from it later (those cancelled while waiting are not counted).
    pub waitlisted: i64,
}

/// The newsletter within the period.
#[derive(Object, Debug)]
#[oai(skip_serializing_if_is_none)]
pub struct NewsletterFigures {
    /// Issues (campaigns and weekly digests) that finished sending within the period.
    pub issues_sent: i64,
    /// Newsletter messages accepted by the mail server within the period, one per recipient
    /// and issue.
    pub messages_sent: i64,
    /// Times a member or alumnus took themselves off a newsletter list within the period
    /// (one-click, their settings, declining to keep in touch). Leaving the community list
    /// because one moved away and became an alumnus is not counted.
    pub unsubscribes: i64,
}

/// Mentor matches within the period, by step. A match is confirmed by staff (the pair is
/// introduced), started when the pair has met, and then completed, or withdrawn at any time
/// before that.
#[derive(Object, Debug)]
#[oai(skip_serializing_if_is_none)]
pub struct MentoringFigures {
    /// Matches staff confirmed within the period (whatever became of them).
    pub matches_confirmed: i64,
    /// Matches whose pair first met (marked started) within the period.
    pub matches_started: i64,
    /// Matches completed within the period.
    pub matches_completed: i64,
    /// Matches withdrawn within the period, before or after they started.
    pub matches_withdrawn: i64,
}

/// The figures for funders.
#[derive(Object, Debug)]
#[oai(skip_serializing_if_is_none)]
pub struct Stats {
    /// First day of the period (local date in the centre's time zone, included).
    pub from: NaiveDate,
    /// Last day of the period (local date, included).
    pub to: NaiveDate,
    /// Members and alumni.
    pub members: MemberFigures,
    /// Households of members and alumni.
    pub households: HouseholdFigures,
    /// Events held and registrations within the period.
    pub events: EventFigures,
    /// The newsletter within the period.
    pub newsletter: NewsletterFigures,
    /// Mentor matches within the period.
    pub mentoring: MentoringFigures,
    /// Alumni now, per country they moved to (ISO code), largest first.
    pub alumni_by_country: Vec<Count>,
}

async fn counts(app: &App, sql: &'static str, binds: &[i64]) -> Result<Vec<Count>> {
    let mut q = sqlx::query_as::<_, (Option<String>, i64)>(sql);
    for b in binds {
        q = q.bind(*b);
    }
    Ok(q.fetch_all(&app.db.read)
        .await?
        .into_iter()
        .map(|(k, count)| Count {
            key: k.unwrap_or_else(|| "unknown".into()),
            count,
        })
        .collect())
}

/// How grouped figures are listed: the same on both engines.
enum Order {
    Key,
    Largest,
}

/// Counts per key of one dimension of the member tallies, over the given statuses.
fn breakdown(
    tallies: &[tallies::MemberTally],
    dimension: &str,
    statuses: &[&str],
    order: Order,
) -> Vec<Count> {
    let mut merged: BTreeMap<String, i64> = BTreeMap::new();
    for t in tallies
        .iter()
        .filter(|t| t.dimension == dimension && statuses.contains(&t.status.as_str()))
    {
        let key = t.key.clone().unwrap_or_else(|| "unknown".into());
        *merged.entry(key).or_default() += t.n;
    }
    let mut list: Vec<Count> = merged
        .into_iter()
        .filter(|(_, count)| *count != 0)
        .map(|(key, count)| Count { key, count })
        .collect();
    if let Order::Largest = order {
        list.sort_by(|x, y| y.count.cmp(&x.count).then(x.key.cmp(&y.key)));
    }
    list
}

/// Every member account per status (each is in exactly one row of each dimension).
fn per_status(tallies: &[tallies::MemberTally]) -> Vec<Count> {
    let mut merged: BTreeMap<String, i64> = BTreeMap::new();
    for t in tallies.iter().filter(|t| t.dimension == "phase") {
        *merged.entry(t.status.clone()).or_default() += t.n;
    }
    merged
        .into_iter()
        .filter(|(_, count)| *count != 0)
        .map(|(key, count)| Count { key, count })
        .collect()
}

async fn one(app: &App, sql: &'static str, binds: &[i64]) -> Result<i64> {
    let mut q = sqlx::query_as::<_, (i64,)>(sql);
    for b in binds {
        q = q.bind(*b);
    }
    Ok(q.fetch_one(&app.db.read).await?.0)
}

/// A daily tally over the period: whole days from the tally, the edges counted by `exact`
/// (a COUNT over `created_at >= $1 AND created_at < $2`).
async fn over(app: &App, period: &Period, name: &str, exact: &'static str) -> Result<i64> {
    let mut total = period.days_total(&app.db, name).await?;
    for (a, b) in period.edges() {
        total += one(app, exact, &[a, b]).await?;
    }
    Ok(total)
}

/// Verified member sign-ups per UTC month of sign-up within the period.
async fn new_per_month(app: &App, period: &Period) -> Result<Vec<Count>> {
    let month = |ms: i64| db::to_datetime(ms).format("%Y-%m").to_string();
    let mut months: BTreeMap<String, i64> = BTreeMap::new();
    for (day, n) in period.per_day(&app.db, "sign_ups").await? {
        *months.entry(month(day * tallies::DAY_MS)).or_default() += n;
    }
    for (a, b) in period.edges() {
        let exact = match app.db.backend {
            Backend::Sqlite => {
                "SELECT strftime('%Y-%m', created_at / 1000, 'unixepoch') AS m, COUNT(*) FROM accounts \
                 WHERE verified_at IS NOT NULL AND role = 'member' AND created_at >= $1 AND created_at < $2 GROUP BY m"
            }
            Backend::Postgres => {
                "SELECT to_char(to_timestamp(created_at / 1000) AT TIME ZONE 'UTC', 'YYYY-MM') AS m, COUNT(*) \
                 FROM accounts WHERE verified_at IS NOT NULL AND role = 'member' AND created_at >= $1 AND created_at < $2 \
                 GROUP BY m"
            }
        };
        for c in counts(app, exact, &[a, b]).await? {
            *months.entry(c.key).or_default() += c.count;
        }
    }
    Ok(months
        .into_iter()
        .filter(|(_, count)| *count != 0)
        .map(|(key, count)| Count { key, count })
        .collect())
}

fn rate(part: i64, whole: i64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        (part as f64 / whole as f64 * 1000.0).round() / 1000.0
    }
}

/// The figures for `[from, to]` (local dates in the centre's time zone, both included).
pub async fn figures(app: &App, from: NaiveDate, to: NaiveDate) -> Result<Stats> {
    if to < from {
        return Err(Error::field("to", "must not be before from"));
    }
    let start = |d: NaiveDate| LocalTime::day_start_ms(d, app.config.timezone);
    let (a, b) = (start(from), start(to.succ_opt().unwrap_or(to)));
    let period = Period::new(a, b);
    // Held means ended: a period that runs into the future has held nothing there yet.
    let held_by = b.min(db::now_ms());
    let members = tallies::members(&app.db).await?;
    let resident = ["active", "alumni"];
    // Seats are people: `seats_taken` is the number of people in an event's confirmed
    // registrations (kept in the same transactions), so the confirmed figure sums events.
    // Both figures start from the events of the period (an index range on the start, which lies
    // at most MAX_EVENT_MS before the end); CROSS JOIN keeps SQLite from starting elsewhere.
    let people_confirmed = one(
        app,
        "SELECT CAST(COALESCE(SUM(e.seats_taken), 0) AS BIGINT) FROM events e WHERE e.status = 'published' \
         AND e.starts_at >= $1 - 2678400000 AND e.starts_at < $2 AND e.ends_at >= $1 AND e.ends_at < $2",
        &[a, held_by],
    )
    .await?;
    let people_attended = one(
        app,
        "SELECT COUNT(*) FROM events e CROSS JOIN registration_people rp CROSS JOIN registrations r \
         WHERE rp.event_id = e.id AND rp.checked_in_at IS NOT NULL AND r.id = rp.registration_id \
         AND r.status = 'confirmed' AND e.status = 'published' \
         AND e.starts_at >= $1 - 2678400000 AND e.starts_at < $2 AND e.ends_at >= $1 AND e.ends_at < $2",
        &[a, held_by],
    )
    .await?;
    Ok(Stats {
        from,
        to,
        members: MemberFigures {
            total: members
                .iter()
                .filter(|t| t.dimension == "phase" && resident.contains(&t.status.as_str()))
                .map(|t| t.n)
                .sum(),
            by_phase: breakdown(&members, "phase", &resident, Order::Key),
            by_status: per_status(&members),
            by_country_of_origin: breakdown(&members, "country", &resident, Order::Largest),
            by_municipality: breakdown(&members, "municipality", &["active"], Order::Largest),
            new_per_month: new_per_month(app, &period).await?,
        },
        households: HouseholdFigures {
            with_partner: one(
                app,
                "SELECT COUNT(DISTINCT p.household_id) FROM people p JOIN accounts a ON a.person_id = p.id \
                 WHERE p.relation = 'partner' AND a.status IN ('active', 'alumni') AND a.role = 'member'",
                &[],
            )
            .await?,
            with_children: one(
                app,
                "SELECT COUNT(DISTINCT p.household_id) FROM people p WHERE p.relation = 'child' AND p.erased_at IS NULL \
                 AND EXISTS (SELECT 1 FROM people q JOIN accounts a ON a.person_id = q.id \
                             WHERE q.household_id = p.household_id AND a.status IN ('active', 'alumni') \
                             AND a.role = 'member')",
                &[],
            )
            .await?,
        },
        events: EventFigures {
            held: one(
                app,
                "SELECT COUNT(*) FROM events WHERE status = 'published' AND starts_at >= $1 - 2678400000 \
                 AND starts_at < $2 AND ends_at >= $1 AND ends_at < $2",
                &[a, held_by],
            )
            .await?,
            registrations: over(
                app,
                &period,
                "registrations",
                "SELECT COUNT(*) FROM registrations WHERE status <> 'cancelled' AND created_at >= $1 AND created_at < $2",
            )
            .await?,
            people_confirmed,
            people_attended,
            no_shows: people_confirmed - people_attended,
            attendance_rate: rate(people_attended, people_confirmed),
            no_show_rate: rate(people_confirmed - people_attended, people_confirmed),
            waitlisted: over(
                app,
                &period,
                "waitlisted",
                "SELECT COUNT(*) FROM registrations WHERE created_at >= $1 AND created_at < $2 \
                 AND (status = 'waitlisted' OR promoted_at IS NOT NULL)",
            )
            .await?,
        },
        newsletter: NewsletterFigures {
            issues_sent: one(app, "SELECT COUNT(*) FROM newsletters WHERE status = 'sent' AND finished_at >= $1 AND finished_at < $2", &[a, b]).await?,
            messages_sent: one(app, "SELECT COUNT(*) FROM deliveries WHERE status = 'sent' AND sent_at >= $1 AND sent_at < $2", &[a, b]).await?,
            unsubscribes: one(
                app,
                "SELECT COUNT(*) FROM consents WHERE kind LIKE 'newsletter:%' AND granted = 0 AND source <> 'departure' \
                 AND at >= $1 AND at < $2",
                &[a, b],
            )
            .await?,
        },
        mentoring: MentoringFigures {
            matches_confirmed: one(app, "SELECT COUNT(*) FROM matches WHERE created_at >= $1 AND created_at < $2", &[a, b]).await?,
            matches_started: one(app, "SELECT COUNT(*) FROM matches WHERE started_at >= $1 AND started_at < $2", &[a, b]).await?,
            matches_completed: one(
                app,
                "SELECT COUNT(*) FROM matches WHERE status = 'completed' AND ended_at >= $1 AND ended_at < $2",
                &[a, b],
            )
            .await?,
            matches_withdrawn: one(
                app,
                "SELECT COUNT(*) FROM matches WHERE status = 'withdrawn' AND ended_at >= $1 AND ended_at < $2",
                &[a, b],
            )
            .await?,
        },
        alumni_by_country: breakdown(&members, "destination", &["alumni"], Order::Largest),
    })
}

/// What one figure is: a count, a share (`0..=1`, three decimals) or a date.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Count(i64),
    Rate(f64),
    Date(NaiveDate),
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Count(n) => write!(f, "{n}"),
            Value::Rate(r) => write!(f, "{r}"),
            Value::Date(d) => write!(f, "{d}"),
        }
    }
}

/// One figure: its section (`members_by_phase`, `events`…), its key (a phase, a country code,
/// a month, or the figure's name) and its value.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub section: &'static str,
    pub key: String,
    pub value: Value,
}

/// Every figure, one row each, in the order the CSV and the back office's figures page list
/// them: both are made from this list, so they cannot differ.
pub fn rows(s: &Stats) -> Vec<Row> {
    let mut out = Vec::new();
    let mut row = |section: &'static str, key: &str, value: Value| {
        out.push(Row {
            section,
            key: key.to_owned(),
            value,
        });
    };
    row("period", "from", Value::Date(s.from));
    row("period", "to", Value::Date(s.to));
    row("members", "total", Value::Count(s.members.total));
    for (section, list) in [
        ("members_by_phase", &s.members.by_phase),
        ("members_by_status", &s.members.by_status),
        (
            "members_by_country_of_origin",
            &s.members.by_country_of_origin,
        ),
        ("members_by_municipality", &s.members.by_municipality),
        ("new_members_per_month", &s.members.new_per_month),
        ("alumni_by_country", &s.alumni_by_country),
    ] {
        for c in list {
            row(section, &c.key, Value::Count(c.count));
        }
    }
    let e = &s.events;
    for (section, key, value) in [
        ("households", "with_partner", s.households.with_partner),
        ("households", "with_children", s.households.with_children),
        ("events", "held", e.held),
        ("events", "registrations", e.registrations),
        ("events", "people_confirmed", e.people_confirmed),
        ("events", "people_attended", e.people_attended),
        ("events", "no_shows", e.no_shows),
        ("events", "waitlisted", e.waitlisted),
    ] {
        row(section, key, Value::Count(value));
    }
    row("events", "attendance_rate", Value::Rate(e.attendance_rate));
    row("events", "no_show_rate", Value::Rate(e.no_show_rate));
    for (section, key, value) in [
        ("newsletter", "issues_sent", s.newsletter.issues_sent),
        ("newsletter", "messages_sent", s.newsletter.messages_sent),
        ("newsletter", "unsubscribes", s.newsletter.unsubscribes),
        (
            "mentoring",
            "matches_confirmed",
            s.mentoring.matches_confirmed,
        ),
        ("mentoring", "matches_started", s.mentoring.matches_started),
        (
            "mentoring",
            "matches_completed",
            s.mentoring.matches_completed,
        ),
        (
            "mentoring",
            "matches_withdrawn",
            s.mentoring.matches_withdrawn,
        ),
    ] {
        row(section, key, Value::Count(value));
    }
    out
}

/// One `section,key,value` row per figure ([`rows`]), UTF-8 with a BOM.
pub fn csv(s: &Stats) -> String {
    let mut out = String::from("\u{feff}section,key,value\r\n");
    for r in rows(s) {
        out.push_str(&format!(
            "{},{},{}\r\n",
            r.section,
            r.key.replace([',', '"', '\r', '\n'], " "),
            r.value
        ));
    }
    out
}

pub struct StatsApi {
    pub app: App,
}

/// The figures as JSON, or as `section,key,value` CSV rows (UTF-8 with BOM) with `Accept: text/csv`.
// Answered once per request: boxing the large variant would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(ResponseContent)]
enum StatsContent {
    Json(Json<Stats>),
    #[oai(content_type = "text/csv; charset=utf-8")]
    Csv(PlainText<String>),
}

// One status, two media types: a second `200` key would make the spec invalid JSON for
// generators (openapi-typescript refuses it, Python tools keep only the last).
#[derive(ApiResponse)]
enum StatsResponse {
    /// The figures for the period.
    #[oai(status = 200)]
    Ok(StatsContent),
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Stats")]
impl StatsApi {
    /// Figures for funders (staff)
    ///
    /// Members by phase, status, country of origin and municipality; new members per month;
    /// households with a partner or children; events held, registrations, attendance and no-shows,
    /// waitlist demand; newsletter reach and unsubscribes; mentor matches confirmed, started,
    /// completed and withdrawn; alumni by country. Member figures count member accounts only
    /// (never staff or admins) and describe the community now; the others count what happened
    /// within the period. An event counts as held once it has ended, so a period that runs
    /// into the future holds no events there yet. Each field says what it counts.
    /// `from`/`to` are local dates (default: the last 12 months). JSON, or CSV with
    /// `Accept: text/csv` (one `section,key,value` row per figure, the JSON's names).
    #[oai(path = "/stats", method = "get")]
    async fn stats(
        &self,
        auth: Auth,
        /// First day of the period, a local date in the centre's time zone (default: a year before `to`).
        from: Query<Option<NaiveDate>>,
        /// Last day of the period, included (default: today).
        to: Query<Option<NaiveDate>>,
        /// `text/csv` for the CSV rows; anything else gives JSON.
        accept: Header<Option<String>>,
    ) -> ApiResult<StatsResponse> {
        auth.0.require_staff()?;
        let today = chrono::Utc::now()
            .with_timezone(&self.app.config.timezone)
            .date_naive();
        let to = to.0.unwrap_or(today);
        let from = from.0.unwrap_or(to - chrono::Duration::days(365));
        let s = figures(&self.app, from, to).await?;
        if accept.0.as_deref().is_some_and(|a| a.contains("text/csv")) {
            return Ok(StatsResponse::Ok(StatsContent::Csv(PlainText(csv(&s)))));
        }
        Ok(StatsResponse::Ok(StatsContent::Json(Json(s))))
    }
}

#[cfg(test)]
mod tests {
    /// The queries above spell out the longest an event may last, to bound their index range.
    #[test]
    fn queries_know_how_long_an_event_may_last() {
        assert_eq!(crate::events::MAX_EVENT_MS, 2_678_400_000);
    }
}
