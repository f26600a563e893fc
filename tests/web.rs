//! Browser tests: components mounted in headless Chromium (wasm-bindgen-test), driven as a
//! person would (clicks, typing, choosing a file), checked by what the page shows.

#![cfg(target_arch = "wasm32")]

use feature_radar::charts::lead_time_chart;
use feature_radar::engine::{SourceSpec, SourceSummary};
use feature_radar::impact::ImpactWeights;
use feature_radar::kept::Found;
use feature_radar::report::prepare;
use feature_radar::synth::{generate, SynthParams};
use feature_radar::telemetry::{Dataset, Granularity};
use feature_radar::ui::chart::ChartView;
use feature_radar::ui::controls::Controls;
use feature_radar::ui::data_source::DataPanel;
use feature_radar::ui::ranking::RankingTable;
use feature_radar::ui::storage;
use feature_radar::ui::{AppState, Shared};
use feature_radar::view_state::ViewState;
use feature_radar::Config;
use leptos::prelude::*;
use std::sync::Arc;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn container() -> web_sys::HtmlElement {
    let document = web_sys::window().unwrap().document().unwrap();
    let div = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&div).unwrap();
    div.unchecked_into()
}

fn all(root: &web_sys::Element, selector: &str) -> Vec<web_sys::HtmlElement> {
    let list = root.query_selector_all(selector).unwrap();
    (0..list.length())
        .map(|i| list.item(i).unwrap().unchecked_into())
        .collect()
}

fn one(root: &web_sys::Element, selector: &str) -> web_sys::HtmlElement {
    root.query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("no {selector}"))
        .unchecked_into()
}

fn row_names(root: &web_sys::Element) -> Vec<String> {
    all(root, "[data-testid=ranking-row] th")
        .iter()
        .map(|th| th.text_content().unwrap())
        .collect()
}

fn fire(element: &web_sys::HtmlElement, kind: &str) {
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    let event = web_sys::Event::new_with_event_init_dict(kind, &init).unwrap();
    element.dispatch_event(&event).unwrap();
}

async fn tick() {
    gloo_timers::future::TimeoutFuture::new(30).await;
}

/// An app state showing the report of an analysed synthetic dataset, as the engine's
/// worker would have sent it.
fn analysed_state(features: usize) -> AppState {
    let data = generate(&SynthParams {
        seed: 3,
        features,
        days: 150,
        ..SynthParams::default()
    });
    let dataset = Dataset::from_records(&data.telemetry, Granularity::Days).unwrap();
    let config = Config::default();
    let analysis = prepare(&dataset, &data.events, &config.model, &config.slo);
    let state = AppState::new(ViewState::default());
    state.source.set(Some(Shared(Arc::new(SourceSummary {
        label: "test data".into(),
        spec: SourceSpec::Bundled,
        features,
        start: dataset.start,
        end: dataset.end(),
        events: data.events.len(),
        problems: vec![],
        problem_count: 0,
        ignored_columns: vec![],
    }))));
    let report = analysis.report(&config.tiers, &config.impact);
    state.report.set(Some(Shared(Arc::new(report))));
    state
}

