//! The officer portal under load (docs/design/portal.md §6): the real `tillit` binary, driven
//! over HTTP as a browser drives it.
//!
//! `tillit demo` makes a fictional municipality in a temporary directory, `tillit serve` runs
//! it as a child process on 127.0.0.1 (ephemeral ports, read from the `portal:` line it
//! prints), and every demo officer enrols a passkey through their one-time link with a
//! software authenticator (P-256). Then BENCH_PORTAL_SESSIONS sessions (default 50) are opened
//! by signing in, round-robin over the officers, each with its own keep-alive connection, and
//! each runs a closed loop (no think time) over the read pages: the start page, the officer's
//! passkeys, a person search by a demo family-name prefix, a person page, a card page and the
//! report list. A page that answers 404 or 403 when first fetched with an officer's session
//! (not built yet, or outside that officer's role or unit) is left out of that officer's
//! sessions, with a note. The loop stops after BENCH_PORTAL_REQUESTS requests in all (default
//! 20,000) or BENCH_PORTAL_SECONDS (default 60), whichever comes first. Any answer that is
//! not 2xx is an error.
//!
//! Then, separately, BENCH_PORTAL_WRITES signed actions (default 50) by KRA officers, one at a
//! time (BENCH_PORTAL_WRITERS at once): an order basis for a person without a card, through
//! the form (`POST /people/<id>/cards/new` with the session's CSRF token), the review page and
//! "Sign and send" (a passkey assertion over the page's challenge, `POST /sign/<id>`). A
//! refusal (a rule, e.g. R-CARD-6 once the people without a card are used up) is counted
//! apart from errors.
//!
//! Prints per page and overall: count, p50/p95/p99/max in ms, requests/s, errors, the answer
//! size; the CPU time the server and this load generator used; the 1-minute load average.
//! `BENCH_PORTAL_TLS=1` drives the HTTPS listener instead. `BENCH_PORTAL_KEEP=1` keeps the
//! temporary directory: the data, the demo's JSON and the server's log (`RUST_LOG` reaches the
//! server). `BENCH_PORTAL_ASSERT=1` exits non-zero when the overall p95 is over 50 ms. Errors
//! always make it exit non-zero.
//!
//! `cargo bench -p tillit --bench portal`
//! (`BENCH_PORTAL_SECONDS=10 BENCH_PORTAL_WRITES=10` for a quick run).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::{BTreeMap, HashSet};
use std::io::{BufRead as _, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, ensure, Context as _};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine as _;
use serde_json::Value;
use tillit_core::ra::card::Card;
use tillit_server::node::DataDir;
use tillit_server::routines::kinds::Kept as _;
use tillit_server::routines::passkey::{SoftAuthenticator, ES256};
use tillit_store::records::Record;

/// The session cookie the portal sets.
const SESSION_COOKIE: &str = "__Host-tillit-session";

/// The p95 goal for a GET page (docs/design/portal.md §6).
const GOAL_P95_MS: f64 = 50.0;

/// What the environment asks for.
struct Settings {
    sessions: usize,
    requests: usize,
    seconds: u64,
    writes: usize,
    writers: usize,
    tls: bool,
    assert: bool,
    keep: bool,
}

fn env_number(name: &str, default: usize) -> anyhow::Result<usize> {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => {
            v.trim().parse().with_context(|| format!("{name}={v}: not a number"))
        }
        _ => Ok(default),
    }
}

fn env_flag(name: &str) -> bool {
    std::env::var(name).is_ok_and(|v| v == "1")
}

impl Settings {
    fn from_env() -> anyhow::Result<Settings> {
        let settings = Settings {
            sessions: env_number("BENCH_PORTAL_SESSIONS", 50)?,
            requests: env_number("BENCH_PORTAL_REQUESTS", 20_000)?,
            seconds: env_number("BENCH_PORTAL_SECONDS", 60)? as u64,
            writes: env_number("BENCH_PORTAL_WRITES", 50)?,
            writers: env_number("BENCH_PORTAL_WRITERS", 1)?,
            tls: env_flag("BENCH_PORTAL_TLS"),
            assert: env_flag("BENCH_PORTAL_ASSERT"),
            keep: env_flag("BENCH_PORTAL_KEEP"),
        };
        ensure!(settings.sessions > 0, "BENCH_PORTAL_SESSIONS must be at least 1");
        ensure!(settings.writers > 0, "BENCH_PORTAL_WRITERS must be at least 1");
        Ok(settings)
    }
}

