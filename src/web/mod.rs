//! The community's website: server-rendered pages over the same domain functions as the API.
//!
//! Pages are minijinja templates in `templates/` (built into the binary) with their words in the
//! Fluent catalogs (`crate::i18n`); one stylesheet at `/static/site.css`; no script, nothing
//! from another origin. The language is the visitor's choice (the `lang` cookie, set by the
//! switcher on every page), else `Accept-Language`.
//!
//! Browser requests that fail get an HTML page in the visitor's language ([`error_page`]), never
//! JSON; the API keeps answering problem+json.

pub mod account;
pub mod alumni;
pub mod csrf;
pub mod household;
pub mod landing;
pub mod mentoring;
pub mod newsletter;
pub mod privacy;
pub mod profile;
pub mod registrations;
pub mod sign_up;
pub mod staff;
pub mod visitor;

pub use visitor::Visitor;

use std::fmt::Write as _;
use std::sync::LazyLock;

use anyhow::Context as _;
use include_dir::{Dir, include_dir};
use minijinja::value::Kwargs;
use minijinja::{AutoEscape, Environment, State};
use poem::http::{StatusCode, header};
use poem::web::{Data, Path, Query};
use poem::{Request, Response, handler};
use serde::Serialize;
use serde_json::json;

use crate::app::App;
use crate::events::{self, EventQuery, EventRow};
use crate::i18n::{self, CATALOGS};
use crate::values::{Audience, EventStatus, Language};

static TEMPLATES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/templates");
const STYLESHEET: &str = include_str!("../../static/site.css");
const ICON: &str = include_str!("../../static/icon.svg");
/// Crawlers may read the site; the API is of no use to them. Members' pages need no rule: without
/// a session they answer a redirect to sign in (and a `Disallow` there would mark the pages
/// "blocked from indexing" in a browser's audit).
const ROBOTS: &str = "User-agent: *\nDisallow: /api/\n";

/// What a page may load: its own stylesheet and icon, nothing else; forms post only here.
/// `connect-src 'self'` lets a browser's tools read this site's `/robots.txt` from the page
/// (Lighthouse does, through the page's policy); no script runs to use it.
pub const SITE_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self'; \
    connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// The languages offered by the switcher, each named in itself.
const LANGUAGES: &[(&str, &str)] = &[
    ("en", "English"),
    ("nl", "Nederlands"),
    ("de", "Deutsch"),
    ("fr", "Français"),
];

static SITE: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| AutoEscape::Html);
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    env.add_function("t", translate);
    // Escapes what HTML needs (& < > " '), not `/` as minijinja does by default: addresses in
    // links stay readable and short.
    env.set_formatter(|out, state, value| {
        if let (AutoEscape::Html, Some(text), false) =
            (state.auto_escape(), value.as_str(), value.is_safe())
        {
            for c in text.chars() {
                match c {
                    '&' => out.write_str("&amp;"),
                    '<' => out.write_str("&lt;"),
                    '>' => out.write_str("&gt;"),
                    '"' => out.write_str("&quot;"),
                    '\'' => out.write_str("&#39;"),
                    c => out.write_char(c),
                }
                .map_err(|e| {
                    minijinja::Error::new(minijinja::ErrorKind::WriteFailure, e.to_string())
                })?;
            }
            return Ok(());
        }
        minijinja::escape_formatter(out, state, value)
    });
    for file in template_files(&TEMPLATES) {
        let (Some(name), Some(text)) = (file.path().to_str(), file.contents_utf8()) else {
            continue;
        };
        if let Err(e) = env.add_template_owned(name.to_owned(), text.to_owned()) {
            tracing::error!(template = name, error = %e, "page template does not parse");
        }
    }
    env
});

/// Every template, in subfolders too (`staff/…`); each is named by its path.
fn template_files(dir: &'static Dir<'static>) -> Vec<&'static include_dir::File<'static>> {
    let mut files: Vec<_> = dir.files().collect();
    for sub in dir.dirs() {
        files.extend(template_files(sub));
    }
    files
}

/// A short fingerprint of the stylesheet, so it can be cached for good under `?v=`.
static CSS_VERSION: LazyLock<String> = LazyLock::new(|| {
    use sha2::{Digest as _, Sha256};
    Sha256::digest(STYLESHEET.as_bytes())
        .iter()
        .take(6)
        .map(|b| format!("{b:02x}"))
        .collect()
});

