// Shared helpers of the portal's browser suite (docs/browser-tests.md, docs/design/portal.md §4).
//
// Every test drives Debian's Chromium through playwright-core against a node that
// .ci/browser.sh started: TILLIT_URL is its plain HTTP portal (http://localhost:PORT/),
// TILLIT_TLS_URL its HTTPS listener, TILLIT_DEMO the demo's JSON summary (when the demo
// writes one). Nothing here reaches beyond localhost.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The repository's root. */
export const root = path.resolve(here, '..', '..');

/** Where screenshots and axe results go (target/ is ignored by git). */
export const artifacts = path.join(root, 'target', 'browser-artifacts');

/** The portal's languages, in the order the language switch shows them. */
export const LANGS = ['sv', 'nb', 'da', 'en'];

/** Debian's Chromium; TILLIT_CHROMIUM may name another build of Chromium for a local run. */
export const CHROMIUM = process.env.TILLIT_CHROMIUM || '/usr/bin/chromium';

/** The flags of docs/design/portal.md §4. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

function baseUrl(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(
      `${name} is not set: run the suite with .ci/browser.sh, which starts a node and sets it ` +
        '(docs/browser-tests.md)',
    );
  }
  const url = new URL(value);
  if (url.hostname !== 'localhost' && url.hostname !== '127.0.0.1' && url.hostname !== '[::1]') {
    throw new Error(`${name}=${value}: the browser suite only talks to a node on this machine`);
  }
  return url;
}

/** `path` on the plain HTTP portal (TILLIT_URL). */
export function url(p = '/') {
  return new URL(p, baseUrl('TILLIT_URL')).href;
}

/** `path` on the HTTPS listener (TILLIT_TLS_URL). */
export function tlsUrl(p = '/') {
  return new URL(p, baseUrl('TILLIT_TLS_URL')).href;
}

/**
 * The demo's summary (officers, enrolment paths, the people the tests use), read from the JSON
 * file TILLIT_DEMO names; null while `tillit demo` does not write one.
 */
export function demo() {
  const file = process.env.TILLIT_DEMO;
  if (!file || !fs.existsSync(file)) return null;
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/** The portal's Fluent files of a language, as crates/tillit-portal/src/i18n.rs loads them. */
const FTL_FILES = ['portal.ftl', 'rules.ftl', 'actions.ftl', 'read.ftl', 'flows.ftl'];

/**
 * The portal's texts in `lang`, read from crates/tillit-portal/locales/LANG/*.ftl (the pages,
 * the rules' titles and remedies, the audit actions, the read-only pages, the flows), so the
 * tests follow the translations. Only simple one-line messages (`id = text`) are read; fill
 * in a message's variables with `fill`.
 */
export function messages(lang) {
  const out = {};
  for (const name of FTL_FILES) {
    const file = path.join(root, 'crates', 'tillit-portal', 'locales', lang, name);
    if (!fs.existsSync(file)) continue;
    for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
      const m = /^([a-zA-Z][\w-]*)\s*=\s*(.*\S)\s*$/.exec(line);
      if (m && !Object.hasOwn(out, m[1])) out[m[1]] = m[2];
    }
  }
  return out;
}

/**
 * A message with its variables (`{ $name }`) filled in, as the portal renders it (the portal
 * turns Fluent's isolation marks off).
 */
export function fill(text, args = {}) {
  return text.replace(/\{\s*\$([\w-]+)\s*\}/g, (whole, name) => (Object.hasOwn(args, name) ? String(args[name]) : whole));
}

/** A regular expression matching a message whatever its variables hold. */
export function pattern(text) {
  const parts = text.split(/\{\s*\$[\w-]+\s*\}/);
  return new RegExp(`^\\s*${parts.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.+?')}\\s*$`);
}