// ---- the server ---------------------------------------------------------------------------

/// `tillit serve` as a child process; killed when dropped (also when the bench panics).
struct Server {
    child: Child,
    /// `http://localhost:<port>`.
    portal: String,
    /// `https://localhost:<port>`.
    https: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `tillit serve` on ephemeral ports of 127.0.0.1 and reads its addresses.
fn serve(bin: &str, data: &Path, log: &Path) -> anyhow::Result<Server> {
    let stderr = std::fs::File::create(log).context("the server's log file")?;
    let mut child = Command::new(bin)
        .arg("serve")
        .arg("--data")
        .arg(data)
        .args(["--listen", "127.0.0.1:0", "--listen-tls", "127.0.0.1:0"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .context("cannot start `tillit serve`")?;
    let stdout = child.stdout.take().context("no stdout from `tillit serve`")?;
    // The guard first: from here on the child is killed whatever happens.
    let mut server = Server { child, portal: String::new(), https: String::new() };
    let (lines, received) = std::sync::mpsc::channel();
    // Reads stdout to its end, so the child never blocks on a full pipe.
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let _ = lines.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    while server.portal.is_empty() || server.https.is_empty() {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = received.recv_timeout(left).map_err(|_| {
            anyhow!("`tillit serve` printed no `portal:` and `https:` lines; its log: {}", tail(log))
        })?;
        if let Some(url) = line.strip_prefix("portal: ") {
            server.portal = url.trim().trim_end_matches('/').to_string();
        } else if let Some(url) = line.strip_prefix("https: ") {
            server.https = url.trim().trim_end_matches('/').to_string();
        }
    }
    Ok(server)
}

/// The last lines of a log file, for an error message.
fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

/// The port of `http://localhost:<port>`.
fn port_of(base: &str) -> anyhow::Result<u16> {
    let port = base.rsplit(':').next().unwrap_or_default();
    port.parse().with_context(|| format!("no port in {base}"))
}

/// CPU time (user + system) of process `pid` so far, from `/proc/<pid>/stat`.
fn cpu_seconds(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // After the command name in parentheses: state is field 3, utime 14, stime 15.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    // USER_HZ: 100 on Linux.
    Some(ticks / 100.0)
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "unknown".into())
}

// ---- a browser ----------------------------------------------------------------------------

/// Where the portal is and how to reach it: 127.0.0.1 only, `localhost` in the URLs (the
/// passkeys' relying party and origin).
#[derive(Clone)]
struct Portal {
    /// `http://localhost:<port>` or `https://localhost:<port>`: base URL and origin.
    base: String,
    addr: SocketAddr,
    /// The node's root certificate (PEM), for HTTPS.
    root: Option<String>,
}

impl Portal {
    /// A client of its own (a browser: its own keep-alive connection), never through a
    /// proxy, following no redirects.
    fn client(&self) -> anyhow::Result<reqwest::Client> {
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .tcp_nodelay(true)
            .timeout(Duration::from_secs(60))
            .resolve("localhost", self.addr);
        if let Some(root) = &self.root {
            builder = builder
                .use_rustls_tls()
                .tls_built_in_root_certs(false)
                .add_root_certificate(reqwest::Certificate::from_pem(root.as_bytes())?);
        }
        Ok(builder.build()?)
    }
}

/// A browser: the session cookie kept, `Origin` on every POST.
#[derive(Clone)]
struct Browser {
    client: reqwest::Client,
    base: String,
    cookie: Option<String>,
}

struct Page {
    status: u16,
    location: String,
    html: String,
}

impl Page {
    /// The value of attribute `name` on the first element that has it.
    fn attr(&self, name: &str) -> anyhow::Result<String> {
        between(&self.html, &format!("{name}=\""), "\"").with_context(|| format!("no {name} on the page"))
    }

    /// The value of the hidden input `name`.
    fn input(&self, name: &str) -> anyhow::Result<String> {
        between(&self.html, &format!("name=\"{name}\" value=\""), "\"")
            .with_context(|| format!("no input {name} on the page"))
    }

    /// The WebAuthn challenge the page's script would hand the authenticator.
    fn challenge(&self) -> anyhow::Result<Vec<u8>> {
        Ok(B64URL.decode(self.attr("data-challenge")?)?)
    }

    /// The rule a refusal names (`R-CARD-6`), if any.
    fn rule(&self) -> Option<String> {
        let start = self.html.find("R-")?;
        let rule: String = self.html[start..]
            .chars()
            .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '-')
            .collect();
        Some(rule.trim_end_matches('-').to_string())
    }

    fn excerpt(&self) -> String {
        self.html.chars().take(400).collect()
    }
}

/// The text between `start` and the next `end`.
fn between(text: &str, start: &str, end: &str) -> Option<String> {
    let from = text.find(start)? + start.len();
    let to = text[from..].find(end)? + from;
    Some(text[from..to].to_string())
}

impl Browser {
    fn new(portal: &Portal) -> anyhow::Result<Browser> {
        Ok(Browser { client: portal.client()?, base: portal.base.clone(), cookie: None })
    }

