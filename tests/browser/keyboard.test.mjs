// Keyboard use of the start page (docs/design/portal.md §7): the skip link first, visible when
// focused, and leading into the main content; focus visible on every control tabbed through.
// The sign-in page: the passkey button reached by Tab and used with Enter.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  LANGS,
  afterCeremony,
  assertSignedIn,
  describeFocus,
  focused,
  launch,
  messages,
  officer,
  requireDemo,
  shot,
  signIn,
  signOut,
  url,
  withPage,
} from './lib.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** Whether the focused element is on screen and not covered: its box in the viewport, the
 * element at its centre being itself (or inside it), not transparent, not hidden. */
function focusedIsVisible(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    const r = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    const inViewport = r.width >= 1 && r.height >= 1 && r.right > 0 && r.bottom > 0 &&
      r.left < innerWidth && r.top < innerHeight;
    const hit = inViewport ? document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2) : null;
    return {
      visible: inViewport && style.visibility === 'visible' && Number(style.opacity) > 0 &&
        Boolean(hit && (hit === el || el.contains(hit))),
      box: { left: r.left, top: r.top, width: r.width, height: r.height },
    };
  });
}

for (const lang of LANGS) {
  test(`${lang}: the first Tab focuses the skip link, which shows and leads to the main content`, async () => {
    await withPage(browser, { lang }, async (page) => {
      await page.goto(url('/'));
      await page.keyboard.press('Tab');
      const f = await focused(page);
      assert.ok(f, 'the first Tab focuses something');
      assert.equal(f.tag, 'a', `the first Tab focuses the skip link, not ${describeFocus(f)}`);
      assert.equal(f.href, '#main');
      assert.equal(f.text, messages(lang)['skip-to-content']);
      const v = await focusedIsVisible(page);
      assert.ok(v.visible, `the focused skip link is visible (box ${JSON.stringify(v.box)})`);
      await shot(page, `keyboard-start-${lang}-skip-link`);

      await page.keyboard.press('Enter');
      assert.equal(new URL(page.url()).hash, '#main');
      assert.equal(await page.locator('main#main').count(), 1, 'the skip link target is the <main> element');
      // Either the main element took focus (tabindex="-1") or the next Tab starts inside it:
      // in both cases the header's controls are skipped.
      const now = await page.evaluate(() => document.activeElement?.id === 'main');
      if (!now) {
        await page.keyboard.press('Tab');
        const next = await focused(page);
        assert.ok(next?.inMain, `after the skip link, Tab lands in <main>, not on ${describeFocus(next)}`);
      }
    });
  });
}

/**
 * Tabs from the top of the page through every focusable element (until focus leaves the page
 * or comes round again) and describes each: its outline, whether it matches :focus-visible,
 * whether it is on screen, and the contrast of its outline against the colour around it.
 */
async function tabThrough(page, { shots = false } = {}) {
  const visited = [];
  for (let i = 0; i < 80; i++) {
    await page.keyboard.press('Tab');
    const info = await page.evaluate(() => {
      const el = document.activeElement;
      if (!el || el === document.body) return null;
      const rgb = (c) => {
        const m = /rgba?\(([^)]+)\)/.exec(c);
        if (!m) return null;
        const [r, g, b, a = 1] = m[1].split(/[\s,/]+/).filter(Boolean).map(Number);
        return { r, g, b, a };
      };
      const luminance = ({ r, g, b }) => {
        const f = (v) => ((v /= 255) <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
        return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
      };
      const background = (from) => {
        for (let a = from; a; a = a.parentElement) {
          const c = rgb(getComputedStyle(a).backgroundColor);
          if (c && c.a > 0) return c;
        }
        return { r: 255, g: 255, b: 255, a: 1 };
      };
      const s = getComputedStyle(el);
      const outline = rgb(s.outlineColor);
      // With a positive outline-offset the outline lies on the parent's background.
      const around = parseFloat(s.outlineOffset) > 0 ? background(el.parentElement) : background(el);
      const [hi, lo] = outline ? [luminance(outline), luminance(around)].sort((x, y) => y - x) : [0, 0];
      return {
        index: [...document.querySelectorAll('*')].indexOf(el), // identity: document order
        outlineStyle: s.outlineStyle,
        outlineWidth: parseFloat(s.outlineWidth) || 0,
        outlineColor: s.outlineColor,
        around: `rgb(${around.r}, ${around.g}, ${around.b})`,
        contrast: outline ? Math.round(((hi + 0.05) / (lo + 0.05)) * 100) / 100 : null,
        focusVisible: el.matches(':focus-visible'),
      };
    });
    if (!info || visited.some((v) => v.index === info.index)) break;
    const f = await focused(page);
    visited.push({ ...info, what: describeFocus(f), onScreen: (await focusedIsVisible(page)).visible });
    if (shots) await shot(page, `keyboard-start-en-focus-${String(visited.length).padStart(2, '0')}`);
  }
  return visited;
}