/// `t("key", count=3)` in a template: the message in the page's language.
fn translate(state: &State, key: String, args: Kwargs) -> Result<String, minijinja::Error> {
    let lang = state
        .lookup("lang")
        .and_then(|v| v.as_str().and_then(|s| s.parse::<Language>().ok()))
        .unwrap_or(Language::En);
    let mut values = Vec::new();
    for name in args.args() {
        let v: minijinja::Value = args.get(name)?;
        let fluent = match v.as_i64() {
            Some(n) => fluent_bundle::FluentValue::from(n),
            None => fluent_bundle::FluentValue::from(v.to_string()),
        };
        values.push((name, fluent));
    }
    Ok(CATALOGS.t(lang, &key, &values))
}

/// The value of the cookie `name` the browser sent.
pub fn cookie(req: &Request, name: &str) -> Option<String> {
    req.headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| {
            let (key, value) = c.trim().split_once('=')?;
            (key == name).then(|| value.to_owned())
        })
}

/// The visitor's language: their choice (cookie), else what their browser asks for.
pub fn language(req: &Request) -> Language {
    let chosen = cookie(req, "lang").and_then(|l| l.parse::<Language>().ok());
    chosen.unwrap_or_else(|| {
        i18n::from_accept_language(
            req.headers()
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok()),
        )
    })
}

/// The site's pages, added to the server's routes: each area of the site adds its own.
pub fn routes(r: poem::Route) -> poem::Route {
    let r = public_routes(r);
    let r = registrations::routes(r);
    let r = account::routes(r);
    let r = profile::routes(r);
    let r = household::routes(r);
    let r = newsletter::routes(r);
    let r = mentoring::routes(r);
    let r = alumni::routes(r);
    let r = staff::routes(r);
    privacy::routes(r)
}

fn public_routes(r: poem::Route) -> poem::Route {
    use poem::get;
    r.at("/", get(home))
        .at("/events", get(events_list))
        .at("/events/:id", get(event_page))
        .at("/language/:code", get(choose_language))
        .at("/static/site.css", get(stylesheet))
        .at("/static/icon.svg", get(icon))
        .at("/favicon.ico", get(icon))
        .at("/robots.txt", get(robots))
        .at(
            "/sign-up",
            get(sign_up::sign_up_form).post(sign_up::sign_up),
        )
        .at("/sign-up/sent", get(sign_up::sent))
        .at(
            "/sign-in",
            get(landing::sign_in_page).post(landing::sign_in),
        )
        .at("/sign-in/link", poem::post(landing::ask_for_link))
        .at("/sign-in/sent", get(landing::link_sent))
        .at("/sign-out", poem::post(landing::sign_out))
        .at("/verify", get(landing::verify_page).post(landing::verify))
        .at(
            "/invitation",
            get(landing::invitation_page).post(landing::accept_invitation),
        )
        .at(
            "/newsletter/confirm",
            get(landing::newsletter_page).post(landing::confirm_newsletter),
        )
        .at("/newsletter/confirmed", get(landing::newsletter_confirmed))
        .at(
            "/change-email",
            get(landing::change_email_page).post(landing::confirm_email),
        )
        .at("/change-email/done", get(landing::email_changed))
}

/// The day of an instant (milliseconds) in `zone`, as `lang` writes it.
pub fn local_date(lang: Language, ms: i64, zone: chrono_tz::Tz) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|d| crate::mail::templates::local_day(lang, d.with_timezone(&zone).date_naive()))
        .unwrap_or_default()
}

/// Whether `target` is a path on this site (never an open redirect to another).
pub fn local_path(target: &str) -> bool {
    target.starts_with('/') && !target.starts_with("//") && !target.contains('\\')
}

/// `path` without its `lang=` parameter (the switcher's way back keeps the rest, e.g. a token).
fn without_lang(path: &str) -> String {
    let Some((p, q)) = path.split_once('?') else {
        return path.to_owned();
    };
    let rest: Vec<&str> = q.split('&').filter(|kv| !kv.starts_with("lang=")).collect();
    if rest.is_empty() {
        p.to_owned()
    } else {
        format!("{p}?{}", rest.join("&"))
    }
}

