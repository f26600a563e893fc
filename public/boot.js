// Starts the app. Trunk writes the (content-hashed) names of the wasm-bindgen glue and of
// the WebAssembly module on this script's element (Trunk.toml, pattern_script); both are
// resolved against the page's own address, so the site works from any sub-path. A file
// rather than Trunk's inline script, so the Content-Security-Policy allows no inline script.
const boot = document.querySelector("script[data-wasm]");
// The engine's worker starts at once, so that its WebAssembly loads beside the page's;
// the app takes it, with whatever it said meanwhile, when it first needs an engine
// (src/ui/engine.rs). If it cannot start here, the app starts its own and says so.
try {
  // Named, so that it alone prepares the bundled data's analysis (src/ui/worker.rs).
  const worker = new Worker(new URL("engine-worker.js", document.baseURI), {
    name: "feature-radar-first",
  });
  const early = { worker, events: [] };
  worker.onmessage = (event) => early.events.push(event);
  worker.onerror = (event) => early.events.push(event);
  window.featureRadarEngine = early;
} catch {
  // Left to the app.
}
try {
  // The glue is a classic script (wasm-bindgen's no-modules target, which Trunk can
  // minify): it defines `wasm_bindgen`, which loads the module.
  await new Promise((resolve, reject) => {
    const glue = document.createElement("script");
    glue.src = new URL(boot.dataset.js, document.baseURI).href;
    glue.onload = resolve;
    glue.onerror = () => reject(new Error(`${boot.dataset.js} did not load`));
    document.head.append(glue);
  });
  await wasm_bindgen({ module_or_path: new URL(boot.dataset.wasm, document.baseURI) });
} catch (error) {
  const fatal = document.getElementById("fatal");
  if (fatal) {
    fatal.textContent = `Feature Radar could not start: ${error}`;
    fatal.className = "fatal shown";
  }
  throw error;
}
