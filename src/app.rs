//! Builds the application from settings: the database, the routes, the mail worker and the
//! scheduler; runs them until SIGTERM or Ctrl-C and shuts down gracefully.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use poem::http::StatusCode;
use poem::listener::{Acceptor, Listener, TcpListener};
use poem::{Endpoint, EndpointExt, IntoResponse, Request, Response, Route, get, handler};
use poem_openapi::{OpenApiService, Tags};
use tokio::sync::watch;
use tracing::Instrument as _;

use crate::alumni::AlumniApi;
use crate::auth::api::{AdminTokensApi, AuthApi, SessionsApi};
use crate::config::Config;
use crate::db::Db;
use crate::error::{problem_from_poem, problem_response};
use crate::events::api::EventsApi;
use crate::households::api::HouseholdsApi;
use crate::mail::Templates;
use crate::mail::worker::Worker;
use crate::members::api::MembersApi;
use crate::mentoring::api::MentoringApi;
use crate::newsletter::api::NewsletterApi;
use crate::stats::StatsApi;

/// Request bodies above this are answered 413.
pub const MAX_BODY: usize = crate::edge::MAX_BODY;

/// Everything a request handler or job needs; cheap to clone.
#[derive(Clone)]
pub struct App {
    pub config: Arc<Config>,
    pub db: Db,
    pub templates: Arc<Templates>,
    /// Built public calendar feeds (see `calendar::FeedCache`).
    pub feeds: Arc<crate::calendar::FeedCache>,
    /// Event list pages (see `events::ListCache`).
    pub event_pages: Arc<crate::events::ListCache>,
    /// The website's public pages as anonymous visitors see them (see `web::PageCache`).
    pub site_pages: Arc<crate::web::PageCache>,
    /// The change counters both caches are keyed on, read once for many requests.
    pub versions: crate::cache::VersionReader,
    /// Set on SIGTERM: `/ready` answers 503 while the server drains (see [`DRAIN`]).
    pub draining: Arc<std::sync::atomic::AtomicBool>,
    /// The server's open connections (per-client cap, header timeout: `edge::conn`).
    pub connections: Arc<crate::edge::conn::Connections>,
}

impl App {
    /// Connects and migrates; nothing is served yet.
    pub async fn new(config: Config) -> anyhow::Result<Self> {
        let templates = Templates::load(config.email_templates_dir.as_deref())?;
        let db = Db::connect(&config.database_url).await?;
        db.migrate().await?;
        crate::members::search::backfill(&db).await?;
        Ok(App {
            config: Arc::new(config),
            db,
            templates: Arc::new(templates),
            feeds: Arc::default(),
            event_pages: Arc::default(),
            site_pages: Arc::default(),
            versions: Default::default(),
            draining: Arc::default(),
            connections: Arc::default(),
        })
    }
}

#[derive(Tags)]
pub enum ApiTags {
    /// Sign-up, profiles, privacy rights, the member register
    Members,
    /// A member's household: partner and dependents
    Households,
    /// Sign-in by magic link
    SignIn,
    /// Events, household registration, waitlist, check-in, calendars
    Events,
    /// Newsletter subscriptions and issues
    Newsletter,
    /// Mentor programmes for partners
    Mentoring,
    /// Departure, alumni and the alumni directory
    Alumni,
    /// Figures for funders
    Stats,
    /// Administration: staff API tokens
    Admin,
}

/// Every API of the service, one per domain module.
pub type Apis = (
    MembersApi,
    HouseholdsApi,
    AuthApi,
    SessionsApi,
    EventsApi,
    NewsletterApi,
    MentoringApi,
    AlumniApi,
    StatsApi,
    AdminTokensApi,
);

