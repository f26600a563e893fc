// Starts the engine's Web Worker (src/worker.rs). The worker's WebAssembly is fetched and
// compiled from the first moment, while its JavaScript glue loads (importScripts waits
// for it), instead of after. The names are fixed, without a content hash: the page starts
// the worker by this file's name, and this file names the other two.
const wasmUrl = "./feature-radar-worker_bg.wasm";
const compiled = WebAssembly.compileStreaming(fetch(wasmUrl)).catch(async () => {
  // A server that does not say application/wasm: compiled from the bytes instead.
  const response = await fetch(wasmUrl);
  if (!response.ok) throw new Error(`${wasmUrl}: ${response.status} ${response.statusText}`);
  return WebAssembly.compile(await response.arrayBuffer());
});
importScripts("./feature-radar-worker.js");
// The module's exports stay reachable from the worker's scope (not the page's), so that a
// benchmark can read the engine's memory (tests/e2e/large.mjs).
wasm_bindgen({ module_or_path: compiled }).then((exports) => {
  self.engineExports = exports;
});