/** Starts Debian's Chromium headless. */
export async function launch() {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found: apt-get install chromium (docs/browser-tests.md)`);
  }
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

/**
 * Console errors that are a known portal problem, written up and waiting for its fix; each is
 * matched as narrowly as possible (`text`: the message, `at`: the URL it names). None now.
 */
function knownConsoleError(text, at) {
  void text;
  void at;
  return false;
}

/**
 * A fresh context (its own cookies) and page. `lang` sets the Accept-Language header; `tls`
 * accepts the node's own HTTPS certificate; other options go to browser.newContext.
 * Every console error and uncaught page error (a CSP or Trusted Types violation is one) is
 * collected; `close()` closes the context and fails if there were any. A test that expects
 * an HTTP error page (a 410 for a used link) says so with `expectHttpError(status, path)`:
 * the browser's "Failed to load resource" for that one document is then not an error.
 */
export async function open(browser, { lang, tls = false, ...options } = {}) {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    ...(lang ? { extraHTTPHeaders: { 'Accept-Language': lang } } : {}),
    ...(tls ? { ignoreHTTPSErrors: true } : {}),
    ...options,
  });
  const page = await context.newPage();
  const errors = [];
  const expected = [];
  const watch = (p) => {
    p.on('console', (msg) => {
      if (msg.type() !== 'error') return;
      const at = msg.location();
      if (knownConsoleError(msg.text(), at?.url)) return;
      const i = expected.findIndex((e) => e.matches(msg.text(), at?.url));
      if (i >= 0) {
        expected.splice(i, 1);
        return;
      }
      errors.push(`console error on ${p.url()}: ${msg.text()}${at?.url ? ` (${at.url}:${at.lineNumber})` : ''}`);
    });
    p.on('pageerror', (err) => errors.push(`page error on ${p.url()}: ${err.message}`));
    p.on('crash', () => errors.push(`the page crashed on ${p.url()}`));
  };
  watch(page);
  context.on('page', (p) => p !== page && watch(p));
  const expectHttpError = (status, pathname) => {
    expected.push({
      matches: (text, at) => {
        let where = null;
        try {
          where = new URL(at).pathname;
        } catch {
          return false;
        }
        return where === pathname && new RegExp(`status of ${status}\\b`).test(text);
      },
    });
  };
  const close = async () => {
    await context.close();
    assert.deepEqual(errors, [], `the browser reported errors:\n  ${errors.join('\n  ')}`);
  };
  return { context, page, errors, close, expectHttpError };
}

/**
 * Runs `fn(page, context)` on a fresh page (see `open`) and fails on any console error or page
 * error, also when `fn` itself failed (then the browser's errors are added to its message).
 */
export async function withPage(browser, options, fn) {
  const { context, page, errors, close } = await open(browser, options);
  try {
    await fn(page, context);
  } catch (err) {
    if (errors.length) err.message += `\nthe browser also reported:\n  ${errors.join('\n  ')}`;
    await context.close().catch(() => {});
    throw err;
  }
  await close();
}

/** A file name made of `name`: letters, digits, `-`, `_` and `.` only. */
function fileName(name) {
  return String(name).replace(/[^\w.-]+/g, '-');
}

/** A full-page screenshot at target/browser-artifacts/NAME.png; returns its path. */
export async function shot(page, name) {
  const file = path.join(artifacts, `${fileName(name)}.png`);
  fs.mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** The axe-core rule sets the portal promises (WCAG 2.2 AA and axe's best practices). */
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];

let axeSource;

/**
 * Runs axe-core on the page as it is, with the page's CSP in force: the library's text is
 * evaluated through the DevTools protocol (never addScriptTag, never bypassCSP). Writes the
 * result to target/browser-artifacts/axe/NAME.json and fails on any serious or critical
 * violation, naming the rule, its impact and the elements.
 *
 * `known` maps a rule id to why it is tolerated for now (a portal problem written up and
 * waiting for its fix); such violations are reported in the JSON and on stderr but do not
 * fail. Keep it empty unless a test says `// KNOWN:` beside it.
 */
export async function axeCheck(page, name, { known = {} } = {}) {
  axeSource ??= fs.readFileSync(path.join(here, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) {
    await page.evaluate(axeSource);
  }
  const result = await page.evaluate(
    (tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] }),
    AXE_TAGS,
  );
  const dir = path.join(artifacts, 'axe');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${fileName(name)}.json`), `${JSON.stringify(result, null, 2)}\n`);

  assert.ok(result.passes.length > 0, `axe ran no rule on ${name} (${page.url()})`);
  const serious = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const describe = (v) =>
    `${v.id} (${v.impact}): ${v.help}\n    ${v.helpUrl}\n` +
    v.nodes
      .map((n) => `    at ${n.target.join(' ')}${n.failureSummary ? `: ${n.failureSummary.replace(/\s*\n\s*/g, '; ')}` : ''}`)
      .join('\n');
  const tolerated = serious.filter((v) => Object.hasOwn(known, v.id));
  for (const v of tolerated) {
    process.stderr.write(`KNOWN on ${name}: ${describe(v)}\n  why tolerated: ${known[v.id]}\n`);
  }
  const failing = serious.filter((v) => !Object.hasOwn(known, v.id));
  assert.equal(
    failing.length,
    0,
    `axe found ${failing.length} serious or critical violation(s) on ${name} (${page.url()}):\n  ` +
      failing.map(describe).join('\n  '),
  );
  return result;
}

/**
 * A CTAP2 platform authenticator with resident keys and user verification, on this page only
 * (DevTools protocol, WebAuthn domain); a second call for the same page gives the same one.
 * Returns its id and helpers: `setUserVerified(bool)`
 * (false: the next ceremony's user verification fails), `credentials()` (what it holds, as
 * WebAuthn.getCredentials gives them), `addCredential(credential)` (to copy a passkey into
 * another page's authenticator) and `remove()`.
 */
export async function virtualAuthenticator(page) {
  const existing = authenticators.get(page);
  if (existing) return existing;
  const made = addAuthenticator(page);
  authenticators.set(page, made);
  return made;
}

/** Each page's virtual authenticator (a promise of it), so that a page never gets two. */
const authenticators = new WeakMap();

async function addAuthenticator(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return {
    id: authenticatorId,
    authenticatorId,
    cdp,
    setUserVerified: (isUserVerified) =>
      cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: Boolean(isUserVerified) }),
    credentials: async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials,
    addCredential: (credential) => cdp.send('WebAuthn.addCredential', { authenticatorId, credential }),
    remove: () => cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId }),
  };
}

/** What has keyboard focus now: tag, attributes and text, for assertions and messages. */
export function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body || el === document.documentElement) return null;
    const a = (n) => el.getAttribute(n);
    return {
      tag: el.tagName.toLowerCase(),
      id: el.id || null,
      name: a('name'),
      value: 'value' in el ? el.value : null,
      lang: a('lang'),
      href: a('href'),
      type: a('type'),
      className: el.className || null,
      text: (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 80),
      inMain: Boolean(el.closest('main')),
      inHeader: Boolean(el.closest('header')),
    };
  });
}

/** A short description of a `focused()` value for messages. */
export function describeFocus(f) {
  if (!f) return '(nothing: the document)';
  return `<${f.tag}${f.id ? ` id="${f.id}"` : ''}${f.name ? ` name="${f.name}"` : ''}${f.href ? ` href="${f.href}"` : ''}> "${f.text}"`;
}

// ---------------------------------------------------------------------------------------------
// The demo's officers, and signing in as one of them.

/** The demo's summary (see `demo()`); fails with what to do when there is none. */
export function requireDemo() {
  const d = demo();
  if (!d) {
    throw new Error(
      'TILLIT_DEMO names no file: run the suite with .ci/browser.sh, which runs `tillit demo --json` ' +
        '(docs/browser-tests.md)',
    );
  }
  return d;
}

/**
 * What each role may do: a copy of `Role::permissions` in crates/tillit-core/src/ra/role.rs
 * (R-ORG-2), to pick the demo's officer for a routine by what the routine needs.
 */
export const ROLE_PERMISSIONS = {
  ra: ['read_people', 'manage_people', 'grant_roles', 'manage_organisation', 'revoke', 'reports', 'read_audit'],
  kra: [
    'read_people', 'manage_people', 'order_cards', 'handle_cards', 'reserve_cards', 'order_credentials',
    'revoke', 'order_puk', 'reports',
  ],
  lra: ['read_people', 'manage_people', 'reserve_cards', 'order_credentials', 'revoke', 'order_puk'],
  ora: ['read_people', 'handle_cards', 'revoke', 'order_puk'],
  kur: ['read_people', 'protected_identity'],
  hsa_admin: ['read_people', 'manage_people'],
  manager: ['read_people', 'request_revocation'],
  security_officer: ['read_people', 'security', 'read_audit', 'reports'],
  card_holder: ['self_service'],
  auditor: ['read_audit', 'reports'],
  dk_ra_admin: ['read_people', 'manage_people', 'grant_roles', 'order_credentials', 'revoke', 'reports', 'read_audit'],
  dk_ra_employee: ['read_people', 'manage_people', 'order_credentials', 'revoke'],
};

/**
 * The demo's officers whose role grants every one of `permissions`, in the demo's order;
 * `unit` (an HR code, e.g. "TK" for the whole municipality) narrows them to that scope.
 */
export function officersWith(permissions, { unit } = {}) {
  const wanted = [].concat(permissions);
  return requireDemo().officers.filter(
    (o) => wanted.every((p) => (ROLE_PERMISSIONS[o.role] ?? []).includes(p)) && (!unit || o.unit === unit),
  );
}

/**
 * The demo's `n`th officer with `role` (0: the first). Each enrolment link works once, so
 * every test file signs in as an officer of its own (docs/browser-tests.md lists them).
 */
export function officer(role, n = 0) {
  const found = requireDemo().officers.filter((o) => o.role === role)[n];
  if (!found) throw new Error(`the demo has no officer number ${n} with role ${role}`);
  return found;
}

/** An officer's enrolment link on this node: the demo's path on TILLIT_URL (serve picks the port). */
export function enrolUrl(who) {
  return url(who.enrol_path);
}

/**
 * Runs `action` (a click, a key press) and waits until the ceremony it starts has left the
 * page for the next one (`left(URL)` true), or the page shows an alert (the portal's notice
 * after a round trip, or portal.js's "the passkey did not answer"), or the node answered
 * the form with an HTTP error page. Returns `{ left, alert, status }`: the alert's text (or
 * the error page's) when the ceremony did not go on.
 */
export async function afterCeremony(page, left, { action = null, timeout = 20_000 } = {}) {
  let failed = null;
  const onResponse = (response) => {
    if (response.frame() === page.mainFrame() && response.request().isNavigationRequest() && response.status() >= 400) {
      failed = response;
    }
  };
  page.on('response', onResponse);
  try {
    if (action) await action();
    const alert = page.locator('[role="alert"]').filter({ hasText: /\S/ });
    const until = Date.now() + timeout;
    for (;;) {
      if (left(new URL(page.url()))) {
        await page.waitForLoadState('load');
        return { left: true, alert: null, status: null };
      }
      if (failed) {
        await page.waitForLoadState('load');
        const text = (await page.locator('body').innerText().catch(() => '')).trim();
        const notice = (await alert.count().catch(() => 0)) ? (await alert.first().innerText()).trim() : null;
        return { left: false, alert: notice ?? `HTTP ${failed.status()}: ${text.slice(0, 300)}`, status: failed.status() };
      }
      if ((await alert.count().catch(() => 0)) > 0) {
        await page.waitForLoadState('load');
        // The page may have moved on in the meantime.
        if (left(new URL(page.url()))) return { left: true, alert: null, status: null };
        const text = await alert.first().innerText().catch(() => '');
        if (text.trim()) return { left: false, alert: text.trim(), status: null };
      }
      if (Date.now() > until) {
        throw new Error(`the ceremony on ${page.url()} neither finished nor showed an alert within ${timeout} ms`);
      }
      await page.waitForTimeout(100);
    }
  } finally {
    page.off('response', onResponse);
  }
}

/** Asserts that the header says `who` is signed in (the header's "Signed in as …"). */
export async function assertSignedIn(page, who, lang = 'en') {
  const me = page.locator('header form.me span');
  assert.equal(await me.count(), 1, `the header shows who is signed in on ${page.url()}`);
  assert.equal((await me.innerText()).trim(), fill(messages(lang)['signed-in-as'], { name: who.name }));
  assert.equal(
    await page.locator('header').getByRole('button', { name: messages(lang)['sign-out'], exact: true }).count(),
    1,
    'the header has the sign-out button',
  );
}

/** Asserts that no one is signed in: no sign-out button, no name in the header. */
export async function assertSignedOut(page, lang = 'en') {
  assert.equal(await page.locator('header form.me').count(), 0, `no one is signed in on ${page.url()}`);
  assert.equal(
    await page.getByRole('button', { name: messages(lang)['sign-out'], exact: true }).count(),
    0,
    'no sign-out button',
  );
}

/**
 * Enrols `who`'s passkey from the demo's enrolment link with the page's virtual authenticator
 * (fills in the passkey's name, "Create passkey"), which signs them in: waits for the start
 * page and checks the header. The page keeps the passkey for later sign-ins and signatures;
 * returns its authenticator. `axe`: a test's name; then the enrolment page gets a screenshot
 * (`<axe>-enrol-<lang>.png`) and an axe check before the passkey is made.
 */
export async function signIn(page, who, { lang = 'en', passkeyName = 'Virtual key', axe = null } = {}) {
  const t = messages(lang);
  const auth = await virtualAuthenticator(page);
  const response = await page.goto(enrolUrl(who));
  assert.equal(response.status(), 200, `the enrolment link of ${who.name} (${who.role}) works`);
  assert.equal((await page.locator('h1').innerText()).trim(), t['enrol-title']);
  if (axe) {
    await shot(page, `${axe}-enrol-${lang}`);
    await axeCheck(page, `enrol-${lang}`);
  }
  await page.getByLabel(t['enrol-name-label'], { exact: true }).fill(passkeyName);
  const done = await afterCeremony(page, (u) => u.pathname === '/', {
    action: () => page.getByRole('button', { name: t['enrol-button'], exact: true }).click(),
  });
  assert.ok(done.left, `enrolling ${who.name}'s passkey was refused: ${done.alert}`);
  assert.equal(page.url(), url('/'), 'the enrolment leads to the start page');
  await assertSignedIn(page, who, lang);
  return auth;
}

