// The SIS card routines as flows (docs/design/portal.md §1.3, §4 tests 2 and 4), as the demo's
// card officer (KRA) signed in with a passkey: the card the demo left waiting is handed out
// (form by keyboard, review, "Sign and send", done); an order basis for the person with no
// card; a second one for the same person refused with R-CARD-6, focus on the alert. axe on
// the form, review and result pages.
//
// The tests run in order on one page (the officer's passkey lives in its authenticator).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { request } from 'playwright-core';

import {
  axeCheck,
  clientCertificate,
  describeFocus,
  fact,
  focused,
  launch,
  messages,
  officersWith,
  open,
  requireDemo,
  shot,
  signAndSend,
  signIn,
  tlsUrl,
  url,
} from './lib.mjs';

const lang = 'en';
const t = messages(lang);

let browser;
let session; // { context, page, errors, close }
let api; // the API on the HTTPS listener, with the officer's client certificate
let demo;
let kra;

before(async () => {
  demo = requireDemo();
  // The first officer who may order and hand out cards on the whole municipality: the demo's
  // first KRA. This file is the only one that uses their enrolment link.
  kra = officersWith(['order_cards', 'handle_cards'], { unit: 'TK' })[0];
  assert.ok(kra, 'the demo has a card officer (order_cards and handle_cards) on the whole municipality');
  browser = await launch();
  session = await open(browser, { lang });
  await signIn(session.page, kra, { lang, passkeyName: 'Card desk key' });
  const origin = new URL(tlsUrl('/')).origin;
  api = await request.newContext({
    baseURL: origin,
    ignoreHTTPSErrors: true,
    clientCertificates: [await clientCertificate(kra, origin)],
  });
});
after(async () => {
  try {
    await api?.dispose();
    await session?.close(); // fails on any console or page error of the whole file
  } finally {
    await browser?.close();
  }
});

/** Escapes `text` for a regular expression. */
const literal = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Fills a flow's form with the keyboard only, as an officer at the desk would: the skip link
 * (Tab, Enter) into the main content, then Tab from field to field in the form's order. Each
 * step is [field name, value]: `true` ticks a checkbox with Space, `{ option }` chooses a
 * select's option by typing its label, a string is typed, `null` leaves the field as it is.
 * Ends with Tab to the "Review" button and Enter, and waits for the review page.
 */
async function fillByKeyboard(page, steps) {
  await page.keyboard.press('Tab');
  assert.equal((await focused(page))?.href, '#main', 'the first Tab focuses the skip link');
  await page.keyboard.press('Enter');
  for (const [name, value] of steps) {
    await page.keyboard.press('Tab');
    const f = await focused(page);
    assert.equal(f?.id, `f-${name}`, `Tab reaches the field "${name}" next, not ${describeFocus(f)}`);
    const field = page.locator(`#f-${name}`);
    if (value === true) {
      await page.keyboard.press('Space');
      assert.equal(await field.isChecked(), true, `Space ticks "${name}"`);
    } else if (value && typeof value === 'object') {
      await page.keyboard.type(value.label);
      assert.equal(await field.inputValue(), value.option, `typing "${value.label}" chooses ${value.option} in "${name}"`);
    } else if (typeof value === 'string') {
      await page.keyboard.type(value);
      assert.equal(await field.inputValue(), value);
    }
  }
  await page.keyboard.press('Tab');
  const button = await focused(page);
  assert.equal(button?.text, t['review-button'], `after the fields, Tab reaches "${t['review-button']}", not ${describeFocus(button)}`);
  await page.keyboard.press('Enter');
  await page.waitForURL((u) => u.pathname.startsWith('/sign/'));
}

/** Checks the review page of flow `flow`: its heading, the officer's entries and the API path signed. */
async function checkReview(page, flow, entries, apiPath) {
  assert.equal((await page.locator('h1').innerText()).trim(), `${t['review-title']}: ${t[`flow-${flow}`]}`);
  for (const [label, value] of entries) {
    assert.equal(await fact(page, label, { list: 'dl.review' }), value, `the review lists ${label}`);
  }
  // What the passkey signs (under "What is signed"): the API's own action text.
  const signed = await page.locator('details pre').first().textContent();
  assert.ok(signed.includes(apiPath), `the signed action text names ${apiPath}:\n${signed}`);
  assert.equal(await page.getByRole('button', { name: t['sign-and-send'], exact: true }).count(), 1);
}