/// Renders `template` for an anonymous visitor (error pages); [`Visitor::page`] for the rest.
fn page(
    status: StatusCode,
    lang: Language,
    path: &str,
    template: &str,
    mut context: serde_json::Value,
) -> Response {
    if let Some(map) = context.as_object_mut() {
        map.entry("me").or_insert(serde_json::Value::Null);
        map.entry("csrf").or_insert("".into());
    }
    page_with(status, lang, path, template, context)
}

/// Renders `template` with the page's common variables, as a response with the site's policy.
fn page_with(
    status: StatusCode,
    lang: Language,
    path: &str,
    template: &str,
    context: serde_json::Value,
) -> Response {
    match render(lang, path, template, context) {
        Ok(html) => html_response(status, html.into(), false),
        Err(r) => r,
    }
}

/// The HTML of `template` with the page's common variables, or the answer when it fails.
// The error is the answer to give at once; boxing it buys nothing.
#[allow(clippy::result_large_err)]
fn render(
    lang: Language,
    path: &str,
    template: &str,
    mut context: serde_json::Value,
) -> Result<String, Response> {
    if let Some(map) = context.as_object_mut() {
        map.insert("lang".into(), lang.as_str().into());
        map.insert("path".into(), without_lang(path).into());
        map.insert("languages".into(), json!(LANGUAGES));
        map.insert("css_version".into(), CSS_VERSION.as_str().into());
        map.entry("section").or_insert("".into());
    }
    SITE.get_template(template)
        .and_then(|t| t.render(minijinja::Value::from(minijinja::value::Serde(&context))))
        .with_context(|| format!("rendering page {template}"))
        .map_err(|e| {
            tracing::error!(error = format!("{e:#}"), "page could not be rendered");
            Response::builder()
                .status(StatusCode::INTERNAL_SERVER_ERROR)
                .content_type("text/plain; charset=utf-8")
                .body("Something went wrong on our side; it has been logged.")
        })
}

/// A page's answer with the site's policy; `gzip` when the body is compressed.
fn html_response(status: StatusCode, body: bytes::Bytes, gzip: bool) -> Response {
    let b = Response::builder()
        .status(status)
        .content_type("text/html; charset=utf-8")
        .header(header::CONTENT_SECURITY_POLICY, SITE_POLICY)
        .header(header::CACHE_CONTROL, "no-cache")
        .header(header::VARY, "Accept-Language, Cookie, Accept-Encoding");
    if gzip {
        b.header(header::CONTENT_ENCODING, "gzip").body(body)
    } else {
        b.body(body)
    }
}

/// Public pages as an anonymous visitor sees them (no form, nothing of theirs in them), by
/// language and address, kept while the events, seats and registrations counters stay (also
/// when another server instance changes them: the counters are in the database) and until the
/// page's `valid_until` (the first listed event's end). Ready in both encodings. Signed-in
/// visitors' pages are built each time.
pub struct PageCache(crate::cache::Keyed<PageStamp, std::sync::Arc<crate::cache::Encoded>>);

pub struct PageStamp {
    events: i64,
    seats: i64,
    households: [i64; 16],
    valid_until: i64,
}

impl Default for PageCache {
    fn default() -> Self {
        PageCache(crate::cache::Keyed::new("site_pages", 1024))
    }
}

impl PageCache {
    fn get(
        &self,
        key: &str,
        v: &crate::cache::Versions,
        now: i64,
    ) -> Option<std::sync::Arc<crate::cache::Encoded>> {
        self.0.get(key, |s| {
            (s.events, s.seats, s.households) == (v.events, v.seats, v.households)
                && now < s.valid_until
        })
    }

    fn put(
        &self,
        key: String,
        v: &crate::cache::Versions,
        valid_until: i64,
        html: String,
    ) -> std::sync::Arc<crate::cache::Encoded> {
        let page = std::sync::Arc::new(crate::cache::Encoded::new(html.into()));
        let stamp = PageStamp {
            events: v.events,
            seats: v.seats,
            households: v.households,
            valid_until,
        };
        self.0.put(key, stamp, page.clone());
        page
    }
}

