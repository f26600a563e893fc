//! The page's side of the engine's Web Worker: the engine never runs on the page's thread.
//!
//! The page keeps at most two workers. The *current* one holds the analysis whose report
//! the page shows, and answers its questions (a report for other tiers or weights, a
//! feature's detail, a refit for another horizon). An analysis of new data runs in a
//! *pending* worker of its own, so that the current results stay usable meanwhile; when it
//! is done it becomes the current worker, and the old one is terminated. Cancelling
//! terminates the pending worker (or, during a refit, the current one). A worker that
//! crashes is dropped. Requests wait until their worker says it is ready.

use crate::engine::{Envelope, Reply, Request};
use std::cell::RefCell;
use std::collections::HashMap;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// The worker's start-up script (public/engine-worker.js), relative to the page.
const WORKER_URL: &str = "./engine-worker.js";

type Done = Box<dyn FnOnce(Reply)>;
type Progress = Box<dyn FnMut(&str, f64)>;

struct Handle {
    serial: u64,
    worker: web_sys::Worker,
    /// Messages waiting for the worker to be ready (None once it is).
    queue: Option<Vec<js_sys::Array>>,
    _on_message: Closure<dyn FnMut(web_sys::MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::Event)>,
}

impl Handle {
    fn send(&mut self, message: js_sys::Array) {
        match &mut self.queue {
            Some(queue) => queue.push(message),
            None => {
                let _ = self.worker.post_message(&message);
            }
        }
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.worker.terminate();
    }
}

struct Waiting {
    serial: u64,
    progress: Progress,
    done: Done,
}

#[derive(Default)]
struct Client {
    current: Option<Handle>,
    /// An analysis in a worker of its own, and its request's id.
    pending: Option<(Handle, u64)>,
    /// The refit the current worker is doing, if any.
    refitting: Option<u64>,
    /// One-off jobs (a series to score), each in a worker of its own, by request id.
    jobs: HashMap<u64, Handle>,
    waiting: HashMap<u64, Waiting>,
    next: u64,
}

thread_local! {
    static CLIENT: RefCell<Client> = RefCell::new(Client::default());
}

impl Client {
    fn id(&mut self) -> u64 {
        self.next += 1;
        self.next
    }

    fn handle_mut(&mut self, serial: u64) -> Option<&mut Handle> {
        if let Some(handle) = self.jobs.get_mut(&serial) {
            return Some(handle);
        }
        if let Some((handle, _)) = self.pending.as_mut().filter(|(h, _)| h.serial == serial) {
            return Some(handle);
        }
        self.current.as_mut().filter(|h| h.serial == serial)
    }

    /// Forgets a worker that can no longer answer; returns its waiting requests.
    fn drop_worker(&mut self, serial: u64) -> Vec<Waiting> {
        if self
            .pending
            .as_ref()
            .is_some_and(|(h, _)| h.serial == serial)
        {
            self.pending = None;
        }
        if self.current.as_ref().is_some_and(|h| h.serial == serial) {
            self.current = None;
            self.refitting = None;
        }
        self.jobs.remove(&serial);
        let ids: Vec<u64> = self
            .waiting
            .iter()
            .filter(|(_, w)| w.serial == serial)
            .map(|(id, _)| *id)
            .collect();
        ids.into_iter()
            .filter_map(|id| self.waiting.remove(&id))
            .collect()
    }
}

