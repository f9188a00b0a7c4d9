// The portal's response headers and the shape of its HTML (docs/design/portal.md §2): a strict
// CSP with no inline script or style, COOP/CORP, Permissions-Policy, no caching of pages; and
// pages without inline <script>, style= or on…= attributes. Plain HTTP from Node, no browser.

import assert from 'node:assert/strict';
import https from 'node:https';
import { describe, test } from 'node:test';

import { LANGS, launch, open, tlsUrl, url } from './lib.mjs';

/** The CSP directives every portal page carries (crates/tillit-portal/src/web.rs). */
const CSP = {
  'default-src': ["'none'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'"],
  'connect-src': ["'self'"],
  'form-action': ["'self'"],
  'base-uri': ["'none'"],
  'frame-ancestors': ["'none'"],
  'require-trusted-types-for': ["'script'"],
};

function parseCsp(value) {
  const out = {};
  for (const part of value.split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) out[name.toLowerCase()] = sources;
  }
  return out;
}

/** GET on the HTTPS listener, accepting the node's own certificate (localhost only). */
function getTls(href, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = https.get(href, { headers, rejectUnauthorized: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error(`timed out: ${href}`)));
  });
}

/** GET on the plain listener, as { status, headers (lower-case names), body }. */
async function get(href, headers = {}) {
  const res = await fetch(href, { headers, redirect: 'manual' });
  return { status: res.status, headers: Object.fromEntries(res.headers), body: await res.text() };
}