    fn cookie_header(&self) -> Option<String> {
        self.cookie.as_ref().map(|c| format!("{SESSION_COOKIE}={c}"))
    }

    async fn finish(&mut self, r: reqwest::Response) -> anyhow::Result<Page> {
        let status = r.status().as_u16();
        for value in r.headers().get_all("set-cookie") {
            if let Some(rest) =
                value.to_str().ok().and_then(|v| v.strip_prefix(&format!("{SESSION_COOKIE}=")))
            {
                let v = rest.split(';').next().unwrap_or_default();
                self.cookie = (!v.is_empty()).then(|| v.to_string());
            }
        }
        let location =
            r.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
        Ok(Page { status, location, html: r.text().await? })
    }

    async fn get(&mut self, path: &str) -> anyhow::Result<Page> {
        let mut request = self.client.get(format!("{}{path}", self.base));
        if let Some(c) = self.cookie_header() {
            request = request.header("cookie", c);
        }
        let r = request.send().await.with_context(|| format!("GET {path}"))?;
        self.finish(r).await
    }

    async fn post(&mut self, path: &str, form: &[(&str, String)]) -> anyhow::Result<Page> {
        let mut request =
            self.client.post(format!("{}{path}", self.base)).form(form).header("origin", self.base.as_str());
        if let Some(c) = self.cookie_header() {
            request = request.header("cookie", c);
        }
        let r = request.send().await.with_context(|| format!("POST {path}"))?;
        self.finish(r).await
    }
}

/// Enrols `auth` through the one-time link `path` (`/enrol/<token>`): the page, the
/// ceremony, the form.
async fn enrol(browser: &mut Browser, auth: &SoftAuthenticator, path: &str) -> anyhow::Result<()> {
    let page = browser.get(path).await?;
    ensure!(page.status == 200, "GET {path}: {} {}", page.status, page.excerpt());
    let (attestation, client_data) = auth.register(&page.challenge()?).map_err(|e| anyhow!(e))?;
    let done = browser
        .post(
            path,
            &[
                ("challenge_id", page.input("challenge_id")?),
                ("name", "Bench key".into()),
                ("attestation_object", B64URL.encode(attestation)),
                ("client_data_json", B64URL.encode(client_data)),
                ("transports", r#"["usb"]"#.into()),
            ],
        )
        .await?;
    ensure!(done.status == 303, "POST {path}: {} {}", done.status, done.excerpt());
    Ok(())
}

/// Signs in with `auth` (a fresh `/sign-in` challenge each time); the session cookie.
async fn sign_in(portal: &Portal, auth: &Mutex<SoftAuthenticator>) -> anyhow::Result<Browser> {
    let mut browser = Browser::new(portal)?;
    let page = browser.get("/sign-in").await?;
    ensure!(page.status == 200, "GET /sign-in: {} {}", page.status, page.excerpt());
    let challenge = page.challenge()?;
    let (credential_id, assertion) = {
        let mut auth = auth.lock().map_err(|_| anyhow!("an authenticator's lock is poisoned"))?;
        (auth.credential_id().to_vec(), auth.assert(&challenge).map_err(|e| anyhow!(e))?)
    };
    let done = browser
        .post(
            "/sign-in",
            &[
                ("challenge_id", page.input("challenge_id")?),
                ("return", "/".into()),
                ("credential_id", B64URL.encode(credential_id)),
                ("authenticator_data", B64URL.encode(&assertion.authenticator_data)),
                ("client_data_json", B64URL.encode(&assertion.client_data_json)),
                ("signature", B64URL.encode(&assertion.signature)),
                ("user_handle", String::new()),
            ],
        )
        .await?;
    ensure!(done.status == 303, "POST /sign-in: {} {}", done.status, done.excerpt());
    ensure!(browser.cookie.is_some(), "signed in, but no session cookie");
    Ok(browser)
}

// ---- the demo -----------------------------------------------------------------------------

/// An officer of the demo, with the passkey enrolled for them.
struct Officer {
    name: String,
    role: String,
    unit: String,
    auth: Arc<Mutex<SoftAuthenticator>>,
}

/// A person an order basis can be made for: no card yet, and the unit of their employment.
struct Target {
    person: String,
    org: String,
}

/// The people without a card (officers, the protected person and the person with a
/// coordination number left out), `first` first, each with a unit they are employed in.
/// Read from the demo's database before the server starts: it only chooses whom the write
/// measurement orders cards for.
async fn write_targets(data: &Path, skip: &HashSet<String>, first: &str) -> anyhow::Result<Vec<Target>> {
    let dir = DataDir::open(data)?;
    let store = dir.open_store_read_only().await?;
    let today = time::OffsetDateTime::now_utc().date();
    let orgs: Vec<_> = store.orgs().await?.into_iter().map(|o| o.id).collect();
    let mut targets = Vec::new();
    for id in store.persons_employed_in(&orgs, today).await? {
        if skip.contains(&id.to_string()) {
            continue;
        }
        let Some(record) = store.person(id).await? else { continue };
        let cards: Vec<Record<Value>> = store.records_of_person(Card::KIND, id).await?;
        if record.removed_us.is_some() || !cards.is_empty() {
            continue;
        }
        let Some(employment) = record.person.active_employments(today).next() else { continue };
        targets.push(Target { person: id.to_string(), org: employment.org.to_string() });
    }
    store.close().await;
    targets.sort_by_key(|t| t.person != first);
    Ok(targets)
}

fn text(value: &Value, pointer: &str) -> anyhow::Result<String> {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_string)
        .with_context(|| format!("no {pointer} in the demo's JSON"))
}

/// `q` for a URL query.
fn query_encode(q: &str) -> String {
    let mut out = String::new();
    for b in q.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

// ---- measuring ----------------------------------------------------------------------------

/// A read page of the mix.
struct PageSpec {
    name: &'static str,
    path: String,
}

/// One request of the loop.
struct Sample {
    page: usize,
    time: Duration,
    ok: bool,
    bytes: usize,
}

/// A signed-in session and the pages it reads.
#[derive(Clone)]
struct Session {
    officer: usize,
    browser: Browser,
    pages: Vec<usize>,
}

/// The nearest-rank percentile of sorted times, in ms.
fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i].as_secs_f64() * 1000.0
}