fn on_message(serial: u64, event: web_sys::MessageEvent) {
    let bytes = js_sys::Uint8Array::new(&event.data()).to_vec();
    let Ok(Envelope { id, body }) = Envelope::<Reply>::from_bytes(&bytes) else {
        return;
    };
    match body {
        Reply::Ready => CLIENT.with_borrow_mut(|client| {
            if let Some(handle) = client.handle_mut(serial) {
                for message in handle.queue.take().unwrap_or_default() {
                    let _ = handle.worker.post_message(&message);
                }
            }
        }),
        Reply::Progress { stage, percent } => {
            // Called outside the borrow: the callback may use the client.
            let taken = CLIENT.with_borrow_mut(|client| client.waiting.remove(&id));
            if let Some(mut waiting) = taken {
                (waiting.progress)(&stage, percent);
                CLIENT.with_borrow_mut(|client| client.waiting.insert(id, waiting));
            }
        }
        Reply::Crashed(message) => {
            let waiting = CLIENT.with_borrow_mut(|client| client.drop_worker(serial));
            for w in waiting {
                (w.done)(Reply::Crashed(message.clone()));
            }
        }
        reply => {
            let waiting = CLIENT.with_borrow_mut(|client| {
                if client.pending.as_ref().is_some_and(|(_, p)| *p == id) {
                    if let Some((handle, _)) = client.pending.take() {
                        // The old worker goes, with what was still asked of it (its
                        // answers would be about the old data); it is terminated as it drops.
                        if let Some(old) = client.current.as_ref().map(|h| h.serial) {
                            client.waiting.retain(|_, w| w.serial != old);
                        }
                        client.current = Some(handle);
                        client.refitting = None;
                    }
                } else if matches!(reply, Reply::Failed(_))
                    && client
                        .pending
                        .as_ref()
                        .is_some_and(|(h, _)| h.serial == serial)
                {
                    client.pending = None;
                }
                if client.refitting == Some(id) {
                    client.refitting = None;
                }
                // A one-off job's worker is done (terminated as it drops).
                client.jobs.remove(&id);
                client.waiting.remove(&id)
            });
            if let Some(w) = waiting {
                (w.done)(reply);
            }
        }
    }
}

/// A worker's error: an `ErrorEvent` for an uncaught error, a plain `Event` when its
/// script could not be loaded.
fn on_error(serial: u64, event: web_sys::Event) {
    let message = event
        .dyn_ref::<web_sys::ErrorEvent>()
        .map(|e| e.message())
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| "the engine's worker could not be started".to_string());
    let waiting = CLIENT.with_borrow_mut(|client| client.drop_worker(serial));
    for w in waiting {
        (w.done)(Reply::Crashed(message.clone()));
    }
}

/// The worker `boot.js` started while the page's own WebAssembly loaded, with the events
/// it sent meanwhile (taken once; None without one, as in the browser tests).
fn claim_early_worker() -> Option<(web_sys::Worker, Vec<web_sys::Event>)> {
    let window = web_sys::window()?;
    let key = JsValue::from_str("featureRadarEngine");
    let early = js_sys::Reflect::get(&window, &key).ok()?;
    if early.is_undefined() {
        return None;
    }
    let _ = js_sys::Reflect::delete_property(window.unchecked_ref::<js_sys::Object>(), &key);
    let worker = js_sys::Reflect::get(&early, &"worker".into())
        .ok()?
        .dyn_into::<web_sys::Worker>()
        .ok()?;
    let events = js_sys::Reflect::get(&early, &"events".into())
        .ok()?
        .dyn_into::<js_sys::Array>()
        .ok()?;
    let events = events
        .iter()
        .filter_map(|e| e.dyn_into::<web_sys::Event>().ok())
        .collect();
    Some((worker, events))
}

fn spawn(serial: u64) -> Result<Handle, String> {
    let (worker, early) = match claim_early_worker() {
        Some(claimed) => claimed,
        None => (
            web_sys::Worker::new(WORKER_URL)
                .map_err(|e| format!("the engine's worker could not start ({e:?})"))?,
            Vec::new(),
        ),
    };
    if !early.is_empty() {
        // Handled as they would have been, once the handle is in place (a task later).
        wasm_bindgen_futures::spawn_local(async move {
            for event in early {
                match event.dyn_into::<web_sys::MessageEvent>() {
                    Ok(message) => on_message(serial, message),
                    Err(other) => on_error(serial, other),
                }
            }
        });
    }
    let on_message_closure =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e| on_message(serial, e));
    let on_error_closure = Closure::<dyn FnMut(web_sys::Event)>::new(move |e| on_error(serial, e));
    worker.set_onmessage(Some(on_message_closure.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error_closure.as_ref().unchecked_ref()));
    Ok(Handle {
        serial,
        worker,
        queue: Some(Vec::new()),
        _on_message: on_message_closure,
        _on_error: on_error_closure,
    })
}

