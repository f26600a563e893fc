//! The single-page app's entry point: sets the panic hook and mounts the UI. Nothing else.

#[cfg(target_arch = "wasm32")]
fn main() {
    feature_radar::ui::mount();
}

/// The app runs in the browser only; natively, point at the command-line tool.
#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("feature-radar-app is the web app: build it with Trunk (see README.md). For the command line, run feature-radar.");
    std::process::exit(2);
}
