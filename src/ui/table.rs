//! Text, tables and pickers made from data for the cohort, release and comparison views:
//! the text and tables as escaped HTML, and one shape of element for every select, so
//! that the page's wasm carries their code once (each distinct view is code of its own,
//! and the first view's transfer has a budget).

use super::chart::ChartView;
use leptos::prelude::*;

/// A cell's text and its class (`num` right-aligns a figure).
pub struct Cell {
    pub text: String,
    pub class: &'static str,
}

impl Cell {
    pub fn text(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            class: "",
        }
    }

    pub fn num(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            class: "num",
        }
    }

    pub fn class(text: impl Into<String>, class: &'static str) -> Cell {
        Cell {
            text: text.into(),
            class,
        }
    }
}

/// A row: its header cell, its cells, and its class.
pub struct Row {
    pub head: String,
    pub cells: Vec<Cell>,
    pub class: &'static str,
}

pub struct Table {
    /// The table's `data-testid`, and its rows'.
    pub testid: &'static str,
    pub row_testid: &'static str,
    /// A class besides `plain`.
    pub class: &'static str,
    /// What the scrolling box holds, for assistive technology.
    pub label: String,
    pub caption: String,
    pub head: Vec<Cell>,
    pub rows: Vec<Row>,
}

/// Text made safe to put in HTML, as an element's text or a quoted attribute's value.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A list of sentences as HTML: `<ul>` with an item each.
pub fn list_html(testid: &str, items: &[String]) -> String {
    let mut out = format!("<ul data-testid=\"{testid}\">");
    for item in items {
        out.push_str(&format!("<li>{}</li>", esc(item)));
    }
    out.push_str("</ul>");
    out
}

/// The table as HTML, in a box that scrolls sideways on a narrow screen (and can be
/// focused, so that a keyboard scrolls it too). Every text in it is escaped.
pub fn table_html(t: &Table) -> String {
    let cell = |tag: &str, scope: &str, c: &Cell| {
        format!(
            "<{tag}{scope} class=\"{}\">{}</{tag}>",
            c.class,
            esc(&c.text)
        )
    };
    let mut out = format!(
        "<div class=\"table-wrap\" tabindex=\"0\" role=\"region\" aria-label=\"{}\"><table class=\"plain {}\" data-testid=\"{}\"><caption>{}</caption><thead><tr>",
        esc(&t.label),
        t.class,
        t.testid,
        esc(&t.caption)
    );
    for c in &t.head {
        out.push_str(&cell("th", " scope=\"col\"", c));
    }
    out.push_str("</tr></thead><tbody>");
    for r in &t.rows {
        out.push_str(&format!(
            "<tr class=\"{}\" data-testid=\"{}\"><th scope=\"row\">{}</th>",
            r.class,
            t.row_testid,
            esc(&r.head)
        ));
        for c in &r.cells {
            out.push_str(&cell("td", "", c));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></div>");
    out
}

/// HTML made by this module's functions (its texts escaped), in a `div`: text and tables
/// that never change once shown cost the page's wasm a few format strings this way,
/// where a view of their own elements would be code for each.
pub fn html(class: &'static str, html: String) -> AnyView {
    view! { <div class=class inner_html=html></div> }.into_any()
}

/// A labelled select of `options`, `selected` first shown; `changed` gets the position
/// chosen.
pub fn select(
    label: &'static str,
    testid: &'static str,
    options: Vec<String>,
    selected: usize,
    changed: Box<dyn Fn(usize)>,
) -> AnyView {
    let options = options
        .into_iter()
        .enumerate()
        .map(|(i, o)| view! { <option value=i.to_string() selected=i == selected>{o}</option> })
        .collect_view();
    view! {
        <label>
            {label}
            <select data-testid=testid on:change=move |ev| changed(event_target_value(&ev).parse().unwrap_or(0))>
                {options}
            </select>
        </label>
    }
    .into_any()
}

/// A chart to draw, as `ChartView` takes it.
pub struct ChartSpec {
    pub id: String,
    pub chart: charming::Chart,
    pub alt: String,
    pub height: u32,
    pub empty: Option<String>,
}

/// Charts one after another.
pub fn charts(specs: Vec<ChartSpec>) -> AnyView {
    specs
        .into_iter()
        .map(|c| view! { <ChartView id=c.id chart=c.chart alt=c.alt height=c.height empty=c.empty/> })
        .collect_view()
        .into_any()
}

/// A section: its words (made by this module's functions, headed by the `h2` whose id
/// is `labelled`), then its controls, then the rest (charts, say).
pub fn section(
    labelled: &'static str,
    testid: &'static str,
    words: String,
    controls: AnyView,
    rest: AnyView,
) -> AnyView {
    view! {
        <section aria-labelledby=labelled data-testid=testid>
            <div inner_html=words></div>
            <div class="chart-controls">{controls}</div>
            {rest}
        </section>
    }
    .into_any()
}