fn message(id: u64, request: Request, files: &[web_sys::File]) -> js_sys::Array {
    let bytes = Envelope { id, body: request }.to_bytes();
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes.as_slice()));
    for file in files {
        parts.push(file);
    }
    parts
}

/// What a new worker is for.
enum Role {
    /// An analysis that replaces the current one when it is done.
    Pending,
    /// A request that needs no analysis; the worker goes when it answers.
    Once,
}

/// Starts `request` in a new worker of `role`.
fn start(role: Role, request: Request, files: &[web_sys::File], progress: Progress, done: Done) {
    let spawned = CLIENT.with_borrow_mut(|client| {
        if let (Role::Pending, Some((old, _))) = (&role, client.pending.take()) {
            client.drop_worker(old.serial);
        }
        let id = client.id();
        spawn(id).map(|handle| (id, handle))
    });
    let (id, mut handle) = match spawned {
        Ok(spawned) => spawned,
        Err(message) => return done(Reply::Crashed(message)),
    };
    handle.send(message(id, request, files));
    CLIENT.with_borrow_mut(|client| {
        let serial = handle.serial;
        client.waiting.insert(
            id,
            Waiting {
                serial,
                progress,
                done,
            },
        );
        match role {
            Role::Pending => client.pending = Some((handle, id)),
            Role::Once => {
                client.jobs.insert(id, handle);
            }
        }
    });
}

/// Starts an analysis (`Request::Analyse`) in a new worker, replacing any pending one
/// (whose callbacks are dropped). `done` receives `Reply::Analysed`, `Failed` or `Crashed`.
pub fn analyse(
    request: Request,
    files: &[web_sys::File],
    progress: impl FnMut(&str, f64) + 'static,
    done: impl FnOnce(Reply) + 'static,
) {
    start(
        Role::Pending,
        request,
        files,
        Box::new(progress),
        Box::new(done),
    );
}

/// Runs a request that needs no analysis (a series to score) in a worker of its own,
/// which is terminated when it answers; the analysis workers are not kept waiting.
pub fn run_once(request: Request, files: &[web_sys::File], done: impl FnOnce(Reply) + 'static) {
    start(
        Role::Once,
        request,
        files,
        Box::new(|_, _| {}),
        Box::new(done),
    );
}

/// Asks the current worker. Returns false (and calls nothing) when there is none.
pub fn ask(
    request: Request,
    progress: impl FnMut(&str, f64) + 'static,
    done: impl FnOnce(Reply) + 'static,
) -> bool {
    CLIENT.with_borrow_mut(|client| {
        let id = client.id();
        let refit = matches!(request, Request::Refit { .. });
        let Some(handle) = client.current.as_mut() else {
            return false;
        };
        let serial = handle.serial;
        handle.send(message(id, request, &[]));
        if refit {
            client.refitting = Some(id);
        }
        client.waiting.insert(
            id,
            Waiting {
                serial,
                progress: Box::new(progress),
                done: Box::new(done),
            },
        );
        true
    })
}

/// Stops the pending analysis, if any; the current results stay. Returns whether one ran.
pub fn cancel_analysis() -> bool {
    CLIENT.with_borrow_mut(|client| match client.pending.take() {
        Some((handle, _)) => {
            client.drop_worker(handle.serial);
            true
        }
        None => false,
    })
}

/// Stops a refit by terminating the current worker (its analysis goes with it). Returns
/// whether a refit was running.
pub fn cancel_refit() -> bool {
    CLIENT.with_borrow_mut(|client| {
        if client.refitting.is_none() {
            return false;
        }
        if let Some(serial) = client.current.as_ref().map(|h| h.serial) {
            client.drop_worker(serial);
        }
        true
    })
}