pub fn api_service(app: &App) -> OpenApiService<Apis, ()> {
    OpenApiService::new(
        (
            MembersApi { app: app.clone() },
            HouseholdsApi { app: app.clone() },
            AuthApi { app: app.clone() },
            SessionsApi { app: app.clone() },
            EventsApi { app: app.clone() },
            NewsletterApi { app: app.clone() },
            MentoringApi { app: app.clone() },
            AlumniApi { app: app.clone() },
            StatsApi { app: app.clone() },
            AdminTokensApi { app: app.clone() },
        ),
        "Limburgers Worldwide",
        env!("CARGO_PKG_VERSION"),
    )
    .description(description())
    .server(app.config.base_url.as_str().trim_end_matches('/'))
}

/// The spec's introduction: what the API is, and the kinds of problem it answers with.
fn description() -> String {
    let mut d = String::from(
        "The community of Expat Centre Limburg: members and households, events, newsletter, \
         mentor programmes.\n\nEvery error is `application/problem+json` (RFC 9457): \
         `{type, title, status, detail, errors}`, where `errors` names each refused field \
         (`field`, dotted for nested ones, and a `message`). Its `type` says the kind of problem:\n\n\
         | status | type | meaning |\n|---|---|---|\n",
    );
    for (status, kind, meaning) in crate::error::Problem::KINDS {
        d.push_str(&format!("| {status} | `{kind}` | {meaning} |\n"));
    }
    d
}

/// The whole HTTP application.
pub fn routes(app: &App) -> impl Endpoint + 'static {
    let api = api_service(app);
    let generated = api.spec();
    let contract = Arc::new(crate::contract::Contract::new(&crate::contract::document(
        &generated,
    )));
    let table = Arc::new(crate::edge::PathTable::new(
        &contract.json,
        &["/calendar/{file}", "/events/{id}", "/language/{code}"],
    ));
    let input_table = table.clone();
    let input_contract = contract.clone();
    let body_timeout = app.config.http_body_timeout;
    let trusted = Arc::new(app.config.trusted_proxies.clone());
    let connections = app.connections.clone();
    let served = contract.json.clone();
    let spec = poem::endpoint::make_sync(move |_| {
        poem::Response::builder()
            .content_type("application/json; charset=utf-8")
            .body(served.clone())
    });
    // Swagger UI as poem-openapi writes it (everything inline, nothing from a CDN), served with
    // a policy that allows exactly its inline code by hash; "Try it out" calls this server.
    let origin = app.config.base_url.origin().ascii_serialization();
    let docs = crate::edge::headers::Page::new(
        // poem-openapi embeds its own document; show the one we serve.
        api.swagger_ui_html()
            .replacen(&generated, &contract.json, 1),
        &[
            "img-src 'self' data:",
            &format!("connect-src 'self' {origin}"),
        ],
    );
    crate::web::routes(Route::new())
        // The API keeps its full paths (`prefix_path = "/api/v1"`), so `/` stays the home page.
        .nest_no_strip("/api/v1", api)
        .at("/openapi.json", spec)
        .nest(
            "/docs",
            Route::new().at(
                "/",
                get(poem::endpoint::make_sync(move |_| docs.response())),
            ),
        )
        .at("/health", get(health))
        .at("/ready", get(ready))
        .at("/calendar.ics", get(crate::calendar::public_calendar))
        .at("/calendar/:file", get(crate::calendar::personal_calendar))
        .around(note_route)
        .data(app.clone())
        .around(move |next, req| {
            let (table, contract) = (input_table.clone(), input_contract.clone());
            async move {
                crate::edge::read_request(next, req, &table, &contract, body_timeout).await
            }
        })
        .catch_all_error(|e| async move { problem_from_poem(e) })
        .around(move |next, req| {
            let (table, trusted) = (table.clone(), trusted.clone());
            async move { request_span(next, req, table, trusted).await }
        })
        .around(crate::edge::headers::secure)
        .around(move |next, req| {
            // Outermost: the connection has a request in flight until its answer is made.
            let busy = connections.busy(req.remote_addr());
            async move {
                let resp = next.call(req).await;
                drop(busy);
                resp
            }
        })
}

/// Liveness: the process answers.
#[handler]
fn health() -> &'static str {
    "ok"
}

