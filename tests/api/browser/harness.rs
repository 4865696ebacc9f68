//! The browser under test: Debian's headless Chromium driven through Debian's chromedriver
//! (WebDriver, with `fantoccini`), against the app on a real socket (`TestApp::serve`).
//!
//! Every test gets a chromedriver and a Chromium of its own ([`browse`]): chromedriver starts in
//! ~20 ms, next to ~1 s for Chromium, and a browser per test keeps tests apart (a profile with
//! JavaScript off, a window size) and lets each clean up after itself. Invariant: no browser
//! outlives its test. The session is closed (Chromium quits) and then chromedriver's process
//! group, which holds every Chromium process it started, is killed, also when the test fails.
//!
//! A failing test leaves a screenshot and the page's HTML in a temp dir that is kept, and
//! prints where. A missing browser fails the test with what to install; it is never skipped.

use std::io::{BufRead as _, BufReader};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use futures::FutureExt as _;
use serde_json::{Value, json};

const INSTALL: &str = "the browser tests need Chromium and chromedriver: \
                       `apt-get install -y chromium chromium-driver` (Debian)";

/// How long a wait for the page may take before the test fails.
const PATIENCE: Duration = Duration::from_secs(10);

/// A size of the page's viewport, in CSS pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewport {
    pub width: u32,
    pub height: u32,
}

/// A common phone (iPhone 12 to 15).
pub const PHONE: Viewport = Viewport {
    width: 390,
    height: 844,
};

/// A laptop screen.
pub const DESKTOP: Viewport = Viewport {
    width: 1280,
    height: 800,
};

/// Whether the browser runs the page's scripts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scripts {
    On,
    /// As for people who turn JavaScript off, or whose browser did not load it.
    Off,
}

