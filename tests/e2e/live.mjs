// A live source: the page follows a telemetry.csv (and events.csv) served by another
// site on loopback, whose file grows. Checked: the first version is analysed; an unchanged
// file is asked about with its ETag and answered 304 without being analysed again; new
// periods appear without a reload and the features whose tier changed are highlighted
// until marked as seen; a failing server (500), a file the engine refuses and a server
// that does not allow the page (CORS) are said in words while the last good data stays,
// with the retries backing off; a link carries the live source and asks before following.
// Usage: node live.mjs SITE_URL [ARTIFACTS] (the site's own server; the live one is
// started here). Screenshots: live.png, live-phone.png.

import { createServer } from "node:http";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { launch, guard, violations } from "./guard.mjs";

const [site, artifacts = "tests/artifacts"] = process.argv.slice(2);
const features = Number(process.env.EXPECTED_FEATURES || 80);

// The bundled data, cut at a day: what an export holds on that day.
const telemetryLines = readFileSync("data/telemetry.csv", "utf8").trimEnd().split("\n");
const eventsLines = readFileSync("data/events.csv", "utf8").trimEnd().split("\n");
const days = [...new Set(telemetryLines.slice(1).map((l) => l.slice(0, 10)))].sort();
const upTo = (lines, day) => [lines[0], ...lines.slice(1).filter((l) => l.slice(0, 10) <= day)].join("\n") + "\n";
const early = days[149];
const late = days[days.length - 1];

