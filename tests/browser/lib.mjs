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

/**
 * The portal's texts in `lang`, read from crates/tillit-portal/locales/LANG/portal.ftl, so the
 * tests follow the translations. Only simple one-line messages (`id = text`) are read.
 */
export function messages(lang) {
  const file = path.join(root, 'crates', 'tillit-portal', 'locales', lang, 'portal.ftl');
  const out = {};
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const m = /^([a-zA-Z][\w-]*)\s*=\s*(.*\S)\s*$/.exec(line);
    if (m) out[m[1]] = m[2];
  }
  return out;
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
 * matched as narrowly as possible.
 */
function knownConsoleError(text, at) {
  // KNOWN: the portal serves no favicon and its pages name none, so Chromium's automatic
  // GET /favicon.ico gets the server's 404 and logs "Failed to load resource: … 404". Fix in
  // the portal: a `<link rel="icon" href="/assets/…svg">` in layout.html and that asset (or a
  // /favicon.ico route); then delete this case.
  let pathname = null;
  try {
    pathname = new URL(at).pathname;
  } catch {
    return false;
  }
  return pathname === '/favicon.ico' && /status of 404\b/.test(text);
}

/**
 * A fresh context (its own cookies) and page. `lang` sets the Accept-Language header; `tls`
 * accepts the node's own HTTPS certificate; other options go to browser.newContext.
 * Every console error and uncaught page error (a CSP or Trusted Types violation is one) is
 * collected; `close()` closes the context and fails if there were any.
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
  const watch = (p) => {
    p.on('console', (msg) => {
      if (msg.type() !== 'error') return;
      const at = msg.location();
      if (knownConsoleError(msg.text(), at?.url)) return;
      errors.push(`console error on ${p.url()}: ${msg.text()}${at?.url ? ` (${at.url}:${at.lineNumber})` : ''}`);
    });
    p.on('pageerror', (err) => errors.push(`page error on ${p.url()}: ${err.message}`));
    p.on('crash', () => errors.push(`the page crashed on ${p.url()}`));
  };
  watch(page);
  context.on('page', (p) => p !== page && watch(p));
  const close = async () => {
    await context.close();
    assert.deepEqual(errors, [], `the browser reported errors:\n  ${errors.join('\n  ')}`);
  };
  return { context, page, errors, close };
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
 * (DevTools protocol, WebAuthn domain). Returns its id and helpers: `setUserVerified(bool)`
 * (false: the next ceremony's user verification fails), `credentials()` (what it holds, as
 * WebAuthn.getCredentials gives them), `addCredential(credential)` (to copy a passkey into
 * another page's authenticator) and `remove()`.
 */
export async function virtualAuthenticator(page) {
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