/// Readiness: the database answers.
#[handler]
async fn ready(app: poem::web::Data<&App>) -> Response {
    if app.draining.load(std::sync::atomic::Ordering::SeqCst) {
        problem_response(StatusCode::SERVICE_UNAVAILABLE, "the server is stopping")
    } else if app.db.ping().await {
        "ready".into_response()
    } else {
        problem_response(
            StatusCode::SERVICE_UNAVAILABLE,
            "the database does not answer",
        )
    }
}

/// The template of the route that answered a request (`/api/v1/events/:param0`), as poem's router
/// leaves it on the answer (or the error), kept here before the layers outside turn errors into
/// new answers. For metrics and the request's log line: never an id or a token.
#[derive(Clone, Default)]
struct RouteSlot(Arc<std::sync::OnceLock<Arc<str>>>);

async fn note_route<E: Endpoint>(next: E, req: Request) -> poem::Result<Response> {
    let slot = req.data::<RouteSlot>().cloned();
    let result = next.call(req).await.map(IntoResponse::into_response);
    let pattern = match &result {
        Ok(resp) => resp.data::<poem::PathPattern>(),
        // No route: a nest (`/api/v1`) that matched the start of the path leaves its own
        // pattern on the error.
        Err(e) if e.is::<poem::error::NotFoundError>() => None,
        Err(e) => e.data::<poem::PathPattern>(),
    };
    if let (Some(slot), Some(pattern)) = (slot, pattern) {
        let _ = slot.0.set(pattern.0.clone());
    }
    result
}

/// A span per request with its id (from `X-Request-Id` or new), echoed in the response, and the
/// signed-in account once known (`auth::caller_from_secret` records it); one log line and the
/// HTTP metrics when it is answered. A 405 gets the `Allow` header the path's methods make.
async fn request_span<E: Endpoint>(
    next: E,
    mut req: Request,
    table: Arc<crate::edge::PathTable>,
    trusted: Arc<crate::edge::client::TrustedProxies>,
) -> poem::Result<Response> {
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| v.len() <= 64 && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        .map(str::to_owned)
        .unwrap_or_else(crate::db::new_id);
    let path = req.uri().path().to_owned();
    let method = req.method().clone();
    // A browser reading pages gets failures as a page in its language, never problem+json.
    let page_lang = crate::web::wants_html(&req).then(|| crate::web::language(&req));
    // Never the raw address: it may hold a calendar's secret, an unsubscribe key or a token;
    // of the query only its keys (`?token=[redacted]`).
    let shown = crate::edge::loggable(req.uri());
    // The client's address (behind a trusted proxy, the one it forwards): what an operator
    // needs to trace abuse; purged with the logs, never stored in the database.
    let client = crate::edge::client::ClientAddr::of(&req, &trusted).key();
    let span = tracing::info_span!(
        "request",
        id = %id,
        method = %method,
        path = %shown,
        client = %client,
        account = tracing::field::Empty,
    );
    let route = RouteSlot::default();
    req.set_data(route.clone());
    async move {
        let started = std::time::Instant::now();
        let result = next.call(req).await;
        let mut resp = match result {
            Ok(r) => r.into_response(),
            Err(e) => problem_from_poem(e),
        };
        if let Some(lang) = page_lang
            && resp.content_type() == Some(crate::error::PROBLEM_JSON)
        {
            resp = crate::web::error_page(resp.status(), lang, &path);
        }
        if let Ok(v) = id.parse() {
            resp.headers_mut().insert("x-request-id", v);
        }
        if resp.status() == StatusCode::METHOD_NOT_ALLOWED
            && let Some(methods) = table.allowed(&path)
            && let Ok(v) = methods.parse()
        {
            resp.headers_mut().insert(poem::http::header::ALLOW, v);
        }
        let took = started.elapsed();
        let route = route.0.get().map(|pattern| table.route_label(pattern));
        crate::metrics::http_request(route.as_ref(), &method, resp.status(), took);
        tracing::info!(
            route = route.as_deref().unwrap_or(crate::metrics::UNMATCHED),
            status = resp.status().as_u16(),
            ms = took.as_millis() as u64,
            "request"
        );
        Ok(resp)
    }
    .instrument(span)
    .await
}