#[wasm_bindgen_test]
async fn the_table_sorts_by_a_column_and_filters_by_tier_and_text() {
    let state = analysed_state(30);
    let report = state.report.get_untracked().unwrap();
    assert!(
        report.model_card.fits > 0,
        "the model scores these days, so risks differ"
    );
    let root = container();
    let view = state.view;
    let _handle = leptos::mount::mount_to(root.clone(), move || {
        view! { <RankingTable report=state.report.into() view=view on_open=Callback::new(|_: String| {})/> }
    });
    let priority = row_names(&root);
    assert_eq!(priority.len(), 30);
    assert_eq!(priority[0], report.ranking[0].feature);

    // Sort by risk, highest first, by clicking the column header.
    one(&root, "[data-testid=sort-risk]").click();
    tick().await;
    let mut by_risk: Vec<_> = report.ranking.iter().collect();
    by_risk.sort_by(|a, b| b.risk.total_cmp(&a.risk));
    assert_eq!(row_names(&root)[0], by_risk[0].feature);
    let header = one(&root, "th[aria-sort=descending]");
    assert!(header.text_content().unwrap().contains("Risk"));
    // A second click reverses the order.
    one(&root, "[data-testid=sort-risk]").click();
    tick().await;
    assert_eq!(row_names(&root)[0], by_risk.last().unwrap().feature);

    // Type a filter: only matching features remain.
    let wanted = report.ranking[3].feature.clone();
    let input: web_sys::HtmlInputElement = one(&root, "[data-testid=text-filter]").unchecked_into();
    input.set_value(&wanted);
    fire(&input, "input");
    tick().await;
    assert_eq!(row_names(&root), vec![wanted]);

    // Filter by tier: every row shown is in that tier.
    input.set_value("");
    fire(&input, "input");
    let select: web_sys::HtmlSelectElement =
        one(&root, "[data-testid=tier-filter]").unchecked_into();
    select.set_value("monitor");
    fire(&select, "change");
    tick().await;
    let badges: Vec<String> = all(&root, "[data-testid=ranking-row] .badge")
        .iter()
        .map(|b| b.text_content().unwrap())
        .collect();
    let monitored = report
        .ranking
        .iter()
        .filter(|r| r.tier.as_str() == "monitor")
        .count();
    assert_eq!(badges.len(), monitored);
    assert!(badges.iter().all(|b| b == "monitor"));
}

/// The slider sets the weight the engine is asked for; Reset brings the default back.
/// (The reordering itself is the engine's: tests/it/worker_protocol.rs and the e2e run.)
#[wasm_bindgen_test]
async fn a_new_report_moves_the_rows_and_updates_their_figures() {
    let state = analysed_state(30);
    let report = state.report.get_untracked().unwrap();
    let root = container();
    let view = state.view;
    let _handle = leptos::mount::mount_to(root.clone(), move || {
        view! { <RankingTable report=state.report.into() view=view on_open=Callback::new(|_: String| {})/> }
    });
    let rows_before = all(&root, "[data-testid=ranking-row]");
    // Risk alone orders the features differently from risk times usage.
    let by_risk = report.reweighted(&ImpactWeights { usage: 0.0 });
    assert_ne!(
        by_risk
            .ranking
            .iter()
            .map(|s| &s.feature)
            .collect::<Vec<_>>(),
        report
            .ranking
            .iter()
            .map(|s| &s.feature)
            .collect::<Vec<_>>()
    );
    state.report.set(Some(Shared(Arc::new(by_risk.clone()))));
    tick().await;
    let expected: Vec<String> = by_risk.ranking.iter().map(|s| s.feature.clone()).collect();
    assert_eq!(row_names(&root), expected, "the new order");
    let rows_after = all(&root, "[data-testid=ranking-row]");
    for (status, row) in by_risk.ranking.iter().zip(&rows_after) {
        // The same row element, moved, with the new impact in its cells.
        let before = rows_before
            .iter()
            .find(|r| {
                r.query_selector("th")
                    .unwrap()
                    .unwrap()
                    .text_content()
                    .unwrap()
                    == status.feature
            })
            .unwrap();
        assert!(
            before.is_same_node(Some(row)),
            "{} kept its row",
            status.feature
        );
        let text = row.text_content().unwrap();
        // Impact with its unit under the weights shown (at usage weight 0, the risk).
        let impact = by_risk.config.impact.show(status.impact);
        assert!(text.contains(&impact), "{impact} not in {text}");
    }
}