/**
 * Signs in on the sign-in page with the passkey the page's authenticator holds ("Sign in with
 * passkey"). Returns `{ left, alert, status }` as `afterCeremony`: with `expect: 'refused'` the
 * caller checks the refusal, otherwise a refusal fails here and, given `who`, the header is
 * checked.
 */
export async function signInWithPasskey(page, { who = null, lang = 'en', expect = 'ok' } = {}) {
  const t = messages(lang);
  const response = await page.goto(url('/sign-in'));
  assert.equal(response.status(), 200);
  const done = await afterCeremony(page, (u) => u.pathname !== '/sign-in', {
    action: () => page.getByRole('button', { name: t['sign-in-passkey'], exact: true }).click(),
  });
  if (expect === 'ok') {
    assert.ok(done.left, `the passkey sign-in was refused: ${done.alert}`);
    if (who) await assertSignedIn(page, who, lang);
  }
  return done;
}

/** Signs out with the header's button; waits for the sign-in page. */
export async function signOut(page, lang = 'en') {
  await page.locator('header').getByRole('button', { name: messages(lang)['sign-out'], exact: true }).click();
  await page.waitForURL((u) => u.pathname === '/sign-in');
  await assertSignedOut(page, lang);
}

/**
 * A Playwright `clientCertificates` entry for `who`'s demo credential on `origin`: the
 * PKCS#12 file itself, or, when Node's OpenSSL cannot read it (a legacy encryption), its
 * certificate and key converted once with `openssl pkcs12 -nodes` into PEM files in a
 * temporary directory.
 */
