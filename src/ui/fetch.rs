//! Fetching a same-origin file as text.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

fn describe(value: wasm_bindgen::JsValue) -> String {
    value.as_string().unwrap_or_else(|| format!("{value:?}"))
}

/// The body of `url` as text, or a message that names the URL.
pub async fn text(url: &str) -> Result<String, String> {
    let window = web_sys::window().ok_or("no window")?;
    let response = JsFuture::from(window.fetch_with_str(url))
        .await
        .map_err(|e| format!("{url}: {}", describe(e)))?;
    let response: web_sys::Response = response
        .dyn_into()
        .map_err(|_| format!("{url}: not a response"))?;
    if !response.ok() {
        return Err(format!("{url}: HTTP {}", response.status()));
    }
    let body = response
        .text()
        .map_err(|e| format!("{url}: {}", describe(e)))?;
    JsFuture::from(body)
        .await
        .map_err(|e| format!("{url}: {}", describe(e)))?
        .as_string()
        .ok_or_else(|| format!("{url}: the body is not text"))
}
