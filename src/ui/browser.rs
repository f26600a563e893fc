//! The few browser calls the page makes: URL query, theme, downloads, file reading,
//! fetching, chart images. Everything here degrades to a no-op or an error message.

use wasm_bindgen::prelude::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

fn describe(value: JsValue) -> String {
    value.as_string().unwrap_or_else(|| format!("{value:?}"))
}

fn document() -> Option<web_sys::Document> {
    web_sys::window()?.document()
}

/// A new element `tag`, as its type `T`.
fn create<T: JsCast>(document: &web_sys::Document, tag: &str) -> Result<T, String> {
    document
        .create_element(tag)
        .map_err(describe)?
        .dyn_into()
        .map_err(|_| format!("not a <{tag}> element"))
}

/// The page's query string, with its `?`.
pub fn query() -> String {
    web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default()
}

/// Sets the URL's query without reloading: as a new history entry (so that Back returns
/// to the one before), or in place of the current one.
pub fn set_query(query: &str, new_entry: bool) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let path = window.location().pathname().unwrap_or_default();
    let url = if query.is_empty() {
        path
    } else {
        format!("{path}?{query}")
    };
    if let Ok(history) = window.history() {
        let _ = if new_entry {
            history.push_state_with_url(&JsValue::NULL, "", Some(&url))
        } else {
            history.replace_state_with_url(&JsValue::NULL, "", Some(&url))
        };
    }
}

/// Calls `moved` with the URL's query each time the person goes Back or Forward in the
/// page's history (for as long as the page lives).
pub fn on_history(moved: impl Fn(String) + 'static) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let listener = Closure::<dyn Fn(web_sys::Event)>::new(move |_| moved(query()));
    let _ = window.add_event_listener_with_callback("popstate", listener.as_ref().unchecked_ref());
    listener.forget();
}

pub fn prefers_dark() -> bool {
    web_sys::window()
        .and_then(|w| w.match_media("(prefers-color-scheme: dark)").ok().flatten())
        .is_some_and(|m| m.matches())
}

pub fn set_theme(dark: bool) {
    if let Some(root) = document().and_then(|d| d.document_element()) {
        let _ = root.set_attribute("data-theme", if dark { "dark" } else { "light" });
    }
}

pub fn scroll_to_top() {
    if let Some(w) = web_sys::window() {
        w.scroll_to_with_x_and_y(0.0, 0.0);
    }
}

/// Shows a fatal error in the page's reserved banner.
pub fn show_fatal(message: &str) {
    if let Some(el) = document().and_then(|d| d.get_element_by_id("fatal")) {
        el.set_text_content(Some(message));
        let _ = el.set_attribute("class", "fatal shown");
    }
}

/// Offers `text` as a file download named `name`.
pub fn download_text(name: &str, mime: &str, text: &str) -> Result<(), String> {
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob =
        web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).map_err(describe)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(describe)?;
    download_url(name, &url)?;
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}

/// Offers a URL (for example a data: URL) as a download.
pub fn download_url(name: &str, url: &str) -> Result<(), String> {
    let document = document().ok_or("no document")?;
    let anchor: web_sys::HtmlAnchorElement = create(&document, "a")?;
    anchor.set_href(url);
    anchor.set_download(name);
    anchor.click();
    Ok(())
}

/// The global `echarts` object, once ECharts is loaded.
fn echarts() -> Option<JsValue> {
    js_sys::Reflect::get(&js_sys::global(), &"echarts".into())
        .ok()
        .filter(|e| !e.is_undefined())
}

/// The method `name` of `object`, if it has one.
fn method(object: &JsValue, name: &str) -> Option<js_sys::Function> {
    js_sys::Reflect::get(object, &name.into())
        .ok()?
        .dyn_into()
        .ok()
}

