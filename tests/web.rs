//! Browser tests: components mounted in headless Chromium (wasm-bindgen-test).

#![cfg(target_arch = "wasm32")]

use feature_radar::synth::{generate, SynthParams};
use feature_radar::telemetry::{Dataset, Granularity};
use feature_radar::ui::ranking::RankingTable;
use feature_radar::{analyze, Config};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn ranking_table_shows_every_feature_most_urgent_first() {
    let data = generate(&SynthParams {
        seed: 3,
        features: 12,
        days: 100,
        ..SynthParams::default()
    });
    let dataset = Dataset::from_records(&data.telemetry, Granularity::Days).unwrap();
    let report = analyze(&dataset, &data.events, &Config::default());
    let ranking = report.ranking.clone();

    let document = web_sys::window().unwrap().document().unwrap();
    let container = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&container).unwrap();
    let handle = leptos::mount::mount_to(container.clone().unchecked_into(), move || {
        view! { <RankingTable ranking=ranking.clone()/> }
    });

    let rows = container
        .query_selector_all("[data-testid=ranking-row]")
        .unwrap();
    assert_eq!(rows.length(), 12);
    let first = rows.item(0).unwrap().unchecked_into::<web_sys::Element>();
    let name = first
        .query_selector("th")
        .unwrap()
        .unwrap()
        .text_content()
        .unwrap();
    assert_eq!(name, report.ranking[0].feature);
    let tiers: Vec<String> = (0..rows.length())
        .map(|i| {
            rows.item(i)
                .unwrap()
                .unchecked_into::<web_sys::Element>()
                .query_selector(".badge")
                .unwrap()
                .unwrap()
                .text_content()
                .unwrap()
        })
        .collect();
    let rank = |t: &str| {
        ["investigate", "watch", "monitor"]
            .iter()
            .position(|x| *x == t)
            .unwrap()
    };
    assert!(
        tiers.windows(2).all(|w| rank(&w[0]) <= rank(&w[1])),
        "{tiers:?}"
    );
    drop(handle);
}