#[wasm_bindgen_test]
async fn the_usage_slider_and_reset_set_the_weight() {
    let state = analysed_state(5);
    let root = container();
    let _handle = leptos::mount::mount_to(root.clone(), move || {
        provide_context(state);
        view! { <Controls/> }
    });
    tick().await;
    let default = state.view.get_untracked().weights.usage;
    let slider: web_sys::HtmlInputElement = one(&root, "[data-testid=usage]").unchecked_into();
    slider.set_value("0");
    fire(&slider, "input");
    tick().await;
    assert_eq!(state.view.get_untracked().weights.usage, 0.0);
    assert_eq!(state.knobs().weights.usage, 0.0);
    one(&root, "[data-testid=reset]").click();
    tick().await;
    assert_eq!(state.view.get_untracked().weights.usage, default);
}

fn choose_file(input: &web_sys::HtmlInputElement, name: &str, text: &str) {
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let file = web_sys::File::new_with_str_sequence(&parts, name).unwrap();
    let transfer = web_sys::DataTransfer::new().unwrap();
    transfer.items().add_with_file(&file).unwrap();
    input.set_files(transfer.files().as_ref());
    fire(input, "change");
}

/// The data panel mounted with the load error shown above it, and its file input.
async fn data_panel(state: AppState) -> (web_sys::HtmlElement, web_sys::HtmlInputElement) {
    let root = container();
    // The mount stays for the rest of the test page's life.
    std::mem::forget(leptos::mount::mount_to(root.clone(), move || {
        provide_context(state);
        view! {
            {move || state.load_error.get().map(|m| view! { <div data-testid="error">{m}</div> })}
            <DataPanel/>
        }
    }));
    tick().await;
    let input = one(&root, "[data-testid=file-input]").unchecked_into();
    (root, input)
}

async fn wait_for(root: &web_sys::Element, selector: &str) -> web_sys::HtmlElement {
    for _ in 0..200 {
        if let Some(found) = root.query_selector(selector).unwrap() {
            return found.unchecked_into();
        }
        tick().await;
    }
    panic!("no {selector}")
}

/// The page's side of a failed upload: the message is shown and the previous data
/// stays. In this test page the engine's worker cannot start (its script is not served
/// here), which is also what a person sees if the worker fails to load. The engine's own
/// messages (file, line, column) are tested natively: tests/it/worker_protocol.rs.
#[wasm_bindgen_test]
async fn an_upload_the_engine_cannot_take_leaves_the_previous_data_with_a_message() {
    let state = analysed_state(6);
    let (root, input) = data_panel(state).await;
    let before = state.report.get_untracked().unwrap();

    // An events file alone: the page asks for telemetry, without calling the engine.
    choose_file(&input, "events.csv", "timestamp,feature,kind,title\n");
    let error = wait_for(&root, "[data-testid=error]").await;
    assert!(error
        .text_content()
        .unwrap()
        .contains("Choose a telemetry file"));
    assert!(state.busy.get_untracked().is_none());

    // A telemetry file: the engine is asked, fails to start, and says so.
    state.load_error.set(None);
    tick().await;
    assert!(root
        .query_selector("[data-testid=error]")
        .unwrap()
        .is_none());
    choose_file(
        &input,
        "telemetry.csv",
        "date,feature,sessions\n2026-01-01,a,10\n",
    );
    assert!(
        state.busy.get_untracked().is_some(),
        "the page says it is working"
    );
    let error = wait_for(&root, "[data-testid=error]").await;
    let text = error.text_content().unwrap();
    assert!(
        text.contains("the page still shows the previous data"),
        "{text}"
    );
    assert!(state.busy.get_untracked().is_none());
    assert_eq!(state.source.get_untracked().unwrap().label, "test data");
    assert!(state.report.get_untracked().unwrap() == before);
}

/// Loads ECharts into the test page, as the app's page does with a script element.
fn load_echarts() -> JsValue {
    let global = js_sys::global();
    let loaded = || js_sys::Reflect::get(&global, &"echarts".into()).unwrap();
    if loaded().is_undefined() {
        js_sys::Function::new_no_args(include_str!("../public/vendor/echarts-5.6.0.min.js"))
            .call0(&JsValue::NULL)
            .unwrap();
    }
    loaded()
}

