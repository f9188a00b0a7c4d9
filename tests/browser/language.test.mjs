// The portal's language: negotiated from Accept-Language, and the officer's own choice through
// the language switch, which sticks (docs/design/portal.md §3, §4 test 5).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { describeFocus, focused, launch, messages, shot, url, withPage } from './lib.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/**
 * Asserts that the page is the start page, as a visitor who is not signed in sees it, in
 * `lang`: <html lang> and the texts of that language (the search and the header's links
 * appear only after sign-in).
 */
async function assertStartPageIn(page, lang) {
  const t = messages(lang);
  assert.equal(await page.getAttribute('html', 'lang'), lang, `<html lang> on ${page.url()}`);
  assert.equal((await page.locator('h1').innerText()).trim(), t['portal-title']);
  assert.equal((await page.locator('a[href="#main"]').first().textContent()).trim(), t['skip-to-content']);
  assert.equal((await page.locator('main p').first().innerText()).trim(), t['start-signed-out']);
  assert.equal(await page.locator('main').getByRole('link', { name: t['sign-in'], exact: true }).count(), 1, `the "${t['sign-in']}" link`);
  assert.equal((await page.locator('label[for="lang"]').innerText()).trim(), t['choose-language']);
  assert.equal(
    await page.getByRole('button', { name: t['choose-language-button'], exact: true }).count(),
    1,
    `the "${t['choose-language-button']}" button`,
  );
}

describe('Accept-Language chooses the language', () => {
  const cases = [
    ['sv', 'sv'],
    ['sv-SE,sv;q=0.9,en;q=0.8', 'sv'],
    ['nb-NO', 'nb'],
    ['no', 'nb'],
    ['da', 'da'],
    ['de', 'en'],
    ['de-DE,fr;q=0.5', 'en'],
  ];
  for (const [accept, lang] of cases) {
    test(`Accept-Language: ${accept} gives ${lang}`, async () => {
      await withPage(browser, { lang: accept }, async (page) => {
        const response = await page.goto(url('/'));
        assert.equal(response.status(), 200);
        assert.equal(response.headers()['content-language'], lang);
        await assertStartPageIn(page, lang);
      });
    });
  }

  test('the Swedish and bokmål pages differ where the languages do', () => {
    // The titles are the same word in Swedish and bokmål; the tests above tell them apart by
    // the other texts. If the catalogues ever make these equal, the tests above prove less.
    const sv = messages('sv');
    const nb = messages('nb');
    assert.notEqual(sv['skip-to-content'], nb['skip-to-content']);
    assert.notEqual(sv['start-signed-out'], nb['start-signed-out']);
  });
});

/**
 * Tabs (at most 60 times) until focus is on the language switch's Danish control and
 * activates it with the keyboard only. Two shapes of switch are understood: one button per
 * language (`<button name="lang" value="da" lang="da">`, design §3), pressed with Enter; or a
 * `<select name="lang">` with a submit button, where Danish is chosen by typing its name and
 * the form sent with Enter on the button.
 */
async function switchToDanishByKeyboard(page) {
  const seen = [];
  for (let i = 0; i < 60; i++) {
    await page.keyboard.press('Tab');
    const f = await focused(page);
    seen.push(describeFocus(f));
    if (!f) continue;
    if (f.tag === 'button' && (f.value === 'da' || f.lang === 'da')) {
      await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
      return;
    }
    if (f.tag === 'select' && f.name === 'lang') {
      await page.keyboard.type(messages('da')['language-name']);
      assert.equal((await focused(page)).value, 'da', 'typing "Dansk" on the language list chooses Danish');
      for (let j = 0; j < 5; j++) {
        await page.keyboard.press('Tab');
        const b = await focused(page);
        if (b?.tag === 'button' && b.type !== 'button') {
          await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
          return;
        }
      }
      assert.fail('no submit button follows the language list in the tab order');
    }
  }
  assert.fail(`no Danish language control reached by Tab; focus went through:\n  ${seen.join('\n  ')}`);
}

test('the language switch, by keyboard, chooses Danish and it sticks', async () => {
  await withPage(browser, { lang: 'sv' }, async (page) => {
    await page.goto(url('/'));
    await assertStartPageIn(page, 'sv');

    await switchToDanishByKeyboard(page);
    await assertStartPageIn(page, 'da');
    await shot(page, 'language-start-da-chosen');

    // The choice outlives a reload, and a fresh visit of the bare start page, although the
    // browser still asks for Swedish.
    await page.reload();
    await assertStartPageIn(page, 'da');
    await page.goto(url('/'));
    await assertStartPageIn(page, 'da');
  });
});