/// Loads ECharts (about 330 KB gzipped) the first time a chart is shown rather than with
/// the page, since the first view has no chart. One script element serves every caller.
pub async fn ensure_echarts() -> Result<(), String> {
    const ID: &str = "echarts-script";
    const SRC: &str = "echarts-5.6.0.min.js";
    if echarts().is_some() {
        return Ok(());
    }
    let document = document().ok_or("no document")?;
    let script: web_sys::HtmlScriptElement = match document.get_element_by_id(ID) {
        Some(existing) => existing
            .dyn_into()
            .map_err(|_| "not a script".to_string())?,
        None => {
            let script: web_sys::HtmlScriptElement = create(&document, "script")?;
            script.set_id(ID);
            script.set_src(SRC);
            document
                .head()
                .ok_or("no head")?
                .append_child(&script)
                .map_err(describe)?;
            script
        }
    };
    let done = js_sys::Promise::new(&mut |resolve, reject| {
        let ok = wasm_bindgen::closure::Closure::once_into_js(move || {
            let _ = resolve.call0(&JsValue::NULL);
        });
        // A failed element is removed, so that the next chart tries again rather than
        // waiting on an element that will never load.
        let failed_script = script.clone();
        let failed = wasm_bindgen::closure::Closure::once_into_js(move || {
            failed_script.remove();
            let _ = reject.call0(&JsValue::NULL);
        });
        let _ = script.add_event_listener_with_callback("load", ok.unchecked_ref());
        let _ = script.add_event_listener_with_callback("error", failed.unchecked_ref());
    });
    // It may have finished loading between the check above and the listeners.
    if echarts().is_some() {
        return Ok(());
    }
    JsFuture::from(done)
        .await
        .map_err(|_| format!("{SRC} could not be loaded"))?;
    Ok(())
}

/// Draws `chart` into `element`, `height` pixels high, in the theme shown (both themes
/// are registered with ECharts on first use), with `chart_style`'s rules applied to its
/// option: the dark palette's colours, quiet series, the zoom's settings. (The option
/// crosses as JS objects, as charming's own renderer sends it: going through JSON text
/// would cost the page's wasm about 13 KB gzipped.)
pub fn draw_chart(
    element: &web_sys::Element,
    chart: &charming::Chart,
    dark: bool,
    height: u32,
) -> Result<(), String> {
    use crate::chart_style;
    let echarts = echarts().ok_or("ECharts is not loaded")?;
    let registered = js_sys::Reflect::get(&echarts, &"__radarThemes".into())
        .ok()
        .is_some_and(|v| v.is_truthy());
    if !registered {
        let register = method(&echarts, "registerTheme").ok_or("ECharts is not loaded")?;
        for dark in [false, true] {
            let theme = js_sys::JSON::parse(&chart_style::theme(dark)).map_err(describe)?;
            register
                .call2(&echarts, &chart_style::palette(dark).name.into(), &theme)
                .map_err(describe)?;
        }
        let _ = js_sys::Reflect::set(&echarts, &"__radarThemes".into(), &true.into());
    }
    let option = serde_wasm_bindgen::to_value(chart).map_err(|e| e.to_string())?;
    if dark {
        recolour(&option);
    }
    let each = |key: &str, apply: &dyn Fn(&JsValue)| {
        if let Ok(items) = js_sys::Reflect::get(&option, &key.into()) {
            if let Some(items) = items.dyn_ref::<js_sys::Array>() {
                items.for_each(&mut |item, _, _| apply(&item));
            }
        }
    };
    let field = |object: &JsValue, key: &str| {
        js_sys::Reflect::get(object, &key.into())
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_default()
    };
    each("dataZoom", &|zoom| {
        for (key, value) in chart_style::zoom_settings(&field(zoom, "type")) {
            let value = match *value {
                chart_style::Setting::Text(t) => JsValue::from_str(t),
                chart_style::Setting::Flag(f) => JsValue::from_bool(f),
                chart_style::Setting::Number(n) => JsValue::from_f64(n),
            };
            let _ = js_sys::Reflect::set(zoom, &(*key).into(), &value);
        }
    });
    each("series", &|series| {
        if chart_style::quiet(&field(series, "name")) {
            let hidden = js_sys::Object::new();
            let _ = js_sys::Reflect::set(&hidden, &"show".into(), &false.into());
            let _ = js_sys::Reflect::set(series, &"tooltip".into(), &hidden);
        }
    });
    let init = method(&echarts, "init").ok_or("ECharts is not loaded")?;
    let size = js_sys::Object::new();
    js_sys::Reflect::set(&size, &"height".into(), &height.into()).map_err(describe)?;
    let args = js_sys::Array::of3(element, &chart_style::palette(dark).name.into(), &size);
    let instance = init.apply(&echarts, &args).map_err(describe)?;
    let set_option = method(&instance, "setOption").ok_or("no chart instance")?;
    set_option.call1(&instance, &option).map_err(describe)?;
    Ok(())
}

