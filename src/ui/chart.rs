//! The one component that renders charts: a charming `Chart` (built as data by
//! `crate::charts`, finished by `crate::chart_style`'s rules for the theme shown)
//! drawn by ECharts, with a text alternative and a PNG download. Each chart owns exactly one ECharts instance, disposed before the chart
//! is drawn again and when its view goes, so instances never outlive their elements.

use super::{browser, AppState};
use charming::Chart;
use leptos::html::Div;
use leptos::prelude::*;

/// A chart with its caption. `alt` says in words what the chart shows. When the chart
/// would have nothing to draw, `empty` says so (see `crate::charts::empty`), and the
/// sentence is shown instead of bare axes.
#[component]
pub fn ChartView(
    /// Unique element id (also the PNG file's name).
    id: String,
    chart: Chart,
    alt: String,
    #[prop(default = 280)] height: u32,
    #[prop(default = None)] empty: Option<String>,
) -> impl IntoView {
    if let Some(sentence) = empty {
        return view! {
            <figure class="chart">
                <p class="chart-empty muted" data-testid="chart-empty">{sentence}</p>
            </figure>
        }
        .into_any();
    }
    let state = expect_context::<AppState>();
    let node = NodeRef::<Div>::new();
    let render_id = id.clone();
    let chart = StoredValue::new(chart);
    Effect::new(move |_| {
        let dark = state.dark.get();
        if node.get().is_none() {
            return;
        }
        let render_id = render_id.clone();
        leptos::task::spawn_local(async move {
            if let Err(e) = browser::ensure_echarts().await {
                leptos::logging::warn!("chart {render_id}: {e}");
                return;
            }
            // Each chart is drawn in a task of its own, so that a view of many charts
            // never holds the page for all of them at once.
            gloo_timers::future::TimeoutFuture::new(0).await;
            // The view may have gone, or the theme changed again, while ECharts loaded.
            let Some(element) = node.try_get_untracked().flatten() else {
                return;
            };
            if state.dark.try_get_untracked() != Some(dark) {
                return;
            }
            // A new theme draws a new instance: the previous one goes first.
            browser::dispose_chart(&element);
            let drawn =
                chart.try_with_value(|chart| browser::draw_chart(&element, chart, dark, height));
            if let Some(Err(e)) = drawn {
                leptos::logging::warn!("chart {render_id}: {e}");
            }
        });
    });
    // Cleanups run before the owner drops its nodes, so the element is still known here.
    on_cleanup(move || {
        if let Some(element) = node.try_get_untracked().flatten() {
            browser::dispose_chart(&element);
        }
    });
    let png_id = id.clone();
    let on_png = move |_| {
        let result = browser::chart_png(&png_id, state.dark.get_untracked())
            .and_then(|url| browser::download_url(&format!("{png_id}.png"), &url));
        if let Err(e) = result {
            leptos::logging::warn!("PNG export: {e}");
        }
    };
    view! {
        <figure class="chart">
            <div id=id.clone() node_ref=node class="chart-canvas" role="img" aria-label=alt.clone()
                style=format!("height: {height}px")></div>
            <figcaption>
                <span class="alt">{alt}</span>
                <button class="link" on:click=on_png>"Download PNG"</button>
            </figcaption>
        </figure>
    }
    .into_any()
}
