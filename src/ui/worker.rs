//! The Web Worker that runs the engine (the `feature-radar-worker` binary). It holds one
//! [`Engine`] and answers the page's messages: each message is an array of the request's
//! postcard bytes followed by the person's files, if any (read here, synchronously, so
//! the page never holds their bytes). Replies are postcard bytes, transferred.
//!
//! A panic is answered with [`Reply::Crashed`] for the request that caused it, and the
//! page replaces this worker.

use crate::engine::{Engine, Envelope, Reply, Request};
use std::cell::{Cell, RefCell};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// The name public/boot.js gives the worker it starts with the page.
const FIRST_WORKER: &str = "feature-radar-first";

thread_local! {
    static ENGINE: RefCell<Engine> = RefCell::new(Engine::default());
    /// The request being handled, so that a panic can be answered.
    static CURRENT: Cell<u64> = const { Cell::new(0) };
    /// Whether the page has asked anything yet.
    static ASKED: Cell<bool> = const { Cell::new(false) };
}

fn scope() -> web_sys::DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

fn post(envelope: &Envelope<Reply>) {
    let bytes = js_sys::Uint8Array::from(envelope.to_bytes().as_slice());
    let transfer = js_sys::Array::of1(&bytes.buffer());
    let _ = scope().post_message_with_transfer(&bytes, &transfer);
}

fn read_file(value: &JsValue) -> Result<Vec<u8>, String> {
    let file: &web_sys::Blob = value
        .dyn_ref()
        .ok_or("the page sent something that is not a file")?;
    let reader = web_sys::FileReaderSync::new().map_err(|e| format!("{e:?}"))?;
    let buffer = reader
        .read_as_array_buffer(file)
        .map_err(|e| format!("the file could not be read ({e:?})"))?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

fn handle(event: web_sys::MessageEvent) {
    let parts: js_sys::Array = match event.data().dyn_into() {
        Ok(parts) => parts,
        Err(_) => return,
    };
    let bytes = js_sys::Uint8Array::new(&parts.get(0)).to_vec();
    let request = match Envelope::<Request>::from_bytes(&bytes) {
        Ok(request) => request,
        Err(message) => {
            post(&Envelope {
                id: 0,
                body: Reply::Failed(message),
            });
            return;
        }
    };
    let id = request.id;
    CURRENT.set(id);
    ASKED.set(true);
    let mut files = Vec::new();
    for i in 1..parts.length() {
        match read_file(&parts.get(i)) {
            Ok(file) => files.push(file),
            Err(message) => {
                post(&Envelope {
                    id,
                    body: Reply::Failed(message),
                });
                return;
            }
        }
    }
    let mut last = f64::NEG_INFINITY;
    let mut last_stage = String::new();
    let reply = ENGINE.with_borrow_mut(|engine| {
        engine.handle(request.body, &files, &mut |stage, percent| {
            // At most one message per percent, and one when the stage changes.
            if percent >= last + 1.0 || stage != last_stage {
                last = percent;
                last_stage = stage.to_string();
                post(&Envelope {
                    id,
                    body: Reply::Progress {
                        stage: stage.to_string(),
                        percent,
                    },
                });
            }
        })
    });
    post(&Envelope { id, body: reply });
}

/// Starts answering the page, and tells it so (messages sent before this would be lost,
/// so the page waits for [`Reply::Ready`]).
pub fn serve() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        post(&Envelope {
            id: CURRENT.get(),
            body: Reply::Crashed(info.to_string()),
        });
    }));
    let handler = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(handle);
    scope().set_onmessage(Some(handler.as_ref().unchecked_ref()));
    handler.forget();
    post(&Envelope {
        id: 0,
        body: Reply::Ready,
    });
    // While the page starts (its own wasm, the browser's storage), the worker started
    // with the page (public/boot.js names it) analyses the bundled data under the
    // default view, which is what most pages ask first; unless the page has asked
    // something already. Workers started later (new data, series) are asked at once.
    if scope().name() != FIRST_WORKER {
        return;
    }
    let prepare = Closure::once_into_js(|| {
        if !ASKED.get() {
            ENGINE.with_borrow_mut(|engine| engine.prepare(Engine::likely_first()));
        }
    });
    let _ =
        scope().set_timeout_with_callback_and_timeout_and_arguments_0(prepare.unchecked_ref(), 0);
}
