//! The browser's storage for the page (IndexedDB): the person's files kept between visits.
//! One entry holds the files themselves (the browser stores their bytes in its own storage
//! for the page's origin), and when they were loaded; the files carry their names. Nothing
//! leaves the browser. Every call ends in a value or an error in words, never a panic; what
//! an entry must hold to be used is checked by the pure `kept` module.

use crate::kept::{Found, RawEntry, RawFile, LAYOUT};
use std::future::Future;
use std::pin::pin;
use std::task::Poll;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

const DATABASE: &str = "feature-radar";
const STORE: &str = "kept";
/// The one entry's key.
const KEY: &str = "files";

/// A browser error: its name (a `DOMException`'s, such as `QuotaExceededError`) and message.
pub type Refusal = (String, String);

fn refusal(value: &JsValue) -> Refusal {
    if let Some(e) = value.dyn_ref::<web_sys::DomException>() {
        return (e.name(), e.message());
    }
    if let Some(e) = value.dyn_ref::<js_sys::Error>() {
        return (e.name().into(), e.message().into());
    }
    match value.as_string() {
        Some(text) => ("Error".into(), text),
        None => ("Error".into(), format!("{value:?}")),
    }
}

/// A request's result once it succeeds, or its error.
async fn settled(request: &web_sys::IdbRequest) -> Result<JsValue, Refusal> {
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        let done = request.clone();
        let ok = Closure::once_into_js(move || {
            let result = done.result().unwrap_or(JsValue::UNDEFINED);
            let _ = resolve.call1(&JsValue::UNDEFINED, &result);
        });
        let failed_request = request.clone();
        let failed = Closure::once_into_js(move || {
            let error = failed_request
                .error()
                .ok()
                .flatten()
                .map_or(JsValue::UNDEFINED, JsValue::from);
            let _ = reject.call1(&JsValue::UNDEFINED, &error);
        });
        request.set_onsuccess(Some(ok.unchecked_ref()));
        request.set_onerror(Some(failed.unchecked_ref()));
    });
    JsFuture::from(promise).await.map_err(|e| refusal(&e))
}

/// Waits until `transaction` is committed; an abort (running out of room is one) is its error.
async fn committed(transaction: &web_sys::IdbTransaction) -> Result<(), Refusal> {
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        let ok = Closure::once_into_js(move || {
            let _ = resolve.call0(&JsValue::UNDEFINED);
        });
        let failed_transaction = transaction.clone();
        let failed = Closure::once_into_js(move || {
            let error = failed_transaction.error().map_or_else(
                || JsValue::from_str("the browser stopped storing them"),
                JsValue::from,
            );
            let _ = reject.call1(&JsValue::UNDEFINED, &error);
        });
        transaction.set_oncomplete(Some(ok.unchecked_ref()));
        // An error aborts the transaction; the abort comes after it, with its cause.
        transaction.set_onabort(Some(failed.unchecked_ref()));
    });
    JsFuture::from(promise)
        .await
        .map(|_| ())
        .map_err(|e| refusal(&e))
}

/// The page's database, made on its first use.
async fn open() -> Result<web_sys::IdbDatabase, Refusal> {
    let window = web_sys::window().ok_or(("Error".to_string(), "no window".to_string()))?;
    let factory = window
        .indexed_db()
        .map_err(|e| refusal(&e))?
        .ok_or(("NotSupportedError".to_string(), "no IndexedDB".to_string()))?;
    let request = factory
        .open_with_u32(DATABASE, 1)
        .map_err(|e| refusal(&e))?;
    let upgrading = request.clone();
    let upgrade = Closure::once_into_js(move || {
        if let Ok(database) = upgrading
            .result()
            .and_then(|r| r.dyn_into::<web_sys::IdbDatabase>())
        {
            if !database.object_store_names().contains(STORE) {
                let _ = database.create_object_store(STORE);
            }
        }
    });
    request.set_onupgradeneeded(Some(upgrade.unchecked_ref()));
    settled(&request)
        .await?
        .dyn_into()
        .map_err(|_| ("Error".to_string(), "not a database".to_string()))
}

/// Runs `work` on the database, closing it afterwards (so that nothing waits on it).
async fn with_database<T, F: Future<Output = Result<T, Refusal>>>(
    work: impl FnOnce(web_sys::IdbDatabase) -> F,
) -> Result<T, Refusal> {
    let database = open().await?;
    let result = work(database.clone()).await;
    database.close();
    result
}