/// A public page from the cache for an anonymous visitor, or built by `build` (answering the
/// HTML and until when it holds) and kept. Signed in, it is built each time.
async fn public_page<F, Fut>(v: &Visitor, req: &Request, app: &App, build: F) -> Response
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<(String, i64), Response>>,
{
    if v.me.is_some() {
        return match build().await {
            Ok((html, _)) => v.finish(html_response(StatusCode::OK, html.into(), false)),
            Err(r) => r,
        };
    }
    let versions = match app.versions.current(&app.db).await {
        Ok(x) => x,
        Err(e) => return v.failed(e),
    };
    let key = format!("{}|{}", v.lang.as_str(), v.here);
    let now = crate::db::now_ms();
    let page = match app.site_pages.get(&key, &versions, now) {
        Some(p) => p,
        None => match build().await {
            Ok((html, valid_until)) => app.site_pages.put(key, &versions, valid_until, html),
            Err(r) => return r,
        },
    };
    let (body, gzip) = page.for_request(req);
    v.finish(html_response(StatusCode::OK, body, gzip))
}

/// Field (or `form`) → message, as a form page shows them beside their fields.
pub type Errors = serde_json::Map<String, serde_json::Value>;

/// The errors of a form whose CSRF token did not match (open too long, or posted from
/// another site): the form comes back with this above it.
pub fn form_expired(lang: Language) -> Errors {
    let mut errors = Errors::new();
    errors.insert("form".into(), CATALOGS.t(lang, "form-expired", &[]).into());
    errors
}

/// The catalog's title and text for an error page of `status`.
fn error_keys(status: StatusCode) -> (&'static str, &'static str) {
    match status {
        StatusCode::NOT_FOUND => ("error-not-found-title", "error-not-found-text"),
        StatusCode::FORBIDDEN => ("error-forbidden-title", "error-forbidden-text"),
        _ => ("error-other-title", "error-other-text"),
    }
}

/// The error page for a browser, in the visitor's language.
pub fn error_page(status: StatusCode, lang: Language, path: &str) -> Response {
    let (title, text) = error_keys(status);
    page(
        status,
        lang,
        path,
        "error.html",
        json!({
            "title": CATALOGS.t(lang, title, &[]),
            "text": CATALOGS.t(lang, text, &[]),
        }),
    )
}

/// Whether a failed request came from a browser reading pages (not the API, not a feed).
pub fn wants_html(req: &Request) -> bool {
    let path = req.uri().path();
    let api = path.starts_with("/api/") || path == "/openapi.json" || path.ends_with(".ics");
    !api && req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"))
}

/// An event as the pages show it.
#[derive(Serialize)]
struct EventView {
    id: String,
    title: String,
    summary: Option<String>,
    /// The description's paragraphs (blank lines between them in the text).
    paragraphs: Vec<String>,
    when: String,
    place: Option<String>,
    online_url: Option<String>,
    audience: &'static str,
    organiser: String,
    /// Organised by a Euregional partner, not the centre.
    partner: bool,
    seats_left: Option<i64>,
    cancelled: bool,
}

impl EventView {
    fn new(e: &EventRow, lang: Language) -> Self {
        let zone = if e.tz() == chrono_tz::Europe::Brussels {
            String::new()
        } else {
            format!(" ({})", e.timezone)
        };
        EventView {
            id: e.id.clone(),
            title: e.title.clone(),
            summary: e.summary.clone(),
            paragraphs: e
                .description
                .as_deref()
                .unwrap_or_default()
                .split("\n\n")
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
                .collect(),
            when: crate::mail::templates::local_when(lang, e.local_start(), Some(e.local_end()))
                + &zone,
            place: e.location(),
            online_url: e.online_url.clone(),
            audience: e.audience().as_str(),
            partner: e.organiser != events::DEFAULT_ORGANISER,
            organiser: e.organiser.clone(),
            seats_left: e.seats_left().map(|n| n.max(0)),
            cancelled: e.status() == EventStatus::Cancelled,
        }
    }
}

/// `/`: what the community is, and the next few events.
#[handler]
pub async fn home(req: &Request, v: Visitor, app: Data<&App>) -> Response {
    public_page(&v, req, &app, || home_html(&v, &app)).await
}

// The error is the answer to give at once; boxing it buys nothing.
#[allow(clippy::result_large_err)]
async fn home_html(v: &Visitor, app: &App) -> Result<(String, i64), Response> {
    let lang = v.lang;
    let query = EventQuery {
        from: None,
        to: None,
        tag: None,
        audience: None,
        organiser: None,
        status: None,
        cursor: None,
        limit: 4,
    };
    let p = events::list(app, &query).await.map_err(|e| v.failed(e))?;
    let list: Vec<EventView> = p.rows.iter().map(|e| EventView::new(e, lang)).collect();
    let html = v.render("home.html", json!({"events": list}))?;
    Ok((html, p.valid_until))
}

