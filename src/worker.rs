//! The engine's Web Worker (see `ui::worker`), built for wasm32 by Trunk beside the page.

fn main() {
    feature_radar::ui::worker::serve();
}