struct Summary {
    count: usize,
    p50: f64,
    p95: f64,
    p99: f64,
    max: f64,
    errors: usize,
    bytes: usize,
}

fn summarise<'a>(samples: impl Iterator<Item = &'a Sample>) -> Summary {
    let mut times = Vec::new();
    let (mut errors, mut bytes) = (0, 0);
    for s in samples {
        times.push(s.time);
        errors += usize::from(!s.ok);
        bytes += s.bytes;
    }
    times.sort_unstable();
    Summary {
        count: times.len(),
        p50: percentile(&times, 0.50),
        p95: percentile(&times, 0.95),
        p99: percentile(&times, 0.99),
        max: percentile(&times, 1.0),
        errors,
        bytes: bytes / times.len().max(1),
    }
}

/// One session's closed loop until the shared request budget or the deadline is spent.
async fn read_loop(
    session: Session,
    urls: Arc<Vec<String>>,
    issued: Arc<AtomicUsize>,
    budget: usize,
    deadline: Instant,
    offset: usize,
) -> (Vec<Sample>, Vec<String>) {
    let cookie = session.browser.cookie_header().unwrap_or_default();
    let client = session.browser.client;
    let mut samples = Vec::new();
    let mut failures = Vec::new();
    let mut k = offset;
    while Instant::now() < deadline && issued.fetch_add(1, Ordering::Relaxed) < budget {
        let page = session.pages[k % session.pages.len()];
        k += 1;
        let start = Instant::now();
        let answer = client.get(&urls[page]).header("cookie", &cookie).send().await;
        let (ok, bytes, failure) = match answer {
            Ok(r) => {
                let status = r.status();
                match r.bytes().await {
                    Ok(body) => (status.is_success(), body.len(), status.to_string()),
                    Err(e) => (false, 0, e.to_string()),
                }
            }
            Err(e) => (false, 0, e.to_string()),
        };
        samples.push(Sample { page, time: start.elapsed(), ok, bytes });
        if !ok && failures.len() < 3 {
            failures.push(format!("GET {}: {failure}", urls[page]));
        }
    }
    (samples, failures)
}