/// The filters of the events page, as typed.
#[derive(serde::Deserialize, Serialize, Default)]
pub struct EventFilter {
    #[serde(default)]
    tag: String,
    #[serde(default)]
    organiser: String,
    #[serde(default)]
    audience: String,
    /// `2027-06`
    #[serde(default)]
    month: String,
    #[serde(default)]
    cursor: String,
}

/// `/events`: the events to come, filtered by topic, organiser, audience and month.
#[handler]
pub async fn events_list(
    req: &Request,
    v: Visitor,
    app: Data<&App>,
    Query(filter): Query<EventFilter>,
) -> Response {
    let lang = v.lang;
    let path = "/events";
    let audience = match filter.audience.as_str() {
        "" => None,
        a => match a.parse::<Audience>() {
            Ok(a) => Some(a),
            Err(_) => return error_page(StatusCode::UNPROCESSABLE_ENTITY, lang, path),
        },
    };
    let month = match filter.month.as_str() {
        "" => None,
        m => match chrono::NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d") {
            Ok(first) => Some(first),
            Err(_) => return error_page(StatusCode::UNPROCESSABLE_ENTITY, lang, path),
        },
    };
    let zone = app.config.timezone;
    let (from, to) = match month {
        Some(first) => {
            let next = first
                .checked_add_months(chrono::Months::new(1))
                .unwrap_or(first);
            let start = crate::values::LocalTime::day_start_ms(first, zone);
            (
                Some(start.max(crate::db::now_ms())),
                Some(crate::values::LocalTime::day_start_ms(next, zone)),
            )
        }
        None => (None, None),
    };
    let query = EventQuery {
        from,
        to,
        tag: Some(filter.tag.trim().to_lowercase()).filter(|t| !t.is_empty()),
        audience,
        organiser: Some(filter.organiser.trim().to_owned()).filter(|o| !o.is_empty()),
        status: None,
        cursor: events::parse_cursor(&filter.cursor),
        limit: 24,
    };
    public_page(&v, req, &app, || events_html(&v, &app, &filter, query)).await
}

// The error is the answer to give at once; boxing it buys nothing.
#[allow(clippy::result_large_err)]
async fn events_html(
    v: &Visitor,
    app: &App,
    filter: &EventFilter,
    query: EventQuery,
) -> Result<(String, i64), Response> {
    let lang = v.lang;
    let p = events::list(app, &query).await.map_err(|e| v.failed(e))?;
    let list: Vec<EventView> = p.rows.iter().map(|e| EventView::new(e, lang)).collect();
    let next = p.next.map(|cursor| {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("tag", &filter.tag),
            ("organiser", &filter.organiser),
            ("audience", &filter.audience),
            ("month", &filter.month),
        ] {
            if !v.is_empty() {
                q.append_pair(k, v);
            }
        }
        q.append_pair("cursor", &cursor);
        format!("/events?{}", q.finish())
    });
    let feed = app.config.link("/calendar.ics");
    let html = v.render(
        "events.html",
        json!({
            "section": "events",
            "events": list,
            "next": next,
            "filter": filter,
            "organisers": [events::DEFAULT_ORGANISER, "Aachen", "Maastricht"],
            "audiences": Audience::ALL.iter().map(|a| a.as_str()).collect::<Vec<_>>(),
            "webcal": crate::calendar::webcal(&feed),
        }),
    )?;
    Ok((html, p.valid_until))
}

#[derive(serde::Deserialize, Default)]
pub struct EventPageQuery {
    #[serde(default)]
    registered: String,
    #[serde(default)]
    problem: String,
}

/// `/events/{id}`: one event, its time in the visitor's language, seats and waitlist; for a
/// signed-in member, their household's registration or the form to register.
#[handler]
pub async fn event_page(
    req: &Request,
    v: Visitor,
    app: Data<&App>,
    Path(id): Path<String>,
    Query(q): Query<EventPageQuery>,
) -> Response {
    if uuid::Uuid::parse_str(&id).is_err() {
        return v.failed(crate::error::Error::NotFound("event"));
    }
    public_page(&v, req, &app, || event_html(&v, &app, &id, &q)).await
}