/// Runs `test` in a fresh browser on `site` (an origin from `TestApp::serve`), starting at the
/// [`DESKTOP`] size. When `test` panics, a screenshot and the page's HTML are kept and their
/// paths printed before the panic goes on; the browser is closed either way.
pub async fn browse(site: &str, scripts: Scripts, test: impl AsyncFnOnce(&Page)) {
    let driver = Driver::start().await;
    let client = driver.session(scripts).await;
    let page = Page {
        client,
        site: site.trim_end_matches('/').to_owned(),
    };
    page.set_viewport(DESKTOP).await;
    let outcome = std::panic::AssertUnwindSafe(test(&page))
        .catch_unwind()
        .await;
    if outcome.is_err() {
        page.keep_evidence().await;
    }
    // Chromium quits with its session; the driver's process group goes when `driver` drops.
    let _ = page.client.close().await;
    drop(driver);
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

/// A page in the browser, with what a person does on it and what the tests check.
pub struct Page {
    client: Client,
    site: String,
}

impl Page {
    /// Opens `path` (with its query) on the site and waits until it has loaded.
    pub async fn open(&self, path: &str) {
        let url = format!("{}{path}", self.site);
        self.client
            .goto(&url)
            .await
            .unwrap_or_else(|e| panic!("could not open {url}: {e}"));
    }

    async fn find(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element `{css}` on the page: {e}"))
    }

    /// Types `text` into the field `css`, as a person would.
    pub async fn fill(&self, css: &str, text: &str) {
        self.find(css)
            .await
            .send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("could not type into `{css}`: {e}"));
    }

    /// Clicks the element `css` (a button, a checkbox, a link).
    pub async fn click(&self, css: &str) {
        self.find(css)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("could not click `{css}`: {e}"));
    }

    /// The text of the element `css` as it is shown (hidden parts left out).
    pub async fn text(&self, css: &str) -> String {
        self.find(css)
            .await
            .text()
            .await
            .unwrap_or_else(|e| panic!("could not read `{css}`: {e}"))
    }

    /// Signs this browser in with a session token (from `TestApp::member`), as the sign-in
    /// link would: the `session` cookie the site sets. For tests about what comes after.
    pub async fn sign_in_with(&self, session: &str) {
        self.open("/privacy-policy").await;
        // Through the page, not WebDriver's cookie command (which Chromium refuses for an IP
        // host); the token is URL-safe.
        self.script(
            "document.cookie = 'session=' + arguments[0] + '; path=/; SameSite=Lax';",
            vec![Value::String(session.to_owned())],
        )
        .await;
    }

    /// The path (and query) of the page the browser shows.
    pub async fn path(&self) -> String {
        let url = self
            .client
            .current_url()
            .await
            .unwrap_or_else(|e| panic!("no current address: {e}"));
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        }
    }

    /// Chooses the option with `value` in the list `css`.
    pub async fn select(&self, css: &str, value: &str) {
        self.find(css)
            .await
            .select_by_value(value)
            .await
            .unwrap_or_else(|e| panic!("could not choose `{value}` in `{css}`: {e}"));
    }

    /// Empties the field `css` (before typing something else into it).
    pub async fn clear(&self, css: &str) {
        self.find(css)
            .await
            .clear()
            .await
            .unwrap_or_else(|e| panic!("could not empty `{css}`: {e}"));
    }

    /// Clicks `css` (a submit button) and waits until the next page has loaded and shows
    /// `then` (a CSS selector on that page).
    pub async fn submit(&self, css: &str, then: &str) {
        self.script_mark().await;
        self.click(css).await;
        self.wait_for_next_page(then).await;
    }

    /// Marks the page the browser shows now, for [`Page::wait_for_next_page`].
    pub async fn script_mark(&self) {
        self.script("window.__old_page = true;", vec![]).await;
    }

    /// Waits until the browser shows another page than the one marked, with `then` on it.
    pub async fn wait_for_next_page(&self, then: &str) {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let old = self
                .client
                .execute("return window.__old_page === true;", vec![])
                .await
                .map(|v| v == Value::Bool(true))
                .unwrap_or(false);
            if !old {
                break;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no new page after {PATIENCE:?}"
            );
            tokio::time::sleep(Duration::from_millis(30)).await;
        }
        self.wait_for(then).await;
    }

    /// Presses Tab until the element `css` has the focus (as a keyboard user moves through a
    /// page); fails when it never gets it.
    pub async fn tab_to(&self, css: &str) {
        for _ in 0..80 {
            if self
                .script("return !!document.activeElement && document.activeElement.matches(arguments[0]);",
                    vec![Value::String(css.to_owned())])
                .await
                == Value::Bool(true)
            {
                return;
            }
            self.press(fantoccini::key::Key::Tab).await;
        }
        panic!("`{css}` never got the focus with the Tab key");
    }

    /// Presses `key` on the element that has the focus.
    pub async fn press(&self, key: fantoccini::key::Key) {
        let focused = self
            .client
            .active_element()
            .await
            .unwrap_or_else(|e| panic!("nothing has the focus: {e}"));
        focused
            .send_keys(&key)
            .await
            .unwrap_or_else(|e| panic!("could not press a key: {e}"));
    }

    /// The current value of the field `css`.
    pub async fn value(&self, css: &str) -> String {
        self.find(css)
            .await
            .prop("value")
            .await
            .unwrap_or_else(|e| panic!("could not read the value of `{css}`: {e}"))
            .unwrap_or_default()
    }

    /// Whether the page has an element `css`.
    pub async fn has(&self, css: &str) -> bool {
        self.client.find(Locator::Css(css)).await.is_ok()
    }

    /// Whether the element `css` is shown.
    pub async fn is_shown(&self, css: &str) -> bool {
        self.find(css)
            .await
            .is_displayed()
            .await
            .unwrap_or_else(|e| panic!("could not tell whether `{css}` is shown: {e}"))
    }

    /// Waits until an element `css` is on the page (after a click that loads another page).
    pub async fn wait_for(&self, css: &str) {
        self.client
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no `{css}` on the page after {PATIENCE:?}: {e}"));
    }

    /// Runs `script` in the page (a function body; `arguments` are `args`) and answers its
    /// return value.
    async fn script(&self, script: &str, args: Vec<Value>) -> Value {
        self.client
            .execute(script, args)
            .await
            .unwrap_or_else(|e| panic!("the script failed: {e}"))
    }

    /// Resizes the window so that the page's viewport is `size` (the window's frame, if any, is
    /// added), and checks that it is.
    pub async fn set_viewport(&self, size: Viewport) {
        let (mut width, mut height) = (size.width, size.height);
        // A loaded machine may apply a resize late: measure again a few times before failing.
        for attempt in 0..20 {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            self.client
                .set_window_size(width, height)
                .await
                .unwrap_or_else(|e| panic!("could not resize the window: {e}"));
            // On a busy machine the page may still report its old size for a moment; a stale
            // reading would make the correction below overshoot.
            let mut inner = (0, 0);
            for _ in 0..20 {
                let read = self
                    .script("return [window.innerWidth, window.innerHeight];", vec![])
                    .await;
                let now = (number(&read[0]), number(&read[1]));
                if now == (size.width, size.height) {
                    return;
                }
                if now == inner {
                    break;
                }
                inner = now;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            // The window's frame is what the window has beyond the viewport.
            let (w, h) = inner;
            if w > 0 && h > 0 {
                width = (width + size.width).saturating_sub(w);
                height = (height + size.height).saturating_sub(h);
            }
        }
        panic!("the browser would not give the page a viewport of {size:?}");
    }

    /// Fails unless the page fits the window's width: nobody on a phone should scroll
    /// sideways to read a line.
    pub async fn assert_no_sideways_scroll(&self) {
        let sizes = self
            .script(
                "return [document.documentElement.scrollWidth, window.innerWidth];",
                vec![],
            )
            .await;
        let (content, window) = (number(&sizes[0]), number(&sizes[1]));
        assert!(
            content <= window,
            "{}: the page is {content}px wide in a {window}px window, so it scrolls sideways",
            self.here().await
        );
    }

    /// Runs axe-core (`tests/browser/`) on the page and fails on any violation, naming each
    /// with its help text, a link and the elements concerned.
    pub async fn assert_accessible(&self) {
        // Once per page load: the script is 650 kB.
        if self.script("return typeof axe;", vec![]).await != "object" {
            self.script(axe_source(), vec![]).await;
        }
        let results = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];\
                 axe.run(document, {resultTypes: ['violations']})\
                   .then(r => done(r.violations.map(v => ({\
                     id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,\
                     targets: v.nodes.map(n => n.target.join(' '))}))))\
                   .catch(e => done({error: String(e)}));",
                vec![],
            )
            .await
            .unwrap_or_else(|e| panic!("axe-core did not run: {e}"));
        if let Some(error) = results.get("error") {
            panic!("axe-core failed: {error}");
        }
        let violations = results.as_array().cloned().unwrap_or_default();
        if violations.is_empty() {
            return;
        }
        let listed: Vec<String> = violations
            .iter()
            .map(|v| {
                format!(
                    "- {} ({}): {} <{}>\n    on: {}",
                    text(&v["id"]),
                    text(&v["impact"]),
                    text(&v["help"]),
                    text(&v["helpUrl"]),
                    v["targets"]
                        .as_array()
                        .map(|t| t.iter().map(text).collect::<Vec<_>>().join(", "))
                        .unwrap_or_default()
                )
            })
            .collect();
        panic!(
            "{}: {} accessibility violation(s) (axe-core):\n{}",
            self.here().await,
            violations.len(),
            listed.join("\n")
        );
    }

    /// The page's address and viewport, for messages.
    async fn here(&self) -> String {
        let url = self
            .client
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_default();
        let size = self
            .script(
                "return window.innerWidth + '×' + window.innerHeight;",
                vec![],
            )
            .await;
        format!("{url} at {}", text(&size))
    }

    /// Keeps a screenshot and the HTML of the page as it is now in a temp dir that outlives the
    /// test, and prints where.
    async fn keep_evidence(&self) {
        let dir = match tempfile::Builder::new().prefix("lw-browser-").tempdir() {
            Ok(dir) => dir.keep(),
            Err(e) => return eprintln!("no screenshot: no temp dir ({e})"),
        };
        match self.client.screenshot().await {
            Ok(png) => {
                let path = dir.join("failure.png");
                match std::fs::write(&path, png) {
                    Ok(()) => eprintln!("screenshot of the failing page: {}", path.display()),
                    Err(e) => eprintln!("no screenshot: {e}"),
                }
            }
            Err(e) => eprintln!("no screenshot: {e}"),
        }
        if let Ok(html) = self.client.source().await {
            let path = dir.join("failure.html");
            if std::fs::write(&path, html).is_ok() {
                eprintln!("its HTML: {}", path.display());
            }
        }
    }
}