/// Calls `object.name(args...)`.
fn call(object: &JsValue, name: &str, args: &[&JsValue]) -> JsValue {
    let f: js_sys::Function = js_sys::Reflect::get(object, &name.into())
        .unwrap()
        .unchecked_into();
    f.apply(object, &args.iter().map(|a| (*a).clone()).collect())
        .unwrap()
}

#[wasm_bindgen_test]
async fn a_chart_has_one_echarts_instance_and_disposes_it_when_its_view_goes() {
    let echarts = load_echarts();
    let state = AppState::new(ViewState::default());
    let shown = RwSignal::new(true);
    let root = container();
    let _handle = leptos::mount::mount_to(root.clone(), move || {
        provide_context(state);
        view! {
            <Show when=move || shown.get()>
                <ChartView id="lead-times".to_string() chart=lead_time_chart(&[1, 3, 3, 5], 7, 2)
                    alt="Lead times".to_string()/>
            </Show>
        }
    });
    tick().await;
    let element: JsValue = one(&root, "#lead-times").into();
    let instance = |element: &JsValue| call(&echarts, "getInstanceByDom", &[element]);
    let disposed = |chart: &JsValue| call(chart, "isDisposed", &[]).is_truthy();
    let first = instance(&element);
    assert!(!first.is_undefined(), "the chart is drawn");

    // Drawn again in the other theme: the first instance goes, one stays.
    state.dark.set(true);
    tick().await;
    let second = instance(&element);
    assert!(!second.is_undefined() && second != first);
    assert!(disposed(&first), "the first instance outlived the redraw");

    // The view goes: so does its instance, although the element itself still exists.
    shown.set(false);
    tick().await;
    assert!(root.query_selector("#lead-times").unwrap().is_none());
    assert!(disposed(&second), "the instance outlived its view");
    assert!(instance(&element).is_undefined());
}

fn text_file(name: &str, text: &str) -> web_sys::File {
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    web_sys::File::new_with_str_sequence(&parts, name).unwrap()
}

async fn text_of(file: &web_sys::File) -> String {
    wasm_bindgen_futures::JsFuture::from(file.text())
        .await
        .unwrap()
        .as_string()
        .unwrap()
}

/// The browser keeps the person's files between visits (IndexedDB): what is kept is read
/// back with its names, bytes and time, a new upload replaces it, and forgetting removes it.
#[wasm_bindgen_test]
async fn files_kept_in_the_browser_are_read_back_replaced_and_forgotten() {
    let telemetry = "date,feature,sessions,latency_p95_ms,crash_rate\n2026-01-01,a,10,200,0\n";
    let events = "timestamp,feature,kind,title\n2026-01-01,a,deploy,v1\n";
    let files = [
        text_file("telemetry.csv", telemetry),
        text_file("events.csv", events),
    ];
    storage::save(&files, 1_780_000_000_000.0).await.unwrap();
    let (found, kept) = storage::load().await;
    let Found::Files(entry) = found else {
        panic!("{found:?}")
    };
    assert_eq!(entry.names(), "telemetry.csv and events.csv");
    assert_eq!(entry.bytes, (telemetry.len() + events.len()) as f64);
    assert_eq!(entry.loaded_at_ms, 1_780_000_000_000.0);
    assert_eq!(kept.len(), 2);
    assert_eq!(text_of(&kept[0]).await, telemetry);
    assert_eq!(text_of(&kept[1]).await, events);

    // A telemetry file alone replaces both.
    storage::save(&files[..1], 1_780_000_100_000.0)
        .await
        .unwrap();
    let (found, kept) = storage::load().await;
    let Found::Files(entry) = found else {
        panic!("{found:?}")
    };
    assert_eq!(
        (entry.names(), entry.events, kept.len()),
        ("telemetry.csv".to_string(), None, 1)
    );

    storage::forget().await.unwrap();
    assert_eq!(storage::load().await.0, Found::Nothing);
    // Forgetting nothing is not an error.
    storage::forget().await.unwrap();
}