/// How one signed action ended.
enum Outcome {
    Recorded,
    Refused(String),
}

/// The times of a signed action's steps: the form posted, the review page, the signature.
type Steps = [Duration; 3];

/// An order basis for `target` through the portal: form, review page, "Sign and send".
async fn signed_order(
    browser: &mut Browser,
    auth: &Mutex<SoftAuthenticator>,
    csrf: &str,
    target: &Target,
) -> anyhow::Result<(Outcome, Steps)> {
    let form = format!("/people/{}/cards/new", target.person);
    let start = Instant::now();
    let prepared = browser
        .post(&form, &[("csrf", csrf.to_string()), ("kind", "sis".into()), ("org", target.org.clone())])
        .await?;
    ensure!(prepared.status == 303, "POST {form}: {} {}", prepared.status, prepared.excerpt());
    let posted = start.elapsed();
    let review = browser.get(&prepared.location).await?;
    ensure!(review.status == 200, "GET {}: {} {}", prepared.location, review.status, review.excerpt());
    let reviewed = start.elapsed();
    let challenge = review.challenge()?;
    let sign_path = between(&review.html, "action=\"/sign/", "\"")
        .map(|id| format!("/sign/{id}"))
        .context("the review page has no form to /sign/")?;
    let (credential_id, assertion) = {
        let mut auth = auth.lock().map_err(|_| anyhow!("an authenticator's lock is poisoned"))?;
        (auth.credential_id().to_vec(), auth.assert(&challenge).map_err(|e| anyhow!(e))?)
    };
    let done = browser
        .post(
            &sign_path,
            &[
                ("csrf", review.input("csrf")?),
                ("credential_id", B64URL.encode(credential_id)),
                ("authenticator_data", B64URL.encode(&assertion.authenticator_data)),
                ("client_data_json", B64URL.encode(&assertion.client_data_json)),
                ("signature", B64URL.encode(&assertion.signature)),
            ],
        )
        .await?;
    let signed = start.elapsed();
    let steps = [posted, reviewed - posted, signed - reviewed];
    match done.status {
        200..=299 => Ok((Outcome::Recorded, steps)),
        422 => Ok((Outcome::Refused(done.rule().unwrap_or_else(|| "a rule".into())), steps)),
        status => bail!("POST {sign_path}: {status} {}", done.excerpt()),
    }
}

/// What the write measurement found.
#[derive(Default)]
struct Writes {
    recorded: Vec<(Duration, Steps)>,
    refused: Vec<(Duration, String)>,
    errors: Vec<String>,
}

// ---- the run ------------------------------------------------------------------------------

/// What the run found, for the exit code.
struct Verdict {
    p95: f64,
    errors: usize,
}

