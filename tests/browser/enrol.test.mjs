// Passkeys (docs/design/portal.md §1.3, §4 test 1): the demo's RA administrator enrols a
// passkey from their one-time link, which signs them in; signs out; signs in with the passkey;
// the link's second use is refused; a sign-in whose user verification fails is refused; "My
// passkeys" lists the passkey. axe on the enrolment, sign-in and My passkeys pages.
//
// The tests run in order on one page: the virtual authenticator (and so the passkey) belongs
// to that page.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  afterCeremony,
  assertSignedIn,
  assertSignedOut,
  axeCheck,
  enrolUrl,
  fill,
  launch,
  messages,
  officer,
  open,
  requireDemo,
  shot,
  signIn,
  signInWithPasskey,
  signOut,
  url,
  virtualAuthenticator,
} from './lib.mjs';

const lang = 'en';
const t = messages(lang);
const PASSKEY_NAME = 'Browser suite key';

let browser;
let session; // { context, page, errors, close }
let who;

before(async () => {
  requireDemo();
  // The RA administrator: this file is the only one that uses their enrolment link.
  who = officer('ra');
  browser = await launch();
  session = await open(browser, { lang });
});
after(async () => {
  try {
    await session?.close(); // fails on any console or page error of the whole file
  } finally {
    await browser?.close();
  }
});

test('the demo\'s enrolment link creates a passkey and signs the officer in', async () => {
  const { page } = session;
  const auth = await signIn(page, who, { lang, passkeyName: PASSKEY_NAME, axe: 'enrol' });
  await shot(page, `enrol-start-${lang}-signed-in`);
  // The passkey is a discoverable credential of the RP id "localhost", made with UV.
  const creds = await auth.credentials();
  assert.equal(creds.length, 1, 'the authenticator holds one passkey');
  assert.equal(creds[0].rpId, 'localhost');
  assert.equal(creds[0].isResidentCredential, true, 'a discoverable credential (resident key)');
  // The start page a signed-in officer sees: the search and the header's links.
  assert.equal(await page.locator('header nav a[href="/me/passkeys"]').count(), 1);
});

test('"My passkeys" lists the new passkey', async () => {
  const { page } = session;
  await page.locator('header nav').getByRole('link', { name: t['nav-me'], exact: true }).click();
  await page.waitForURL(url('/me/passkeys'));
  assert.equal((await page.locator('h1').innerText()).trim(), t['my-passkeys-title']);
  const table = page.getByRole('table', { name: t['my-passkeys-caption'] });
  assert.equal(await table.count(), 1, 'the passkeys table, named by its caption');
  const rows = table.locator('tbody tr');
  assert.equal(await rows.count(), 1, 'one passkey');
  assert.equal((await rows.first().locator('td').first().innerText()).trim(), PASSKEY_NAME);
  assert.equal(await rows.first().locator('td').nth(1).locator('time[datetime]').count(), 1, 'its creation time');
  await shot(page, `enrol-my-passkeys-${lang}`);
  await axeCheck(page, `my-passkeys-${lang}`);
  // At 320 CSS px, with the signed-in header (its links and the sign-out button).
  await page.setViewportSize({ width: 320, height: 640 });
  try {
    await shot(page, `enrol-my-passkeys-${lang}-320px`);
    await axeCheck(page, `my-passkeys-${lang}-320px`);
    const wide = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(wide <= 0, `My passkeys scrolls sideways by ${wide}px at 320 CSS px (WCAG 1.4.10)`);
  } finally {
    await page.setViewportSize({ width: 1280, height: 800 });
  }
});

test('sign-out ends the session', async () => {
  const { page } = session;
  await page.goto(url('/'));
  await signOut(page, lang);
  assert.equal(new URL(page.url()).pathname, '/sign-in');
  // The session is gone on the server too: a page behind sign-in leads to the sign-in page.
  await page.goto(url('/me/passkeys'));
  const now = new URL(page.url());
  assert.equal(now.pathname, '/sign-in', `/me/passkeys after sign-out leads to the sign-in page, not ${page.url()}`);
  assert.equal(now.searchParams.get('return'), '/me/passkeys', 'and back to the page after signing in');
  await assertSignedOut(page, lang);
  await shot(page, `enrol-sign-in-${lang}`);
  await axeCheck(page, `sign-in-${lang}`);
});

