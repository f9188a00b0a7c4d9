// A revocation in the portal (docs/design/portal.md §4 test 3; R-REV-1..6), as the demo's
// second card officer (KRA) signed in with a passkey: the card handed out in card.test.mjs
// (the files run in name order, so it is handed out by now) is stolen; the holder is at the
// desk with an identity document. The form, the review and "Sign and send"; the result lists
// what to do now, the police report for a stolen SIS card (R-REV-4); the card page then says
// the card is deregistered. axe on the form, review and result pages.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { axeCheck, fact, launch, messages, officer, open, requireDemo, shot, signAndSend, signIn, url } from './lib.mjs';

const lang = 'sv';
const t = messages(lang);

let browser;
let session;
let demo;

before(async () => {
  demo = requireDemo();
  // The second KRA: the first is card.test.mjs's; each enrolment link works once.
  const kra = officer('kra', 1);
  browser = await launch();
  session = await open(browser, { lang });
  await signIn(session.page, kra, { lang, passkeyName: 'Spärrdisken' });
});
after(async () => {
  try {
    await session?.close();
  } finally {
    await browser?.close();
  }
});

test('a stolen card is revoked, and the police instruction is shown', async () => {
  const { page } = session;
  const { person, card } = demo.people.card_awaiting_hand_out;
  const before = await page.goto(url(`/cards/${card}`));
  assert.equal(before.status(), 200);
  assert.equal(
    await fact(page, t['read-col-status']),
    t['card-status-handed_out'],
    'card.test.mjs handed the card out (the files run in name order)',
  );

  await page.goto(url(`/revocations/new?person=${person}`));
  assert.equal((await page.locator('h1').innerText()).trim(), t['flow-revocation']);
  await axeCheck(page, `flow-revocation-form-${lang}`);
  await page.locator('#f-card').fill(card);
  await page.locator('#f-reason').selectOption('key_compromise');
  await page.locator('#f-circumstance').selectOption('stolen');
  await page.locator('#f-identification').selectOption('in_person');
  await page.locator('#f-document_number').fill('AB1234567');
  await shot(page, `revocation-form-${lang}`);
  await page.getByRole('button', { name: t['review-button'], exact: true }).click();
  await page.waitForURL((u) => u.pathname.startsWith('/sign/'));
  assert.equal((await page.locator('h1').innerText()).trim(), `${t['review-title']}: ${t['flow-revocation']}`);
  assert.equal(await fact(page, t['field-circumstance'], { list: 'dl.review' }), t['circumstance-stolen']);
  await axeCheck(page, `flow-revocation-review-${lang}`);

  const outcome = await signAndSend(page, lang);
  assert.ok(outcome.done, `the revocation is done (${outcome.alert ?? (await page.locator('main').innerText())})`);
  assert.equal((await page.locator('h2', { hasText: t['result-instructions'] }).count()), 1, 'what to do now');
  const instructions = await page.locator('ul.instructions li').allInnerTexts();
  assert.ok(
    instructions.includes(t['action-revocation-police_report_instructed']),
    `the police instruction for a stolen SIS card (R-REV-4): ${instructions.join(' | ')}`,
  );
  await shot(page, `revocation-done-${lang}`);
  await axeCheck(page, `flow-revocation-done-${lang}`);

  await page.goto(url(`/cards/${card}`));
  assert.equal(await fact(page, t['read-col-status']), t['card-status-deregistered'], 'the card is deregistered');
});
