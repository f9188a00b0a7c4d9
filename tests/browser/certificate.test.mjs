// Certificate sign-in on the HTTPS listener (docs/design/portal.md §1.3, §4 test 8): a browser
// that presents a client certificate this node issued to an officer is offered "Sign in with
// your certificate" on the sign-in page, and it signs in; a browser without one is not.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { after, before, test } from 'node:test';

import {
  assertSignedIn,
  assertSignedOut,
  axeCheck,
  clientCertificate,
  launch,
  messages,
  officer,
  pattern,
  requireDemo,
  shot,
  tlsUrl,
  withPage,
} from './lib.mjs';

const lang = 'en';
const t = messages(lang);

let browser;
let who;
let origin;

before(async () => {
  requireDemo();
  // The security officer: a certificate sign-in uses no enrolment link, and no other file
  // signs in as them.
  who = officer('security_officer');
  origin = new URL(tlsUrl('/')).origin;
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** The serial number of `who`'s certificate (openssl reads the .p12), lower-case hex without leading zeros; null without openssl. */
function serialOf(who) {
  try {
    const pem = execFileSync(
      'openssl',
      ['pkcs12', '-in', who.p12, '-passin', `pass:${who.p12_password}`, '-nokeys', '-clcerts'],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    return new X509Certificate(pem).serialNumber.toLowerCase().replace(/^0+/, '');
  } catch {
    return null;
  }
}

test('with the officer\'s client certificate the sign-in page offers it, and it signs in', async () => {
  const cert = await clientCertificate(who, origin);
  await withPage(browser, { lang, tls: true, clientCertificates: [cert] }, async (page) => {
    const response = await page.goto(tlsUrl('/sign-in'));
    assert.equal(response.status(), 200);
    assert.equal(
      await page.getByRole('heading', { name: t['sign-in-certificate-title'], exact: true }).count(),
      1,
      `the heading "${t['sign-in-certificate-title']}"`,
    );
    const button = page.getByRole('button', { name: pattern(t['sign-in-certificate']) });
    assert.equal(await button.count(), 1, 'the certificate sign-in button');
    const serial = serialOf(who);
    if (serial) {
      const shown = /([0-9a-fA-F:]+)\)\s*$/.exec(await button.innerText())?.[1] ?? '';
      assert.equal(shown.replace(/:/g, '').toLowerCase().replace(/^0+/, ''), serial, 'the button names the certificate\'s serial');
    }
    // The passkey sign-in is still there beside it.
    assert.equal(await page.getByRole('button', { name: t['sign-in-passkey'], exact: true }).count(), 1);
    await shot(page, `certificate-sign-in-${lang}`);
    await axeCheck(page, `sign-in-${lang}-certificate`);

    await button.click();
    await page.waitForURL((u) => u.pathname === '/');
    assert.equal(new URL(page.url()).origin, origin, 'stays on the HTTPS listener');
    await assertSignedIn(page, who, lang);
    await shot(page, `certificate-start-${lang}-signed-in`);
    // The session is a real one: a page behind sign-in answers.
    const mine = await page.goto(tlsUrl('/me/passkeys'));
    assert.equal(mine.status(), 200);
    assert.equal(new URL(page.url()).pathname, '/me/passkeys');
    await assertSignedIn(page, who, lang);
  });
});

test('without a client certificate there is no certificate sign-in', async () => {
  await withPage(browser, { lang, tls: true }, async (page) => {
    const response = await page.goto(tlsUrl('/sign-in'));
    assert.equal(response.status(), 200);
    assert.equal(await page.getByRole('heading', { name: t['sign-in-certificate-title'], exact: true }).count(), 0);
    assert.equal(await page.getByRole('button', { name: pattern(t['sign-in-certificate']) }).count(), 0);
    assert.equal(await page.locator('form[action="/sign-in/certificate"]').count(), 0);
    assert.equal(await page.getByRole('button', { name: t['sign-in-passkey'], exact: true }).count(), 1);
    await assertSignedOut(page, lang);
    await shot(page, `certificate-sign-in-${lang}-no-certificate`);
  });
});
