//! The single-page app's entry point: sets the panic hook and mounts the UI. Nothing else.

fn main() {
    feature_radar::ui::mount();
}