// The error is the answer to give at once; boxing it buys nothing.
#[allow(clippy::result_large_err)]
async fn event_html(
    v: &Visitor,
    app: &App,
    id: &str,
    q: &EventPageQuery,
) -> Result<(String, i64), Response> {
    let event = events::get_visible(app, id, false)
        .await
        .map_err(|e| v.failed(e))?;
    let waitlist = events::registrations::waitlist_length(app, &event.id)
        .await
        .map_err(|e| v.failed(e))?;
    let panel = match &v.me {
        Some(me) => registrations::event_panel(app, v, me, &event)
            .await
            .map_err(|e| v.failed(e))?,
        None => serde_json::Value::Null,
    };
    let problem = match q.problem.as_str() {
        p
        @ ("reg-error-people" | "reg-error-full" | "reg-error-changed" | "reg-error-audience") => p,
        _ => "",
    };
    let ics = format!("/api/v1/events/{}/calendar.ics", event.id);
    let feed = app.config.link("/calendar.ics");
    let html = v.render(
        "event.html",
        json!({
            "section": "events",
            "e": EventView::new(&event, v.lang),
            "waitlist": waitlist,
            "ics": ics,
            "webcal": crate::calendar::webcal(&feed),
            "panel": panel,
            "registered": q.registered == "1",
            "problem": problem,
        }),
    )?;
    // Seats, the waitlist and the event itself are in the counters the page is kept under.
    Ok((html, i64::MAX))
}

#[derive(serde::Deserialize)]
pub struct Next {
    next: Option<String>,
}

/// `/language/{code}?next=/path`: remembers the visitor's choice for a year and goes back.
#[handler]
pub fn choose_language(
    req: &Request,
    app: Data<&App>,
    Path(code): Path<String>,
    Query(next): Query<Next>,
) -> Response {
    let Ok(lang) = code.parse::<Language>() else {
        return error_page(StatusCode::NOT_FOUND, language(req), "/");
    };
    // Only a path on this site: never an open redirect.
    let target = next
        .next
        .filter(|n| local_path(n))
        .unwrap_or_else(|| "/".to_owned());
    let secure = if app.config.base_url.scheme() == "https" {
        "; Secure"
    } else {
        ""
    };
    Response::builder()
        .status(StatusCode::SEE_OTHER)
        .header(header::LOCATION, target)
        .header(
            header::SET_COOKIE,
            format!(
                "lang={}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly{secure}",
                lang.as_str()
            ),
        )
        .finish()
}

/// `/static/icon.svg` (and `/favicon.ico`, where browsers look by themselves): the site's icon.
#[handler]
pub fn icon() -> Response {
    Response::builder()
        .content_type("image/svg+xml")
        .header(header::CACHE_CONTROL, "public, max-age=86400")
        .body(ICON)
}

/// `/robots.txt`
#[handler]
pub fn robots() -> Response {
    Response::builder()
        .content_type("text/plain; charset=utf-8")
        .header(header::CACHE_CONTROL, "public, max-age=86400")
        .body(ROBOTS)
}

/// `/static/site.css`: the one stylesheet, cached for a year (its address carries its version).
#[handler]
pub fn stylesheet() -> Response {
    Response::builder()
        .content_type("text/css; charset=utf-8")
        .header(header::CACHE_CONTROL, "public, max-age=31536000, immutable")
        .body(STYLESHEET)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_page_template_parses() {
        let files = template_files(&TEMPLATES);
        assert!(files.len() > 20, "{}", files.len());
        for file in files {
            let name = file.path().to_str().unwrap();
            assert!(SITE.get_template(name).is_ok(), "{name}");
        }
    }

    #[test]
    fn values_are_escaped_for_html_but_addresses_stay_readable() {
        let env = &*SITE;
        let out = env
            .render_str(
                "<a href=\"{{ u }}\">{{ x }}</a>",
                minijinja::context! { u => "/events/1?a=b&c=d", x => "<script>\"'" },
            )
            .unwrap();
        assert_eq!(
            out,
            "<a href=\"/events/1?a=b&amp;c=d\">&lt;script&gt;&quot;&#39;</a>"
        );
    }

    #[test]
    fn the_error_page_speaks_the_visitor_language() {
        let r = error_page(StatusCode::NOT_FOUND, Language::Nl, "/nergens");
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
    }
}