/** Whether keyboard focus is on the element `selector` (the page's data-autofocus). */
function focusOn(page, selector) {
  return page.evaluate((s) => document.activeElement === document.querySelector(s), selector);
}

test('hand out the card waiting for hand-out: keyboard form, review, "Sign and send", done', async (tt) => {
  const { page } = session;
  const { person, card } = demo.people.card_awaiting_hand_out;

  // The holder's identity as the person page shows it (the document at the desk says the same).
  const personPage = await page.goto(url(`/people/${person}`));
  if (personPage.status() === 404) {
    tt.skip('person page not yet served: the holder\'s national id and names are read from it');
    return;
  }
  assert.equal(personPage.status(), 200);
  const name = await fact(page, t['read-col-name']);
  const nationalId = (await page.locator('dl.facts > dd').nth(1).innerText()).trim();
  assert.match(nationalId, /^\d{8}-\d{4}$/, 'the person page shows the holder\'s personnummer');
  const [given, family] = [name.replace(/\s+\S+$/, ''), name.replace(/^.*\s/, '')];

  // From the card's page to the hand-out, as an officer would go.
  const cardPage = await page.goto(url(`/cards/${card}`));
  if (cardPage.status() === 200) {
    assert.equal(await fact(page, t['read-col-status']), t['card-status-delivered']);
    await page.getByRole('link', { name: t['read-card-action-hand-out'], exact: true }).click();
    await page.waitForURL(url(`/cards/${card}/hand-out`));
  } else {
    await page.goto(url(`/cards/${card}/hand-out`));
  }
  assert.equal((await page.locator('h1').innerText()).trim(), t['flow-hand-out']);
  await shot(page, `card-hand-out-form-${lang}`);
  await axeCheck(page, `flow-hand-out-form-${lang}`);

  const receipt = `kvittens-browser-${Date.now()}`;
  await fillByKeyboard(page, [
    ['holder_present', true],
    ['document_kind', { label: t['document-passport'], option: 'passport' }],
    ['document_number', 'TK7654321'],
    ['national_id', nationalId],
    ['given_names', given],
    ['family_name', family],
    ['pin_letter', true],
    ['receipt', receipt],
  ]);
  await checkReview(
    page,
    'hand-out',
    [
      [t['field-holder_present'], t['answer-yes']],
      [t['field-document_kind'], t['document-passport']],
      [t['field-national_id'], nationalId],
      [t['field-given_names'], given],
      [t['field-family_name'], family],
      [t['field-receipt'], receipt],
    ],
    `/api/v1/cards/${card}/hand-out`,
  );
  await shot(page, `card-hand-out-review-${lang}`);
  await axeCheck(page, `flow-hand-out-review-${lang}`);

  const outcome = await signAndSend(page, lang);
  assert.ok(outcome.done, `the hand-out is done (${outcome.alert ?? (await page.locator('main').innerText())})`);
  assert.equal((await page.locator('h1').innerText()).trim(), `${t['flow-hand-out']}: ${t['result-done']}`);
  assert.equal((await page.locator('main .done').innerText()).trim(), t['result-done-text']);
  assert.ok(await focusOn(page, 'main .done'), 'focus is on the result\'s status');
  await shot(page, `card-hand-out-done-${lang}`);
  await axeCheck(page, `flow-hand-out-done-${lang}`);

  // The record: the card is handed out, and the holder's history has the step signed with a
  // passkey.
  await page.getByRole('link', { name: t['result-to-record'], exact: true }).click();
  await page.waitForURL(url(`/cards/${card}`));
  assert.equal(await fact(page, t['read-col-status']), t['card-status-handed_out']);
  await page.goto(url(`/people/${person}`));
  const passkeySigned = page.locator('table tbody td', { hasText: new RegExp(`^\\s*${literal(t['read-signed-passkey'])}\\s*$`) });
  assert.ok((await passkeySigned.count()) >= 1, 'the holder\'s history lists a step signed with a passkey');
});