async fn run(settings: &Settings) -> anyhow::Result<Verdict> {
    let bin = env!("CARGO_BIN_EXE_tillit");
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let tmp = tempfile::tempdir()?;
    let data = tmp.path().join("data");
    let json = tmp.path().join("demo.json");

    // The demo: a new node with its municipality.
    let started = Instant::now();
    let demo = Command::new(bin)
        .arg("demo")
        .arg("--data")
        .arg(&data)
        .arg("--json")
        .arg(&json)
        .stdin(Stdio::null())
        .output()
        .context("cannot run `tillit demo`")?;
    ensure!(
        demo.status.success(),
        "`tillit demo` failed: {}\n{}",
        String::from_utf8_lossy(&demo.stdout),
        String::from_utf8_lossy(&demo.stderr)
    );
    println!("tillit demo: {:.1} s", started.elapsed().as_secs_f64());
    let summary: Value = serde_json::from_str(&std::fs::read_to_string(&json)?)?;
    let no_card = text(&summary, "/people/no_card")?;
    let card = text(&summary, "/people/card_awaiting_hand_out/card")?;
    let officers_json = summary["officers"].as_array().context("no officers in the demo's JSON")?;
    ensure!(!officers_json.is_empty(), "the demo has no officers");
    // A family-name prefix of the demo: the first officer's, four letters.
    let first_name = text(&summary, "/officers/0/name")?;
    let family = first_name.rsplit(' ').next().unwrap_or_default();
    let prefix: String = family.chars().take(4).collect();

    let mut skip: HashSet<String> = HashSet::new();
    for o in officers_json {
        skip.insert(text(o, "/person")?);
    }
    for pointer in ["/people/protected", "/people/coordination_number"] {
        skip.insert(text(&summary, pointer)?);
    }
    let targets = write_targets(&data, &skip, &no_card).await?;

    // The server.
    let server = serve(bin, &data, &tmp.path().join("serve.log"))?;
    let pid = server.child.id().to_string();
    let base = if settings.tls { server.https.clone() } else { server.portal.clone() };
    let root = if settings.tls {
        let chain = std::fs::read_to_string(data.join("tls/chain.pem"))?;
        let root =
            chain.split_inclusive("-----END CERTIFICATE-----\n").nth(1).context("no root in chain.pem")?;
        Some(root.to_string())
    } else {
        None
    };
    let portal =
        Portal { addr: SocketAddr::from(([127, 0, 0, 1], port_of(&base)?)), base: base.clone(), root };
    println!("tillit serve: {base} (pid {pid}), from 127.0.0.1; {cores} cores");

    // The portal answers once the node has started.
    let waiting = Instant::now();
    let mut probe = Browser::new(&portal)?;
    loop {
        match probe.get("/sign-in").await {
            Ok(page) if page.status == 200 => break,
            _ if waiting.elapsed() > Duration::from_secs(60) => bail!("the portal does not answer at {base}"),
            _ => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }

    // A passkey for each officer, enrolled through their link.
    let mut officers = Vec::new();
    for o in officers_json {
        let (person, name) = (text(o, "/person")?, text(o, "/name")?);
        let auth = SoftAuthenticator::new(ES256, "localhost", &base).map_err(|e| anyhow!(e))?;
        enrol(&mut Browser::new(&portal)?, &auth, &text(o, "/enrol_path")?)
            .await
            .with_context(|| format!("enrolling {name} ({person})"))?;
        officers.push(Officer {
            name,
            role: text(o, "/role")?,
            unit: text(o, "/unit")?,
            auth: Arc::new(Mutex::new(auth)),
        });
    }
    println!("passkeys enrolled: {} officers", officers.len());

    // The sessions, round-robin over the officers; each a new sign-in.
    let pages = [
        PageSpec { name: "start /", path: "/".into() },
        PageSpec { name: "/me/passkeys", path: "/me/passkeys".into() },
        PageSpec { name: "search /people?q=", path: format!("/people?q={}", query_encode(&prefix)) },
        PageSpec { name: "person /people/<id>", path: format!("/people/{no_card}") },
        PageSpec { name: "card /cards/<id>", path: format!("/cards/{card}") },
        PageSpec { name: "reports /reports", path: "/reports".into() },
    ];
    let signing = Instant::now();
    let mut sessions = Vec::new();
    for i in 0..settings.sessions {
        let officer = i % officers.len();
        let browser = sign_in(&portal, &officers[officer].auth)
            .await
            .with_context(|| format!("signing in as {}", officers[officer].name))?;
        sessions.push(Session { officer, browser, pages: Vec::new() });
    }
    println!(
        "sessions: {} signed in ({:.1} ms per sign-in, one at a time)",
        sessions.len(),
        signing.elapsed().as_secs_f64() * 1000.0 / sessions.len() as f64
    );

    // Which pages each officer's sessions read: fetched once with the officer's first session.
    let mut readable: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    let mut left_out: BTreeMap<usize, Vec<(usize, u16)>> = BTreeMap::new();
    for session in &sessions {
        if readable.contains_key(&session.officer) {
            continue;
        }
        let mut browser = session.browser.clone();
        let mut mine = Vec::new();
        for (p, page) in pages.iter().enumerate() {
            let answer = browser.get(&page.path).await?;
            if matches!(answer.status, 403 | 404) {
                left_out.entry(p).or_default().push((session.officer, answer.status));
            } else {
                mine.push(p);
            }
        }
        readable.insert(session.officer, mine);
    }
    let probed = readable.len();
    for (p, who) in &left_out {
        if who.len() == probed {
            println!(
                "note: {} ({}) answers {} for every officer: left out of the mix",
                pages[*p].name, pages[*p].path, who[0].1
            );
        } else {
            let names: Vec<String> = who
                .iter()
                .map(|(o, status)| {
                    let o = &officers[*o];
                    format!("{} ({} {}: {status})", o.name, o.role, o.unit)
                })
                .collect();
            println!("note: {} left out of the sessions of {}", pages[*p].name, names.join(", "));
        }
    }
    for session in &mut sessions {
        session.pages = readable.get(&session.officer).cloned().unwrap_or_default();
    }
    sessions.retain(|s| !s.pages.is_empty());
    ensure!(!sessions.is_empty(), "no session has a page to read");

    // The closed loop.
    let urls: Arc<Vec<String>> = Arc::new(pages.iter().map(|p| format!("{base}{}", p.path)).collect());
    let issued = Arc::new(AtomicUsize::new(0));
    let server_cpu = cpu_seconds(&pid);
    let own_cpu = cpu_seconds("self");
    let load_before = load_average();
    let started = Instant::now();
    let deadline = started + Duration::from_secs(settings.seconds);
    let mut tasks = Vec::new();
    for (i, session) in sessions.iter().enumerate() {
        tasks.push(tokio::spawn(read_loop(
            session.clone(),
            urls.clone(),
            issued.clone(),
            settings.requests,
            deadline,
            i,
        )));
    }
    let mut samples = Vec::new();
    let mut failures = Vec::new();
    for task in tasks {
        let (mine, failed) = task.await?;
        samples.extend(mine);
        failures.extend(failed);
    }
    let elapsed = started.elapsed().as_secs_f64();
    let server_cpu = cpu_seconds(&pid).zip(server_cpu).map(|(after, before)| after - before);
    let own_cpu = cpu_seconds("self").zip(own_cpu).map(|(after, before)| after - before);

    println!();
    println!(
        "Read pages: {} sessions ({} officers), closed loop without think time, {} requests in {elapsed:.1} s \
         (bounds: {} requests, {} s){}",
        sessions.len(),
        officers.len(),
        samples.len(),
        settings.requests,
        settings.seconds,
        if settings.tls { ", HTTPS" } else { ", plain HTTP" }
    );
    println!(
        "{:<22} {:>7} {:>8} {:>8} {:>8} {:>8} {:>8} {:>7} {:>8}",
        "page", "count", "p50 ms", "p95 ms", "p99 ms", "max ms", "req/s", "errors", "bytes"
    );
    let line = |name: &str, s: &Summary| {
        println!(
            "{name:<22} {:>7} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>8.1} {:>7} {:>8}",
            s.count,
            s.p50,
            s.p95,
            s.p99,
            s.max,
            s.count as f64 / elapsed,
            s.errors,
            s.bytes
        );
    };
    for (p, page) in pages.iter().enumerate() {
        let s = summarise(samples.iter().filter(|s| s.page == p));
        if s.count > 0 {
            line(page.name, &s);
        }
    }
    let overall = summarise(samples.iter());
    line("overall", &overall);
    for failure in &failures {
        println!("error: {failure}");
    }
    let cores_used = |cpu: Option<f64>| match cpu {
        Some(cpu) => format!("{cpu:.1} CPU-s ({:.2} cores)", cpu / elapsed),
        None => "unknown".into(),
    };
    println!(
        "CPU during the loop: server {}, load generator (this process) {}",
        cores_used(server_cpu),
        cores_used(own_cpu)
    );
    println!("load average (1 min): {load_before} before the loop, {} at the end", load_average());
    if overall.p95 > GOAL_P95_MS {
        println!("p95 {:.2} ms is over the goal of {GOAL_P95_MS} ms", overall.p95);
    } else {
        println!("p95 {:.2} ms is within the goal of {GOAL_P95_MS} ms", overall.p95);
    }

    // Signed actions, measured apart.
    let writes = signed_writes(settings, &officers, &sessions, &targets).await?;
    if let Some(writes) = &writes {
        report_writes(settings, writes, targets.len());
    }
    let write_errors = writes.map_or(0, |w| w.errors.len());

    drop(server);
    if settings.keep {
        println!("kept: {} (the data directory, the demo's JSON, the server's log)", tmp.keep().display());
    }
    Ok(Verdict { p95: overall.p95, errors: overall.errors + write_errors })
}

/// BENCH_PORTAL_WRITES order bases by KRA officers' sessions, BENCH_PORTAL_WRITERS at once;
/// nothing when none are asked for or there is no KRA session or no person without a card.
async fn signed_writes(
    settings: &Settings,
    officers: &[Officer],
    sessions: &[Session],
    targets: &[Target],
) -> anyhow::Result<Option<Writes>> {
    if settings.writes == 0 {
        return Ok(None);
    }
    let kra: Vec<&Session> = sessions.iter().filter(|s| officers[s.officer].role == "kra").collect();
    if kra.is_empty() || targets.is_empty() {
        println!("note: no KRA session or no person to order a card for: signed actions not measured");
        return Ok(None);
    }
    let targets: Arc<Vec<Target>> =
        Arc::new(targets.iter().map(|t| Target { person: t.person.clone(), org: t.org.clone() }).collect());
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for w in 0..settings.writers {
        let session = kra[w % kra.len()];
        let mut browser = session.browser.clone();
        let auth = officers[session.officer].auth.clone();
        let (targets, next, total) = (targets.clone(), next.clone(), settings.writes);
        tasks.push(tokio::spawn(async move {
            let mut writes = Writes::default();
            // The session's CSRF token, from the form as the browser shows it.
            let form = browser.get(&format!("/people/{}/cards/new", targets[0].person)).await?;
            ensure!(form.status == 200, "the order form: {} {}", form.status, form.excerpt());
            let csrf = form.input("csrf")?;
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= total {
                    break;
                }
                let target = &targets[n % targets.len()];
                let start = Instant::now();
                match signed_order(&mut browser, &auth, &csrf, target).await {
                    Ok((Outcome::Recorded, steps)) => writes.recorded.push((start.elapsed(), steps)),
                    Ok((Outcome::Refused(rule), _)) => writes.refused.push((start.elapsed(), rule)),
                    Err(e) => writes.errors.push(format!("{e:#}")),
                }
            }
            anyhow::Ok(writes)
        }));
    }
    let mut all = Writes::default();
    for task in tasks {
        let mut writes = task.await??;
        all.recorded.append(&mut writes.recorded);
        all.refused.append(&mut writes.refused);
        all.errors.append(&mut writes.errors);
    }
    Ok(Some(all))
}

