// axe-core over the portal's pages in all four languages: no serious or critical violation of
// WCAG 2.2 AA or axe's best practices (docs/design/portal.md §7), with the page's own CSP in
// force. A screenshot of each page goes to target/browser-artifacts/.
//
// The page list grows with the portal: add a row to PAGES for every page that needs no
// sign-in, and a test beside the sign-in helper for the others.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { LANGS, axeCheck, launch, shot, url, withPage } from './lib.mjs';

/** [name, path] of the pages an anonymous visitor sees. */
const PAGES = [
  ['start', '/'],
  ['sign-in', '/sign-in'],
];

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/**
 * Known reflow failures, by page and language (`'start-sv': 'KNOWN: …'`), each written up for
 * the portal's fix; its test runs and reports but does not fail the suite while listed here.
 * Empty: the start page's h1, language form and nav wrap at 320 CSS px (portal.css).
 */
const KNOWN_REFLOW = {};

/**
 * axe rules known to fail at 320 CSS px (`'rule-id': 'why'`), each written up for the
 * portal's fix; reported on stderr and in the JSON, not failing, while listed here. Empty.
 */
const KNOWN_AXE_320 = {};

for (const [name, path] of PAGES) {
  describe(`${name} page`, () => {
    for (const lang of LANGS) {
      test(`${lang}: 0 serious or critical axe violations, wide and at 320 CSS px`, async () => {
        await withPage(browser, { lang }, async (page) => {
          const response = await page.goto(url(path));
          assert.equal(response.status(), 200);
          assert.equal(await page.getAttribute('html', 'lang'), lang);
          await shot(page, `axe-${name}-${lang}`);
          await axeCheck(page, `${name}-${lang}`);
          await page.setViewportSize({ width: 320, height: 640 });
          await shot(page, `axe-${name}-${lang}-320px`);
          await axeCheck(page, `${name}-${lang}-320px`, { known: KNOWN_AXE_320 });
        });
      });
    }

    for (const lang of LANGS) {
      const todo = KNOWN_REFLOW[`${name}-${lang}`];
      const title = `${lang}: reflows at 320 CSS px without horizontal scrolling (WCAG 1.4.10)`;
      test(title, { todo }, async () => {
        await withPage(browser, { lang, viewport: { width: 320, height: 640 } }, async (page) => {
          await page.goto(url(path));
          const wide = await page.evaluate(() => {
            const vw = document.documentElement.clientWidth;
            // What sticks out, for the message: an element's box past the viewport's edge, or
            // its content (a long word) overflowing the box. What is inside a region that
            // scrolls by itself (a data table's, design §7) does not widen the page.
            const inScroller = (e) => {
              for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
                if (getComputedStyle(a).overflowX !== 'visible') return true;
              }
              return false;
            };
            const sticksOut = (e) =>
              e.getBoundingClientRect().right > vw + 0.5 || (e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 0.5);
            const label = (e) => {
              const classes = e.className ? `.${String(e.className).trim().split(/\s+/).join('.')}` : '';
              const box = Math.round(e.getBoundingClientRect().width);
              return `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}${classes} (box ${box}px, content ${e.scrollWidth}px)`;
            };
            return {
              scrollWidth: document.documentElement.scrollWidth,
              clientWidth: vw,
              out: [...document.querySelectorAll('body *')].filter((e) => !inScroller(e) && sticksOut(e)).map(label),
            };
          });
          assert.ok(
            wide.scrollWidth <= wide.clientWidth,
            `the page is ${wide.scrollWidth}px wide in a ${wide.clientWidth}px viewport; ` +
              `sticking out: ${wide.out.join(', ')}`,
          );
        });
      });
    }
  });
}