/** The unit id and card type proposal for an order basis for `person`: the unit from the person page, its id from the API. */
async function unitOf(page, person) {
  const response = await page.goto(url(`/people/${person}`));
  // The unit's name is on the person page only (the demo's summary names no unit for the
  // person, and the API's person has no employments).
  assert.equal(response.status(), 200, `the person page /people/${person}, which names the person's unit`);
  const units = await page
    .getByRole('table', { name: new RegExp(`^${literal(t['read-employments-caption'].replace(/\{[^}]*\}.*$/, ''))}`) })
    .locator('tbody th[scope="row"]')
    .allInnerTexts();
  assert.ok(units.length >= 1, 'the person page lists an employment');
  // The form offers the person's units by name; the card-type proposal is the API's.
  const orgs = await (await api.get('/api/v1/orgs')).json();
  const unit = orgs.find((o) => o.name === units[0].trim());
  assert.ok(unit, `the unit "${units[0]}" is in the officer's organisation tree (${orgs.map((o) => o.name).join(', ')})`);
  const choice = await (await api.get(`/api/v1/persons/${person}/card-choice?org=${unit.id}`)).json();
  return { unit, choice };
}

/** The order-basis form for `person`, filled by keyboard, reviewed and signed; `refusal`: the result is expected to be a refusal. */
async function orderBasis(page, person, unit, choice, name, { refusal = false } = {}) {
  await page.goto(url(`/people/${person}/cards/new`));
  assert.equal((await page.locator('h1').innerText()).trim(), t['flow-order-basis']);
  await shot(page, `card-order-basis-form-${lang}${name ? `-${name}` : ''}`);
  await axeCheck(page, `flow-order-basis-form-${lang}${name ? `-${name}` : ''}`);
  // An SIS card; when the guideline proposes another type, the reason for overriding it.
  const override = choice.kind === 'sis' ? null : 'The holder needs a photo card (browser suite)';
  await fillByKeyboard(page, [
    ['kind', { label: t['kind-sis'], option: 'sis' }],
    // The unit is chosen by its name among the person's units.
    ['org', { label: unit.name, option: unit.id }],
    ['override_reason', override],
  ]);
  await checkReview(page, 'order-basis', [[t['field-kind'], t['kind-sis']], [t['field-org'], unit.name]], `/api/v1/persons/${person}/cards`);
  await shot(page, `card-order-basis-review-${lang}${name ? `-${name}` : ''}`);
  await axeCheck(page, `flow-order-basis-review-${lang}${name ? `-${name}` : ''}`);
  // A refusal's result page answers 422, which the browser logs.
  if (refusal) session.expectHttpError(422, new URL(page.url()).pathname);
  return signAndSend(page, lang);
}

let noCard; // { person, unit, choice } once the first order basis is done

test('order basis for the person with no card: done', async () => {
  const { page } = session;
  const person = demo.people.no_card;
  const { unit, choice } = await unitOf(page, person);
  assert.ok(!choice.binding || choice.kind === 'sis', `an SIS card may be chosen for the person (${JSON.stringify(choice)})`);
  const outcome = await orderBasis(page, person, unit, choice, '');
  assert.ok(outcome.done, `the order basis is done (${outcome.alert ?? (await page.locator('main').innerText())})`);
  assert.equal((await page.locator('h1').innerText()).trim(), `${t['flow-order-basis']}: ${t['result-done']}`);
  assert.ok(await focusOn(page, 'main .done'), 'focus is on the result\'s status');
  await shot(page, `card-order-basis-done-${lang}`);
  await axeCheck(page, `flow-order-basis-done-${lang}`);
  noCard = { person, unit, choice };
});

test('a second order basis for the same person is refused: R-CARD-6, its title and remedy, focus on the alert', async () => {
  assert.ok(noCard, 'the first order basis was done');
  const { page } = session;
  const outcome = await orderBasis(page, noCard.person, noCard.unit, noCard.choice, 'again', { refusal: true });
  assert.ok(outcome.refused, `the second order basis is refused (${outcome.alert ?? (await page.locator('main').innerText())})`);
  assert.equal((await page.locator('h1').innerText()).trim(), `${t['flow-order-basis']}: ${t['result-refused']}`);
  const alert = page.locator('main .refusal[role="alert"]');
  assert.equal(
    (await alert.locator('strong').first().innerText()).trim(),
    `R-CARD-6: ${t['rule-R-CARD-6']}`,
    'the refusal names the rule and its title',
  );
  assert.ok((await alert.innerText()).includes(t['remedy-R-CARD-6']), 'and its remedy');
  assert.ok(await focusOn(page, 'main .refusal'), 'focus is on the alert');
  assert.equal(await page.getByRole('link', { name: t['result-try-again'], exact: true }).count(), 1);
  await shot(page, `card-order-basis-refused-${lang}`);
  await axeCheck(page, `flow-order-basis-refused-${lang}`);
});
