// What every end-to-end page is watched for: Content-Security-Policy violations, requests
// that leave the site (another origin, or outside the folder the site is served from), and
// failed responses. It also counts ECharts instances, to show that none outlives its chart.
// `launch` starts the headless Chromium every end-to-end script drives.

import { chromium } from "playwright-core";

// Debian's Chromium (CHROMIUM overrides), without the sandbox, GPU or background traffic.
export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: [
      "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
  });
}

// Runs in the page before any of its scripts.
function instrument() {
  window.__cspViolations = [];
  document.addEventListener("securitypolicyviolation", (e) => {
    window.__cspViolations.push(`${e.effectiveDirective} blocked ${e.blockedURI || "inline"} (${e.sourceFile}:${e.lineNumber})`);
  });
  // ECharts' bundle assigns `echarts` and then each export; wrap `init` as it arrives and
  // keep every instance it returns, disposed or not.
  window.__chartInstances = new Set();
  let echarts;
  Object.defineProperty(window, "echarts", {
    configurable: true,
    get: () => echarts,
    set(value) {
      echarts = value;
      let init;
      Object.defineProperty(value, "init", {
        configurable: true,
        enumerable: true,
        get: () => init,
        set(f) {
          init = function (...args) {
            const instance = f.apply(this, args);
            window.__chartInstances.add(instance);
            return instance;
          };
        },
      });
    },
  });
}

// Watches `page`, served from `base` (a URL ending in "/"). Returns live lists of problems.
export async function guard(page, base) {
  const seen = { outside: [], failed: [] };
  await page.addInitScript(instrument);
  page.on("request", (request) => {
    const url = request.url();
    // data: and blob: URLs are made in the page (chart images, downloads): no network.
    if (url.startsWith("data:") || url.startsWith("blob:")) return;
    if (!url.startsWith(base)) seen.outside.push(url);
  });
  page.on("response", (response) => {
    if (response.status() >= 400) seen.failed.push(`${response.status()} ${response.url()}`);
  });
  page.on("requestfailed", (request) => {
    if (request.url().startsWith("data:") || request.url().startsWith("blob:")) return;
    seen.failed.push(`${request.failure()?.errorText} ${request.url()}`);
  });
  return seen;
}

// The CSP violations reported so far in `page`.
export function violations(page) {
  return page.evaluate(() => window.__cspViolations);
}

// ECharts instances: created, still live (not disposed), live on an element that has left
// the document, and charts drawn in the document.
export function chartCounts(page) {
  return page.evaluate(() => {
    const all = [...window.__chartInstances];
    const live = all.filter((c) => !c.isDisposed());
    return {
      created: all.length,
      live: live.length,
      detached: live.filter((c) => !c.getDom().isConnected).length,
      onScreen: document.querySelectorAll("[_echarts_instance_]").length,
    };
  });
}