export async function clientCertificate(who, origin) {
  const tls = await import('node:tls');
  const pfx = fs.readFileSync(who.p12);
  try {
    tls.createSecureContext({ pfx, passphrase: who.p12_password });
    return { origin, pfxPath: who.p12, passphrase: who.p12_password };
  } catch (err) {
    const { execFileSync } = await import('node:child_process');
    const os = await import('node:os');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tillit-browser-cert-'));
    process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
    const pass = `pass:${who.p12_password}`;
    const certPath = path.join(dir, 'cert.pem');
    const keyPath = path.join(dir, 'key.pem');
    const run = (args) => execFileSync('openssl', ['pkcs12', '-in', who.p12, '-passin', pass, '-nodes', ...args]);
    const legacy = (args) => {
      try {
        return run(args);
      } catch {
        return run(['-legacy', ...args]);
      }
    };
    fs.writeFileSync(certPath, legacy(['-clcerts', '-nokeys']), { mode: 0o600 });
    fs.writeFileSync(keyPath, legacy(['-nocerts']), { mode: 0o600 });
    process.stderr.write(`${who.p12}: Node's OpenSSL refused it (${err.message}); converted to PEM in ${dir}\n`);
    return { origin, certPath, keyPath };
  }
}

/**
 * On a flow's review page: "Sign and send" (the page's passkey signs the action), then waits
 * for what follows: the result page (done, or refused with the rule), the review page again
 * with the portal's notice, or portal.js's alert when the passkey did not answer. Returns
 * `{ done, refused, alert }` (`alert`: the notice's or alert's text).
 */
export async function signAndSend(page, lang = 'en') {
  const t = messages(lang);
  await page.getByRole('button', { name: t['sign-and-send'], exact: true }).click();
  const outcome = page.locator(
    'main .done[role="status"], main .refusal[role="alert"], main p.notice[role="alert"], main [data-status][role="alert"]',
  );
  await outcome.first().waitFor({ state: 'visible', timeout: 20_000 });
  await page.waitForLoadState('load');
  const which = await outcome.first().evaluate((e) => e.className);
  const text = (await outcome.first().innerText()).trim();
  return {
    done: which.includes('done'),
    refused: which.includes('refusal'),
    alert: which.includes('done') || which.includes('refusal') ? null : text,
  };
}

/** The text of the `<dd>` after the `<dt>` that reads `label`, in the page's first `dl` of that class. */
export async function fact(page, label, { list = 'dl.facts' } = {}) {
  const dt = page.locator(`${list} > dt`).filter({ hasText: new RegExp(`^\\s*${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`) });
  assert.ok((await dt.count()) >= 1, `"${label}" in ${list} on ${page.url()}`);
  return (await dt.first().locator('xpath=following-sibling::dd[1]').innerText()).trim();
}