/// Every light palette colour in a JS value, anywhere, becomes its dark counterpart
/// (`chart_style::option` does the same to JSON, for the tests).
fn recolour(value: &JsValue) {
    let dark = |item: &JsValue| {
        item.as_string()
            .and_then(|c| crate::chart_style::dark_colour(&c))
    };
    if let Some(items) = value.dyn_ref::<js_sys::Array>() {
        items.for_each(&mut |item, i, _| match dark(&item) {
            Some(colour) => items.set(i, colour.into()),
            None => recolour(&item),
        });
    } else if value.is_object() {
        for key in js_sys::Object::keys(value.unchecked_ref::<js_sys::Object>()).iter() {
            let Ok(item) = js_sys::Reflect::get(value, &key) else {
                continue;
            };
            match dark(&item) {
                Some(colour) => {
                    let _ = js_sys::Reflect::set(value, &key, &colour.into());
                }
                None => recolour(&item),
            }
        }
    }
}

/// Disposes the ECharts instance drawn into `element`, if there is one: its canvas, its
/// listeners and its entry in ECharts' registry go with it.
pub fn dispose_chart(element: &web_sys::Element) {
    let Some(echarts) = echarts() else {
        return;
    };
    if let Some(dispose) = method(&echarts, "dispose") {
        if let Err(e) = dispose.call1(&echarts, element) {
            leptos::logging::warn!("chart dispose: {}", describe(e));
        }
    }
}

/// A PNG data URL of the ECharts chart rendered in the element `id`.
pub fn chart_png(id: &str, dark: bool) -> Result<String, String> {
    let element = document()
        .and_then(|d| d.get_element_by_id(id))
        .ok_or_else(|| format!("no chart {id}"))?;
    let echarts = echarts().ok_or("ECharts is not loaded")?;
    let get_instance = method(&echarts, "getInstanceByDom").ok_or("ECharts is not loaded")?;
    let instance = get_instance.call1(&echarts, &element).map_err(describe)?;
    let get_url = method(&instance, "getDataURL").ok_or("the chart is not rendered yet")?;
    let options = js_sys::Object::new();
    js_sys::Reflect::set(&options, &"type".into(), &"png".into()).map_err(describe)?;
    js_sys::Reflect::set(&options, &"pixelRatio".into(), &2.into()).map_err(describe)?;
    let background = crate::chart_style::palette(dark).background;
    js_sys::Reflect::set(&options, &"backgroundColor".into(), &background.into())
        .map_err(describe)?;
    get_url
        .call1(&instance, &options)
        .map_err(describe)?
        .as_string()
        .ok_or_else(|| "no image".to_string())
}

/// Refuses a file the person chose over the size limit, before anything reads it. (The
/// engine's worker reads the bytes themselves, undecoded, so that the CSV reader can name
/// the line of any invalid UTF-8.)
pub fn check_size(file: &web_sys::File) -> Result<(), String> {
    if file.size() > crate::telemetry::MAX_FILE_BYTES as f64 {
        return Err(format!(
            "{}: {}",
            file.name(),
            crate::telemetry::limits::Exceeded::FileBytes
        ));
    }
    Ok(())
}