fn number(v: &Value) -> u32 {
    v.as_f64()
        .map(|n| n.round() as u32)
        .unwrap_or_else(|| panic!("not a number: {v}"))
}

fn text(v: &Value) -> String {
    v.as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| v.to_string())
}

/// A chromedriver of the test's own, in a process group of its own that also holds the
/// Chromium it starts; the group is killed on drop.
struct Driver {
    child: Child,
    url: String,
    _log: tempfile::TempDir,
}

impl Driver {
    async fn start() -> Driver {
        // Seen once on a loaded machine: chromedriver exited at start. It starts again.
        let mut last = String::new();
        for _ in 0..3 {
            match Driver::try_start().await {
                Ok(d) => return d,
                Err(why) => last = why,
            }
        }
        panic!("chromedriver did not start: {last}: {INSTALL}");
    }

    async fn try_start() -> Result<Driver, String> {
        let log = tempfile::Builder::new()
            .prefix("lw-chromedriver-")
            .tempdir()
            .unwrap();
        let out = log.path().join("stdout");
        let err = log.path().join("stderr");
        // Port 0: chromedriver picks a free port and says which; no race with other tests.
        let mut child = Command::new("chromedriver")
            .arg("--port=0")
            .stdout(std::fs::File::create(&out).unwrap())
            .stderr(std::fs::File::create(&err).unwrap())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("chromedriver could not start ({e}): {INSTALL}"));
        let deadline = tokio::time::Instant::now() + PATIENCE;
        let port = loop {
            if let Some(port) = announced_port(&out) {
                break port;
            }
            if let Ok(Some(status)) = child.try_wait() {
                let said = std::fs::read_to_string(&err).unwrap_or_default();
                return Err(format!("chromedriver stopped ({status}): {said}"));
            }
            if tokio::time::Instant::now() >= deadline {
                let _ = child.kill();
                return Err("chromedriver did not say its port".into());
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        };
        Ok(Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
            _log: log,
        })
    }

    /// A new browser: headless Chromium, no sandbox (tests run as root in containers).
    async fn session(&self, scripts: Scripts) -> Client {
        let mut prefs = serde_json::Map::new();
        if scripts == Scripts::Off {
            prefs.insert(
                "profile.managed_default_content_settings.javascript".into(),
                json!(2),
            );
        }
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "args": ["--headless", "--no-sandbox", "--disable-gpu",
                         "--disable-dev-shm-usage", "--force-device-scale-factor=1",
                         "--lang=en"],
                "prefs": prefs,
            },
        });
        let capabilities = match capabilities {
            Value::Object(map) => map,
            _ => unreachable!("built as an object above"),
        };
        ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&self.url)
            .await
            .unwrap_or_else(|e| panic!("Chromium did not start ({e}): {INSTALL}"))
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // The group's id is chromedriver's pid (`process_group(0)`).
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The port in chromedriver's "… started successfully on port 43567." line, once written.
fn announced_port(stdout: &Path) -> Option<u16> {
    let file = std::fs::File::open(stdout).ok()?;
    BufReader::new(file)
        .lines()
        .map_while(Result::ok)
        .find_map(|line| {
            line.split_once("started successfully on port ")
                .and_then(|(_, rest)| rest.trim_end_matches('.').trim().parse().ok())
        })
}

/// axe-core's `axe.min.js`, installed from `tests/browser/package-lock.json` with `npm ci` when
/// missing. Once per test process; a lock on `package.json` keeps two test processes on the
/// same checkout from installing at once.
fn axe_source() -> &'static str {
    static SOURCE: OnceLock<Result<String, String>> = OnceLock::new();
    let source = SOURCE.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
        let script = dir.join("node_modules/axe-core/axe.min.js");
        let manifest = std::fs::File::open(dir.join("package.json")).map_err(|e| e.to_string())?;
        manifest.lock().map_err(|e| e.to_string())?;
        if !script.exists() {
            let out = Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund", "--prefix"])
                .arg(&dir)
                .output()
                .map_err(|e| format!("npm could not start ({e}): install Node.js 20 with npm"))?;
            if !out.status.success() {
                return Err(format!(
                    "`npm ci --prefix tests/browser` failed ({}): {}{}",
                    out.status,
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                ));
            }
        }
        std::fs::read_to_string(&script).map_err(|e| format!("{}: {e}", script.display()))
    });
    match source {
        Ok(source) => source,
        Err(e) => panic!("axe-core is not available: {e}"),
    }
}