test('focus is visible on every control tabbed through on the start page (outline ≥ 2px)', async () => {
  await withPage(browser, { lang: 'en' }, async (page) => {
    await page.goto(url('/'));
    const positive = await page.locator('[tabindex]:not([tabindex="-1"]):not([tabindex="0"])').count();
    assert.equal(positive, 0, 'no positive tabindex');

    const visited = await tabThrough(page, { shots: true });
    // Signed out: the skip link, the header's link, the language list and its button, and
    // the sign-in link at least.
    assert.ok(visited.length >= 5, `only ${visited.length} focusable elements reached:\n  ${visited.map((v) => v.what).join('\n  ')}`);
    const problems = [];
    for (const v of visited) {
      if (!v.focusVisible || v.outlineStyle === 'none' || v.outlineWidth < 2) {
        problems.push(`${v.what}: outline ${v.outlineWidth}px ${v.outlineStyle}, :focus-visible ${v.focusVisible}`);
      }
      if (!v.onScreen) problems.push(`${v.what}: focused but not visible`);
    }
    assert.deepEqual(problems, [], `focus not visible:\n  ${problems.join('\n  ')}`);
  });
});

test(
  'the focus outline contrasts ≥ 3:1 with the colour around it (design §7, WCAG 1.4.11)',
  async () => {
    await withPage(browser, { lang: 'en' }, async (page) => {
      await page.goto(url('/'));
      const low = (await tabThrough(page)).filter((v) => v.contrast === null || v.contrast < 3);
      assert.deepEqual(
        low.map((v) => `${v.what}: outline ${v.outlineColor} on ${v.around}, ${v.contrast}:1`),
        [],
      );
    });
  },
);

test('the sign-in page\'s passkey button is reached by Tab and signs in with Enter', async () => {
  requireDemo();
  // The local officer (LRA): this file is the only one that uses their enrolment link.
  const who = officer('lra');
  const t = messages('en');
  await withPage(browser, { lang: 'en' }, async (page) => {
    await signIn(page, who, { lang: 'en', passkeyName: 'Keyboard key' });
    await signOut(page, 'en');
    await page.goto(url('/sign-in'));
    const path = [];
    let f = null;
    for (let i = 0; i < 30; i++) {
      await page.keyboard.press('Tab');
      f = await focused(page);
      path.push(describeFocus(f));
      if (f?.tag === 'button' && f.text === t['sign-in-passkey']) break;
    }
    assert.ok(
      f?.tag === 'button' && f.text === t['sign-in-passkey'],
      `Tab reaches "${t['sign-in-passkey']}"; focus went:\n  ${path.join('\n  ')}`,
    );
    assert.ok(f.inMain, 'the button is in <main>');
    const visible = await page.evaluate(() => {
      const el = document.activeElement;
      const s = getComputedStyle(el);
      return el.matches(':focus-visible') && s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;
    });
    assert.ok(visible, 'the focused button shows its focus (:focus-visible, outline ≥ 2px)');
    await shot(page, 'keyboard-sign-in-en-passkey-button');
    const done = await afterCeremony(page, (u) => u.pathname !== '/sign-in', {
      action: () => page.keyboard.press('Enter'),
    });
    assert.ok(done.left, `Enter on the button signs in (the page said: ${done.alert})`);
    assert.equal(page.url(), url('/'));
    await assertSignedIn(page, who, 'en');
  });
});