/** The checks every portal page's headers pass. */
function assertPageHeaders(h, where) {
  assert.match(h['content-type'] ?? '', /^text\/html;\s*charset=utf-8$/i, `${where}: Content-Type`);
  const csp = parseCsp(h['content-security-policy'] ?? '');
  for (const [directive, sources] of Object.entries(CSP)) {
    assert.deepEqual(csp[directive], sources, `${where}: CSP ${directive} (got "${h['content-security-policy']}")`);
  }
  for (const [directive, sources] of Object.entries(csp)) {
    assert.ok(
      !sources.some((s) => /^'unsafe-|^\*$|^data:$|^https?:$/.test(s)),
      `${where}: CSP ${directive} allows ${sources.join(' ')}`,
    );
  }
  assert.equal(h['cross-origin-opener-policy'], 'same-origin', `${where}: COOP`);
  assert.equal(h['cross-origin-resource-policy'], 'same-origin', `${where}: CORP`);
  const pp = (h['permissions-policy'] ?? '').split(',').map((s) => s.trim());
  for (const p of [
    'publickey-credentials-get=(self)',
    'publickey-credentials-create=(self)',
    'camera=()',
    'microphone=()',
    'geolocation=()',
  ]) {
    assert.ok(pp.includes(p), `${where}: Permissions-Policy has ${p} (got "${h['permissions-policy']}")`);
  }
  assert.equal(h['cache-control'], 'no-store', `${where}: Cache-Control`);
  assert.equal(h['x-content-type-options'], 'nosniff', `${where}: X-Content-Type-Options`);
  // same-origin, not no-referrer: the portal's forms post to its own origin with its Origin.
  assert.equal(h['referrer-policy'], 'same-origin', `${where}: Referrer-Policy`);
  const vary = (h.vary ?? '').toLowerCase();
  assert.ok(vary.includes('accept-language') && vary.includes('cookie'), `${where}: Vary (got "${h.vary}")`);
}

/** The HTML's tags, with their attributes (comments dropped). */
function tags(html) {
  return html.replace(/<!--[\s\S]*?-->/g, '').match(/<[a-zA-Z][^>]*>/g) ?? [];
}

/** What the CSP would block or what a template must not contain: inline script and style. */
function inlineProblems(html) {
  const problems = [];
  for (const tag of tags(html)) {
    if (/^<script\b/i.test(tag) && !/\ssrc\s*=/i.test(tag)) problems.push(`inline script: ${tag}`);
    if (/^<style\b/i.test(tag)) problems.push(`style element: ${tag}`);
    if (/\sstyle\s*=/i.test(tag)) problems.push(`style attribute: ${tag}`);
    if (/\son[a-z]+\s*=/i.test(tag)) problems.push(`event handler attribute: ${tag}`);
    if (/\s(href|src|action|formaction)\s*=\s*["']?\s*javascript:/i.test(tag)) problems.push(`javascript: URL: ${tag}`);
  }
  return problems;
}

test('the inline-markup check finds what it should', () => {
  const bad = '<p style="x">a</p><script>1</script><button onclick="x()">b</button><a href="javascript:x()">c</a><style>p{}</style>';
  assert.equal(inlineProblems(bad).length, 5);
  const good = '<script src="/assets/portal.js" type="module"></script><p>onion=1 style=2</p><!-- <p style="x"> -->';
  assert.deepEqual(inlineProblems(good), []);
});

describe('start page on the plain HTTP portal', () => {
  for (const lang of LANGS) {
    test(`${lang}: headers and markup`, async () => {
      const res = await get(url('/'), { 'Accept-Language': lang });
      assert.equal(res.status, 200);
      assertPageHeaders(res.headers, `GET / (${lang})`);
      assert.equal(res.headers['content-language'], lang);
      assert.match(res.body, new RegExp(`<html lang="${lang}">`));
      assert.deepEqual(inlineProblems(res.body), [], 'no inline script or style in the HTML');
    });
  }

  test('the stylesheet it links is served as CSS from the same origin', async () => {
    const page = await get(url('/'));
    const hrefs = tags(page.body)
      .filter((t) => /^<link\b/i.test(t) && /rel\s*=\s*"?stylesheet/i.test(t))
      .map((t) => /href\s*=\s*"([^"]+)"/i.exec(t)?.[1]);
    assert.ok(hrefs.length >= 1, 'a stylesheet is linked');
    for (const href of hrefs) {
      const css = await get(new URL(href, url('/')).href);
      assert.equal(new URL(href, url('/')).origin, new URL(url('/')).origin, `${href} is same-origin`);
      assert.equal(css.status, 200, href);
      assert.match(css.headers['content-type'] ?? '', /^text\/css\b/, `${href}: Content-Type`);
      assert.equal(css.headers['x-content-type-options'], 'nosniff', `${href}: nosniff`);
    }
  });
});

describe('start page on the HTTPS listener', () => {
  test('headers and markup', async () => {
    const res = await getTls(tlsUrl('/'), { 'Accept-Language': 'sv' });
    assert.equal(res.status, 200);
    assertPageHeaders(res.headers, 'GET / over HTTPS');
    assert.equal(res.headers['content-language'], 'sv');
    assert.deepEqual(inlineProblems(res.body), []);
  });

  test('HSTS and upgrade-insecure-requests on HTTPS (design §2)', async () => {
    const res = await getTls(tlsUrl('/'));
    assert.match(res.headers['strict-transport-security'] ?? '', /max-age=31536000/);
    assert.ok('upgrade-insecure-requests' in parseCsp(res.headers['content-security-policy'] ?? ''));
  });
});

describe('the CSP in the browser', () => {
  test('inline style and HTML strings are refused, and the suite sees it as an error', async () => {
    const browser = await launch();
    try {
      const { page, errors, close } = await open(browser, { lang: 'en' });
      await page.goto(url('/'));
      assert.deepEqual(errors, [], 'the start page itself loads without errors');
      // An inline <style> element: style-src 'self' refuses it with a console error.
      await page.evaluate(() => {
        const s = document.createElement('style');
        s.textContent = 'body { background: red }';
        document.head.append(s);
      });
      // A string assigned to innerHTML: Trusted Types (require-trusted-types-for 'script')
      // refuse it.
      const refused = await page.evaluate(() => {
        try {
          document.body.innerHTML = '<b>x</b>';
          return false;
        } catch (e) {
          return e instanceof TypeError;
        }
      });
      assert.ok(refused, 'innerHTML with a plain string is refused');
      await page.waitForTimeout(100);
      assert.ok(
        errors.some((e) => /Content Security Policy/i.test(e) && /style/i.test(e)),
        `the inline style's CSP violation reached the error list: ${JSON.stringify(errors)}`,
      );
      await assert.rejects(close(), /the browser reported errors/, 'a page with a CSP violation fails its test');
    } finally {
      await browser.close();
    }
  });
});