test('sign-in with the passkey', async () => {
  const { page } = session;
  await signInWithPasskey(page, { who, lang });
  assert.equal(page.url(), url('/'), 'the sign-in leads to the start page');
  // The passkey's use is recorded: "Last used" is a time now, not "Never".
  await page.goto(url('/me/passkeys'));
  const row = page.locator('table tbody tr').first();
  assert.equal(await row.locator('td').nth(2).locator('time[datetime]').count(), 1, '"Last used" is set by the sign-in');
});

test('the enrolment link works once: its second use shows "cannot be used" (HTTP 410)', async () => {
  const { page } = session;
  session.expectHttpError(410, new URL(enrolUrl(who)).pathname);
  const response = await page.goto(enrolUrl(who));
  assert.equal(response.status(), 410);
  assert.equal((await page.locator('h1').innerText()).trim(), t['link-unusable-title']);
  assert.equal((await page.locator('main p').first().innerText()).trim(), t['link-unusable-text']);
  assert.equal(await page.locator('form[data-webauthn]').count(), 0, 'no passkey form on it');
  await shot(page, `enrol-link-used-${lang}`);
  await axeCheck(page, `link-unusable-${lang}`);
});

test('a sign-in whose user verification fails is refused (UV required)', async () => {
  const { page } = session;
  const auth = await virtualAuthenticator(page);
  await page.goto(url('/'));
  await signOut(page, lang);
  await auth.setUserVerified(false);
  // Refused by the authenticator (no answer) or by the node (401 and its notice).
  session.expectHttpError(401, '/sign-in');
  try {
    const done = await signInWithPasskey(page, { lang, expect: 'refused' });
    assert.equal(done.left, false, `the sign-in without user verification went on to ${page.url()}`);
    assert.equal(new URL(page.url()).pathname, '/sign-in', 'stays on the sign-in page');
    // Either the authenticator refused (portal.js: "did not answer") or the node did (its
    // notice, "The sign-in was not accepted: …").
    const failed = fill(t['sign-in-failed'], { reason: '' }).trim();
    assert.ok(
      done.alert === t['passkey-failed'] || done.alert.startsWith(failed),
      `the alert says the sign-in failed: "${done.alert}"`,
    );
    await assertSignedOut(page, lang);
    await shot(page, `enrol-sign-in-${lang}-uv-refused`);
    await axeCheck(page, `sign-in-${lang}-refused`);
  } finally {
    await auth.setUserVerified(true);
  }
  // And with the PIN given again, the same passkey signs in.
  await signInWithPasskey(page, { who, lang });
  await assertSignedIn(page, who, lang);
});

test('"My passkeys" in the header leads to the page; a signed-out visit does not', async () => {
  const { page } = session;
  // Signed in (the previous test): the page answers 200.
  const response = await page.goto(url('/me/passkeys'));
  assert.equal(response.status(), 200);
  // A fresh browser without the session is sent to sign in.
  const other = await open(browser, { lang });
  try {
    await other.page.goto(url('/me/passkeys'));
    assert.equal(new URL(other.page.url()).pathname, '/sign-in');
    // And it has no passkey for this officer: the sign-in button fails there.
    await virtualAuthenticator(other.page);
    other.expectHttpError(401, '/sign-in');
    const done = await afterCeremony(other.page, (u) => u.pathname !== '/sign-in', {
      action: () => other.page.getByRole('button', { name: t['sign-in-passkey'], exact: true }).click(),
    });
    assert.equal(done.left, false, 'an authenticator without the passkey cannot sign in');
  } finally {
    await other.close();
  }
});

// The portal's pages say `Referrer-Policy: same-origin`, so the browser's own form POSTs carry
// the portal's Origin, which every POST must (with `no-referrer` Chromium sends `Origin: null`
// and the portal refuses the POST with 403).
test(
  'the browser\'s own form POST passes the portal\'s Origin check (sign-out)',
  async () => {
    const { page } = session;
    await page.goto(url('/'));
    await assertSignedIn(page, who, lang);
    {
      const request = page.waitForRequest((r) => r.method() === 'POST' && new URL(r.url()).pathname === '/sign-out');
      await page.locator('header').getByRole('button', { name: t['sign-out'], exact: true }).click();
      const sent = await request;
      const response = await sent.response();
      await page.waitForLoadState('load');
      assert.notEqual(
        response?.status(),
        403,
        `the sign-out POST (Origin: ${(await sent.allHeaders()).origin}) was refused: ${await page.locator('body').innerText()}`,
      );
      assert.equal(new URL(page.url()).pathname, '/sign-in');
      await assertSignedOut(page, lang);
    }
  },
);