fn store(
    database: &web_sys::IdbDatabase,
    mode: web_sys::IdbTransactionMode,
) -> Result<(web_sys::IdbTransaction, web_sys::IdbObjectStore), Refusal> {
    let transaction = database
        .transaction_with_str_and_mode(STORE, mode)
        .map_err(|e| refusal(&e))?;
    let store = transaction.object_store(STORE).map_err(|e| refusal(&e))?;
    Ok((transaction, store))
}

fn field(entry: &JsValue, name: &str) -> JsValue {
    js_sys::Reflect::get(entry, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
}

fn raw_file(value: JsValue) -> (RawFile, Option<web_sys::File>) {
    if value.is_undefined() || value.is_null() {
        return (RawFile::Missing, None);
    }
    match value.dyn_into::<web_sys::File>() {
        Ok(file) => (
            RawFile::File {
                name: file.name(),
                bytes: file.size(),
            },
            Some(file),
        ),
        Err(_) => (RawFile::NotAFile, None),
    }
}

/// What this browser keeps for the page, with the kept files (telemetry, then events if
/// any) when they can be used.
pub async fn load() -> (Found, Vec<web_sys::File>) {
    let database = match open().await {
        Ok(database) => database,
        Err((name, message)) => return (Found::Unavailable(format!("{name}: {message}")), vec![]),
    };
    let read = async {
        let (_, store) = store(&database, web_sys::IdbTransactionMode::Readonly)?;
        let request = store
            .get(&JsValue::from_str(KEY))
            .map_err(|e| refusal(&e))?;
        settled(&request).await
    }
    .await;
    database.close();
    let entry = match read {
        Ok(entry) if entry.is_undefined() || entry.is_null() => return (Found::Nothing, vec![]),
        Ok(entry) => entry,
        Err((name, message)) => {
            return (
                Found::Unreadable(format!(
                    "the browser could not read them: {name}: {message}"
                )),
                vec![],
            )
        }
    };
    let (telemetry, telemetry_file) = raw_file(field(&entry, "telemetry"));
    let (events, events_file) = raw_file(field(&entry, "events"));
    let raw = RawEntry {
        layout: field(&entry, "layout").as_f64(),
        telemetry,
        events,
        loaded_at_ms: field(&entry, "loadedAt").as_f64(),
    };
    match raw.check() {
        Ok(kept) => (
            Found::Files(kept),
            telemetry_file.into_iter().chain(events_file).collect(),
        ),
        Err(why) => (Found::Unreadable(why), vec![]),
    }
}

/// Keeps `files` (telemetry, then events if any), loaded at `loaded_at_ms`, in place of
/// whatever was kept. When they cannot be stored (no room, say), what was kept before
/// stays as it was.
pub async fn save(files: &[web_sys::File], loaded_at_ms: f64) -> Result<(), Refusal> {
    let entry = js_sys::Object::new();
    let set = |name: &str, value: &JsValue| {
        js_sys::Reflect::set(&entry, &JsValue::from_str(name), value).map_err(|e| refusal(&e))
    };
    set("layout", &JsValue::from(LAYOUT))?;
    set(
        "telemetry",
        files.first().map_or(&JsValue::NULL, |f| f.as_ref()),
    )?;
    set(
        "events",
        files.get(1).map_or(&JsValue::NULL, |f| f.as_ref()),
    )?;
    set("loadedAt", &JsValue::from_f64(loaded_at_ms))?;
    with_database(|database| async move {
        let (transaction, store) = store(&database, web_sys::IdbTransactionMode::Readwrite)?;
        store
            .put_with_key(&entry, &JsValue::from_str(KEY))
            .map_err(|e| refusal(&e))?;
        committed(&transaction).await
    })
    .await
}

/// Removes the kept files, if any.
pub async fn forget() -> Result<(), Refusal> {
    with_database(|database| async move {
        let (transaction, store) = store(&database, web_sys::IdbTransactionMode::Readwrite)?;
        store
            .delete(&JsValue::from_str(KEY))
            .map_err(|e| refusal(&e))?;
        committed(&transaction).await
    })
    .await
}

/// `work`'s outcome, or None if it takes longer than `ms` milliseconds (storage that never
/// answers must not keep the page from starting).
pub async fn within<T>(ms: u32, work: impl Future<Output = T>) -> Option<T> {
    let mut work = pin!(work);
    let mut timer = pin!(gloo_timers::future::TimeoutFuture::new(ms));
    std::future::poll_fn(|context| {
        if let Poll::Ready(value) = work.as_mut().poll(context) {
            return Poll::Ready(Some(value));
        }
        if timer.as_mut().poll(context).is_ready() {
            return Poll::Ready(None);
        }
        Poll::Pending
    })
    .await
}
