// The built site served from a sub-path (as a project page is, e.g.
// https://org.github.io/feature-radar/): the dashboard loads with its bundled data, a
// feature's charts draw, and no request leaves that folder. Usage: node subpath.mjs URL

import { launch, guard, violations } from "./guard.mjs";

const [url] = process.argv.slice(2);
const features = Number(process.env.EXPECTED_FEATURES || 80);
const browser = await launch();
let failure = "";
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const seen = await guard(page, url);
  await page.goto(url);
  await page.waitForSelector("[data-testid=ranking-row]", { timeout: 120000 });
  const rows = (await page.$$("[data-testid=ranking-row]")).length;
  if (rows !== features) throw new Error(`expected ${features} rows, found ${rows}`);
  await page.click("[data-testid=ranking-row] >> nth=0");
  await page.waitForSelector("[data-testid=feature-view]");
  await page.waitForFunction(() => document.querySelectorAll(".chart-canvas canvas").length >= 5, null, { timeout: 30000 });
  if (!page.url().startsWith(url)) throw new Error(`the page left its folder: ${page.url()}`);
  const problems = [...(await violations(page)), ...seen.outside, ...seen.failed];
  if (problems.length > 0) throw new Error(problems.join(" | "));
} catch (error) {
  failure = error.message.split("\n")[0];
}
await browser.close();
console.log(failure ? `FAIL served from ${url}: ${failure}` : `ok   served from ${url}: the dashboard, its data and a feature's charts`);
process.exit(failure ? 1 : 0);