// The live server: ETag and Last-Modified on every file, 304 when the ETag matches,
// CORS for the page's origin except under /private/. `mode` makes it fail.
const origin = new URL(site).origin;
const files = {};
let mode = "ok";
const log = [];
let modified = new Date(Date.UTC(2026, 11, 7, 10, 0, 0));
function publish(day) {
  files.telemetry = upTo(telemetryLines, day);
  files.events = upTo(eventsLines, day);
  modified = new Date(modified.getTime() + 60000);
}
publish(early);
// Requests open at once (the page reads one check at a time), and a pause before the
// next answer (a slow server).
let open = 0;
let mostOpen = 0;
let pauseNext = 0;
const server = createServer(async (req, res) => {
  open += 1;
  mostOpen = Math.max(mostOpen, open);
  res.on("close", () => { open -= 1; });
  if (pauseNext > 0) {
    const pause = pauseNext;
    pauseNext = 0;
    await new Promise((r) => setTimeout(r, pause));
  }
  const path = new URL(req.url, "http://x").pathname;
  const name = path.endsWith("events.csv") ? "events" : "telemetry";
  log.push({ at: Date.now(), path, conditional: req.headers["if-none-match"] !== undefined, status: 0 });
  const entry = log[log.length - 1];
  const headers = { "Cache-Control": "no-cache" };
  if (!path.startsWith("/private/")) {
    headers["Access-Control-Allow-Origin"] = origin;
    headers["Access-Control-Expose-Headers"] = "ETag, Last-Modified";
  }
  if (mode === "fail") {
    entry.status = 500;
    res.writeHead(500, headers);
    res.end("down for maintenance");
    return;
  }
  const body = mode === "bad" && name === "telemetry" ? "day,feature,sessions\n2026-11-01,x,3\n" : files[name];
  const etag = `"${createHash("sha256").update(body).digest("hex").slice(0, 16)}"`;
  headers.ETag = etag;
  headers["Last-Modified"] = modified.toUTCString();
  if (req.headers["if-none-match"] === etag) {
    entry.status = 304;
    res.writeHead(304, headers);
    res.end();
    return;
  }
  entry.status = 200;
  res.writeHead(200, { ...headers, "Content-Type": "text/csv; charset=utf-8" });
  res.end(body);
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const live = `http://127.0.0.1:${server.address().port}/`;

const browser = await launch();
let failures = 0;
function check(ok, what, detail = "") {
  console.log(`${ok ? "ok  " : "FAIL"} live: ${what}${ok || !detail ? "" : ` (${detail})`}`);
  if (!ok) failures += 1;
}
const text = async (page, testid) => (await page.textContent(`[data-testid=${testid}]`)) ?? "";
const until = (page, fn, arg, timeout = 30000) => page.waitForFunction(fn, arg, { timeout, polling: 100 });
const sourceSays = (page, what, timeout) =>
  until(page, (w) => document.querySelector("[data-testid=data-source]")?.textContent.includes(w), what, timeout);

try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const seen = await guard(page, site);
  await page.goto(site);
  await page.waitForSelector("[data-testid=ranking-row]", { timeout: 120000 });

  // Follow the live source from the Data view, every 5 seconds.
  await page.click("[data-testid=tab-data]");
  await page.fill("[data-testid=live-telemetry]", `${live}telemetry.csv`);
  await page.fill("[data-testid=live-events]", `${live}events.csv`);
  await page.fill("[data-testid=live-every]", "5");
  await page.dispatchEvent("[data-testid=live-every]", "change");
  await page.click("[data-testid=live-follow]");
  await page.click("[data-testid=tab-overview]");
  await sourceSays(page, `telemetry up to ${early}`, 60000);
  check((await text(page, "data-source")).includes(`live from ${live}telemetry.csv`), "the first version is analysed and named as live", await text(page, "data-source"));
  await until(page, () => /data last refreshed at \d\d:\d\d:\d\d/.test(document.querySelector("[data-testid=live-status]")?.textContent ?? ""));
  check(page.url().includes(`live=${encodeURIComponent(`${live}telemetry.csv`)}`) && page.url().includes("every=5"), "the address carries the live source", page.url());

  // Unchanged: asked again with its ETag, answered 304, nothing analysed.
  const before = log.length;
  await new Promise((r) => setTimeout(r, 6500));
  const again = log.slice(before).filter((e) => e.path === "/telemetry.csv");
  check(again.length >= 1 && again.every((e) => e.conditional && e.status === 304), "an unchanged file is asked about with its ETag and answered 304", JSON.stringify(again));
  check((await page.$("[data-testid=status]")) === null, "an unchanged file is not analysed again");

  // The file grows: the new days show without a reload, and tier changes are highlighted.
  publish(late);
  await sourceSays(page, `telemetry up to ${late}`, 30000);
  const rows = (await page.$$("[data-testid=ranking-row]")).length;
  check(rows === features, `the grown file is analysed in place (${rows} rows)`);
  const changes = await page.$("[data-testid=tier-changes]");
  const moves = await page.$$("[data-testid=tier-move]");
  const sentence = changes ? await changes.textContent() : "";
  check(changes !== null && moves.length > 0 && /changed tier since you last looked/.test(sentence), `tier changes are highlighted (${moves.length} rows): ${sentence.slice(0, 160)}`);
  if (moves.length > 0) {
    const row = await page.$("tr.changed");
    const label = row ? await row.getAttribute("aria-label") : "";
    const named = label ? label.split(":")[0] : "";
    check(named !== "" && sentence.includes(named), `a highlighted row's feature (${named}) is named in the sentence`);
  }
  await page.screenshot({ path: `${artifacts}/live.png` });
  await page.setViewportSize({ width: 360, height: 800 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 0, "the live line and the tier changes fit a 360 px screen", `${overflow} px too wide`);
  await page.screenshot({ path: `${artifacts}/live-phone.png` });
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.click("[data-testid=mark-seen]");
  check((await page.$$("[data-testid=tier-move]")).length === 0 && (await page.$("[data-testid=tier-changes]")) === null, "marked as seen, nothing is highlighted");

  // A slow answer (longer than the interval): no second check starts meanwhile, so no
  // older answer can land after a newer one.
  pauseNext = 8000;
  const slowFrom = log.length;
  await new Promise((r) => setTimeout(r, 20000));
  const slowChecks = log.slice(slowFrom).filter((e) => e.path === "/telemetry.csv").length;
  check(mostOpen === 1 && slowChecks >= 2 && slowChecks <= 3, `one check at a time, even when an answer takes longer than the interval (at most ${mostOpen} request open; ${slowChecks} checks in 20 s)`);

  // The server fails: said in words, the data stays, and the retries back off.
  mode = "fail";
  const failStart = log.length;
  await until(page, () => document.querySelector("[data-testid=live-error]")?.textContent.includes("answered 500"), null, 20000);
  check((await text(page, "data-source")).includes(`telemetry up to ${late}`) && (await page.$$("[data-testid=ranking-row]")).length === features, "a failing server leaves the last good data");
  check(/next try is at/.test(await text(page, "live-status")), "the failure says when it tries again");
  await new Promise((r) => setTimeout(r, 11500));
  const failed = log.slice(failStart).filter((e) => e.path === "/telemetry.csv" && e.status === 500);
  const gap = failed.length >= 2 ? (failed[1].at - failed[0].at) / 1000 : 0;
  check(failed.length >= 2 && gap >= 9, `the retries back off (${failed.length} tries; ${gap.toFixed(1)} s after the first, every 5 s)`);

  // A file the engine refuses (no date column): the message names it; the data stays.
  mode = "bad";
  await until(page, () => /telemetry\.csv/.test(document.querySelector("[data-testid=live-error]")?.textContent ?? "") && !/answered 500/.test(document.querySelector("[data-testid=live-error]")?.textContent ?? ""), null, 40000);
  const refused = await text(page, "live-error");
  check(/date/.test(refused) && (await text(page, "data-source")).includes(`telemetry up to ${late}`), `a refused file is said and the data stays: ${refused.slice(0, 140)}`);

  // Back to normal: the error goes.
  mode = "ok";
  await page.click("text=Check now");
  await until(page, () => document.querySelector("[data-testid=live-error]") === null, null, 40000);
  check(true, "the source recovers and its error goes");

  // A link with the live source asks before following it (the first page stops, so
  // that any request is the new page's).
  const link = page.url();
  await page.click("[data-testid=live-stop]");
  const other = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const seenOther = await guard(other, site);
  await other.goto(link);
  await other.waitForSelector("[data-testid=live-offer]", { timeout: 60000 });
  const asked = log.length;
  await new Promise((r) => setTimeout(r, 1000));
  check(log.length === asked, "a link's live source waits for consent", `${log.length - asked} requests`);
  await other.click("[data-testid=live-offer-follow]");
  await until(other, (w) => document.querySelector("[data-testid=data-source]")?.textContent.includes(w), `live from ${live}telemetry.csv`, 60000);
  check(true, "a link's live source is followed once agreed");
  await other.close();

  // A link whose live address the page may not read (plain http of another host) says
  // so, follows nothing, and shows the demo data.
  const third = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const seenThird = await guard(third, site);
  await third.goto(`${site}?live=${encodeURIComponent("http://example.com/telemetry.csv")}`);
  await third.waitForSelector("[data-testid=ranking-row]", { timeout: 60000 });
  const notice = await third.waitForSelector("[data-testid=live-refused]", { timeout: 10000 }).then((e) => e.textContent());
  const offered = await third.$("[data-testid=live-offer]");
  check(/does not read/.test(notice) && /only from this machine/.test(notice) && !offered && seenThird.outside.length === 0,
    "a link's live address the page may not read is said, and nothing is asked of it", `${notice} ${seenThird.outside}`);
  await third.click("[data-testid=live-refused] button");
  check((await third.$("[data-testid=live-refused]")) === null, "the refusal is dismissed");
  await third.close();

  // A server that does not allow this page (no CORS headers): said, the data stays.
  await page.click("[data-testid=tab-data]");
  await page.fill("[data-testid=live-telemetry]", `${live}private/telemetry.csv`);
  await page.fill("[data-testid=live-events]", "");
  await page.click("[data-testid=live-follow]");
  await until(page, () => /Access-Control-Allow-Origin/.test(document.querySelector("[data-testid=live-error]")?.textContent ?? ""), null, 20000);
  await page.click("[data-testid=tab-overview]");
  check((await text(page, "data-source")).includes(`telemetry up to ${late}`), "a server without CORS is said in words and the data stays");
  await page.click("[data-testid=live-stop]");

  // The page's own requests stay on its site; the live server is the one other origin,
  // and its 500s and refusals were meant.
  const elsewhere = (list) => list.filter((u) => !u.includes(live));
  const problems = [...(await violations(page)), ...elsewhere(seen.outside), ...elsewhere(seen.failed), ...elsewhere(seenOther.outside), ...elsewhere(seenOther.failed)];
  check(problems.length === 0, "no policy violation, and no other site asked", problems.join(" | "));
} catch (error) {
  check(false, `the run stopped: ${error.message.split("\n")[0]}`);
}
await browser.close();
server.close();
process.exit(failures ? 1 : 0);