fn report_writes(settings: &Settings, writes: &Writes, people: usize) {
    println!();
    println!(
        "Signed actions: order bases (form POST → 303 → review page → passkey assertion → POST /sign/<id>), \
         {} round trips, {} at once, {people} people without a card",
        settings.writes, settings.writers
    );
    let mut totals: Vec<Duration> = writes.recorded.iter().map(|(t, _)| *t).collect();
    totals.sort_unstable();
    let mut rules: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, rule) in &writes.refused {
        *rules.entry(rule).or_default() += 1;
    }
    let rules: Vec<String> = rules.iter().map(|(rule, n)| format!("{rule} ×{n}")).collect();
    println!(
        "recorded {}, refused {}{}, errors {}",
        writes.recorded.len(),
        writes.refused.len(),
        if rules.is_empty() { String::new() } else { format!(" ({})", rules.join(", ")) },
        writes.errors.len()
    );
    if !totals.is_empty() {
        println!(
            "recorded, full round trip: p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms",
            percentile(&totals, 0.50),
            percentile(&totals, 0.95),
            percentile(&totals, 1.0)
        );
        for (i, step) in
            ["form POST → 303", "GET review page", "POST /sign (the API, the commit)"].iter().enumerate()
        {
            let mut times: Vec<Duration> = writes.recorded.iter().map(|(_, s)| s[i]).collect();
            times.sort_unstable();
            println!(
                "  {step:<34} p50 {:.2} ms, p95 {:.2} ms",
                percentile(&times, 0.50),
                percentile(&times, 0.95)
            );
        }
    }
    if !writes.refused.is_empty() {
        let mut times: Vec<Duration> = writes.refused.iter().map(|(t, _)| *t).collect();
        times.sort_unstable();
        println!(
            "refused, full round trip: p50 {:.2} ms, p95 {:.2} ms",
            percentile(&times, 0.50),
            percentile(&times, 0.95)
        );
    }
    for e in writes.errors.iter().take(3) {
        println!("error: {e}");
    }
}

fn main() -> ExitCode {
    let settings = match Settings::from_env() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e:#}");
            return ExitCode::FAILURE;
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("no runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(&settings)) {
        Ok(verdict) if verdict.errors > 0 => {
            eprintln!("{} errors (must be 0)", verdict.errors);
            ExitCode::FAILURE
        }
        Ok(verdict) if settings.assert && verdict.p95 > GOAL_P95_MS => {
            eprintln!("BENCH_PORTAL_ASSERT: p95 {:.2} ms > {GOAL_P95_MS} ms", verdict.p95);
            ExitCode::FAILURE
        }
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e:#}");
            ExitCode::FAILURE
        }
    }
}