/// Runs the server, the mail worker and the scheduler until a shutdown signal.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    // One line with every setting in force (Config's Debug hides passwords), then "serving".
    tracing::info!(settings = ?config, "starting");
    let app = App::new(config).await?;
    let listener = TcpListener::bind(app.config.listen)
        .into_acceptor()
        .await
        .with_context(|| format!("listening on {}", app.config.listen))?;
    let address: Vec<String> = listener
        .local_addr()
        .iter()
        .filter_map(|a| a.as_socket_addr().map(ToString::to_string))
        .collect();
    tracing::info!(address = %address.join(", "), docs = %app.config.link("/docs"), "serving");
    let draining = app.draining.clone();
    let stop = async move {
        shutdown_signal().await;
        draining.store(true, std::sync::atomic::Ordering::SeqCst);
        tracing::info!("stopping: draining before the listener closes");
        tokio::time::sleep(DRAIN).await;
    };
    run(app, listener, stop).await
}

/// How long the server keeps serving after SIGTERM before it closes the listener and its idle
/// connections: requests a client already wrote on a keep-alive connection, but the server had
/// not read yet, would otherwise be cut off; and a load balancer sees `/ready` fail meanwhile.
const DRAIN: Duration = Duration::from_millis(500);

/// Serves on `acceptor` until `stop` resolves; in-flight requests and the mail in hand finish.
/// Connections are capped per client and time out as `edge::conn` says.
pub async fn run(
    app: App,
    acceptor: impl Acceptor + 'static,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let (stop_tx, stop_rx) = watch::channel(false);
    // Bound first, so that a port already taken stops the start before anything runs.
    let metrics = match app.config.metrics_listen {
        Some(address) => {
            crate::metrics::install()?;
            let acceptor = TcpListener::bind(address)
                .into_acceptor()
                .await
                .with_context(|| format!("listening on {address} (METRICS_LISTEN)"))?;
            tracing::info!(%address, "serving /metrics");
            Some(tokio::spawn(crate::metrics::serve(
                app.clone(),
                acceptor,
                stop_rx.clone(),
            )))
        }
        None => None,
    };
    let worker = Worker::new(app.db.clone(), &app.config)?;
    let worker = tokio::spawn(worker.run(stop_rx.clone()));
    let sender = crate::newsletter::sender::Sender::new(app.clone())?;
    let sender = tokio::spawn(sender.run(stop_rx.clone()));
    let requests = tokio::spawn(crate::members::requests::run(app.clone(), stop_rx.clone()));
    let scheduler = crate::jobs::start(app.clone()).await?;
    let acceptor = crate::edge::conn::Guarded::new(
        acceptor,
        app.connections.clone(),
        crate::edge::conn::Limits {
            header_timeout: app.config.http_header_timeout,
            max_per_client: app.config.max_connections_per_client,
        },
    )
    .uncapped_for(app.config.trusted_proxies.clone());
    let result = poem::Server::new_with_acceptor(acceptor)
        .run_with_graceful_shutdown(routes(&app), stop, Some(Duration::from_secs(30)))
        .await;
    let _ = stop_tx.send(true);
    crate::jobs::stop(scheduler).await;
    if let Some(metrics) = metrics {
        match metrics.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::error!(error = format!("{e:#}"), "metrics listener"),
            Err(e) => tracing::error!(error = %e, "metrics listener ended abnormally"),
        }
    }
    if let Err(e) = worker.await {
        tracing::error!(error = %e, "mail worker ended abnormally");
    }
    if let Err(e) = sender.await {
        tracing::error!(error = %e, "newsletter sender ended abnormally");
    }
    if let Err(e) = requests.await {
        tracing::error!(error = %e, "mail request worker ended abnormally");
    }
    app.db.close().await;
    tracing::info!("stopped");
    result.context("HTTP server")
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
    tracing::info!("shutting down");
}
