// A benchmark, not a check: the Data view's generator set to N features x 365 days,
// generated and analysed in the page's engine worker, timed from the click to the
// source line naming the new data. Prints the seconds, when each progress stage began,
// the main thread's long tasks (over 50 ms, as Chromium reports them) and the engine
// worker's wasm memory.
// Usage: node large.mjs URL FEATURES (tests/e2e.sh runs it when FR_E2E_LARGE=FEATURES).

import { launch, guard, violations } from "./guard.mjs";

const [url, count = "10000"] = process.argv.slice(2);
const features = Number(count);
const browser = await launch();
let failure = "";
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const seen = await guard(page, url);
  await page.goto(url);
  await page.waitForSelector("[data-testid=ranking-row]", { timeout: 120000 });
  await page.click("[data-testid=tab-data]");
  await page.fill("#n-features", String(features));
  await page.press("#n-features", "Tab");
  await page.fill("#n-days", "365");
  await page.press("#n-days", "Tab");
  // From here on: every long task, and every change of the status line (its words and
  // percent), with the time since the click.
  await page.evaluate(() => {
    window.__large = { tasks: [], stages: [], started: 0, percent: null };
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__large.tasks.push([e.startTime, e.duration]);
    }).observe({ type: "longtask" });
    let last = "";
    new MutationObserver(() => {
      const status = document.querySelector("[data-testid=status]");
      const text = status ? status.textContent.replace(/\s+/g, " ").trim() : "(no status)";
      const percent = status?.querySelector("progress")?.getAttribute("value");
      if (percent != null && percent !== window.__large.percent?.[1] && window.__large.started > 0) {
        window.__large.percent = [performance.now() - window.__large.started, percent];
      }
      const stage = text.replace(/ ?\d+%.*$/, "").replace(/ The results below.*$/, "").replace(/Cancel$/, "").trim();
      if (stage !== last && window.__large.started > 0) {
        last = stage;
        window.__large.stages.push([performance.now() - window.__large.started, stage]);
      }
    }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
    document.querySelector("[data-testid=generate]").addEventListener("click", () => {
      window.__large.started = performance.now();
    }, { capture: true });
  });
  await page.click("[data-testid=generate]");
  await page.waitForFunction(
    (n) => document.querySelector("[data-testid=source]")?.textContent.includes(`${n} features`),
    features,
    { timeout: 900000, polling: 50 },
  );
  const { seconds, stages, tasks, percent } = await page.evaluate(() => {
    const l = window.__large;
    return {
      seconds: (performance.now() - l.started) / 1000,
      stages: l.stages,
      percent: l.percent,
      tasks: l.tasks.filter(([start]) => start >= l.started).map(([start, d]) => [(start - l.started) / 1000, d]),
    };
  });
  const longest = Math.round(Math.max(0, ...tasks.map(([, d]) => d)));
  console.log(`${count} x 365 generated and analysed in the page: ${seconds.toFixed(1)} s; longest main-thread task meanwhile: ${longest} ms`);
  for (const [at, stage] of stages) console.log(`     at ${(at / 1000).toFixed(1)} s: ${stage}`);
  if (percent) console.log(`     at ${(percent[0] / 1000).toFixed(1)} s: the last progress, ${percent[1]}% (the rest is the report, its transfer and the page's render)`);
  const shown = tasks.map(([at, d]) => `${Math.round(d)} ms at ${at.toFixed(1)} s`);
  console.log(`     main-thread tasks over 50 ms: ${shown.length ? shown.join(", ") : "none"}`);
  // The engine's memory: a WebAssembly memory never shrinks, so its size is the peak.
  for (const worker of page.workers()) {
    const bytes = await worker.evaluate(() => self.engineExports?.memory?.buffer.byteLength ?? null);
    if (bytes) console.log(`     the engine worker's wasm memory (its peak): ${Math.round(bytes / 1048576)} MiB`);
  }
  // The ranking of the new data, drawn.
  await page.click("[data-testid=tab-overview]");
  await page.waitForSelector("[data-testid=ranking-row]");
  const problems = [...(await violations(page)), ...seen.outside, ...seen.failed];
  if (problems.length > 0) throw new Error(problems.join(" | "));
} catch (error) {
  failure = error.message.split("\n")[0];
}
await browser.close();
if (failure) console.log(`FAIL ${count} x 365 generated and analysed: ${failure}`);
process.exit(failure ? 1 : 0);
