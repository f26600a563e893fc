//! How charts look in the page's two themes: ECharts themes in the page's own colours
//! (text a reader can see on the card behind the chart), the marks' colours swapped for
//! the dark theme's, and the last touches ECharts needs that charming cannot say (series
//! that draw but stay out of the tooltip, the zoom's wheel). Pure: the page's chart
//! component registers the themes and applies these rules to the option it draws.

use charming::Chart;
use serde_json::{json, Value};

/// One theme's colours. The light ones are those `crate::charts` builds with; each has a
/// dark counterpart, the same as the page's stylesheet (style/main.css).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Palette {
    pub name: &'static str,
    /// The card a chart sits on.
    pub background: &'static str,
    pub text: &'static str,
    pub muted: &'static str,
    pub line: &'static str,
    pub investigate: &'static str,
    pub watch: &'static str,
    pub accent: &'static str,
    /// The expected range's shading.
    pub band: &'static str,
    /// More lines' colours, beside the marks', for charts with a line per cohort or
    /// feature (`LINES`).
    pub more: [&'static str; 4],
}

pub const LIGHT: Palette = Palette {
    name: "radar-light",
    background: "#ffffff",
    text: "#1b1f24",
    muted: "#56606b",
    line: "#d9dee4",
    investigate: "#b42318",
    watch: "#8a5100",
    accent: "#1f5fcc",
    band: "#5b8def",
    more: ["#0f7b6c", "#7b3fb5", "#256236", "#b8327a"],
};

pub const DARK: Palette = Palette {
    name: "radar-dark",
    background: "#1a1f25",
    text: "#e7eaee",
    muted: "#a9b2bd",
    line: "#2f3740",
    investigate: "#ff8f85",
    watch: "#ffc46b",
    accent: "#8ab4ff",
    band: "#8ab4ff",
    more: ["#5fd4c0", "#c9a2ff", "#8fd19e", "#ff9ad0"],
};

/// The colours of a chart with a line per cohort or feature, in the light theme (the
/// dark one's are swapped in like any other): distinct hues first, red and grey last.
pub const LINES: [&str; 8] = [
    LIGHT.accent,
    LIGHT.watch,
    LIGHT.more[0],
    LIGHT.more[1],
    LIGHT.investigate,
    LIGHT.more[2],
    LIGHT.more[3],
    LIGHT.muted,
];

/// The palette of the theme shown.
pub fn palette(dark: bool) -> &'static Palette {
    if dark {
        &DARK
    } else {
        &LIGHT
    }
}

/// Series drawn without a row in the tooltip: the expected range's shading is a base
/// and a width stacked on it, and a width is not the range's edge (the edges have rows
/// of their own, `EDGE_LOW` and `EDGE_HIGH`).
pub const BAND_BASE: &str = "expected range base";
pub const BAND: &str = "expected range";
pub const EDGE_LOW: &str = "expected low";
pub const EDGE_HIGH: &str = "expected high";
const QUIET: [&str; 2] = [BAND_BASE, BAND];

/// The ECharts theme (registered under the palette's name), as JSON text: text, axes,
/// legend, tooltip and zoom slider in the page's colours, series in its accent first.
/// (Text, not a `serde_json::Value`: the page's wasm has no JSON writer of its own and
/// does not need one for this.)
pub fn theme(dark: bool) -> String {
    let p = palette(dark);
    let axis = format!(
        r#"{{"axisLine":{{"lineStyle":{{"color":"{m}"}}}},"axisTick":{{"lineStyle":{{"color":"{m}"}}}},"axisLabel":{{"color":"{m}"}},"splitLine":{{"lineStyle":{{"color":["{l}"]}}}},"nameTextStyle":{{"color":"{m}"}}}}"#,
        m = p.muted,
        l = p.line,
    );
    format!(
        r#"{{"color":["{a}","{w}","{i}","{m}"],"backgroundColor":"transparent","textStyle":{{"color":"{t}"}},"title":{{"textStyle":{{"color":"{t}"}},"subtextStyle":{{"color":"{m}"}}}},"legend":{{"textStyle":{{"color":"{t}"}},"pageTextStyle":{{"color":"{t}"}},"pageIconColor":"{t}","pageIconInactiveColor":"{m}","inactiveColor":"{m}"}},"tooltip":{{"backgroundColor":"{b}","borderColor":"{l}","textStyle":{{"color":"{t}"}}}},"categoryAxis":{axis},"valueAxis":{axis},"timeAxis":{axis},"logAxis":{axis},"dataZoom":{{"textStyle":{{"color":"{m}"}},"borderColor":"{l}","handleStyle":{{"color":"{b}","borderColor":"{m}"}},"moveHandleStyle":{{"color":"{m}"}},"dataBackground":{{"lineStyle":{{"color":"{m}"}},"areaStyle":{{"color":"{l}"}}}},"fillerColor":"rgba(128, 128, 128, 0.15)"}}}}"#,
        a = p.accent,
        w = p.watch,
        i = p.investigate,
        m = p.muted,
        t = p.text,
        b = p.background,
        l = p.line,
    )
}

/// A zoom setting's value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Setting {
    Text(&'static str),
    Flag(bool),
    Number(f64),
}

/// The last touches ECharts needs that charming cannot say, as rules: the page applies
/// them to the option it hands ECharts (`ui::browser::draw_chart`), and `option` to its
/// JSON here, for the tests.
///
/// A series given this name draws but has no row in the tooltip.
pub fn quiet(series_name: &str) -> bool {
    QUIET.contains(&series_name)
}

/// Settings of a zoom of the given type: a plain wheel scrolls the page, with Shift it
/// zooms; the slider is slim.
pub fn zoom_settings(kind: &str) -> &'static [(&'static str, Setting)] {
    match kind {
        "inside" => &[
            ("zoomOnMouseWheel", Setting::Text("shift")),
            ("moveOnMouseWheel", Setting::Flag(false)),
        ],
        "slider" => &[("height", Setting::Number(18.0))],
        _ => &[],
    }
}

/// The dark theme's counterpart of a light palette colour.
pub fn dark_colour(colour: &str) -> Option<&'static str> {
    let pairs = [
        (LIGHT.text, DARK.text),
        (LIGHT.muted, DARK.muted),
        (LIGHT.line, DARK.line),
        (LIGHT.investigate, DARK.investigate),
        (LIGHT.watch, DARK.watch),
        (LIGHT.accent, DARK.accent),
        (LIGHT.band, DARK.band),
        (LIGHT.more[0], DARK.more[0]),
        (LIGHT.more[1], DARK.more[1]),
        (LIGHT.more[2], DARK.more[2]),
        (LIGHT.more[3], DARK.more[3]),
    ];
    pairs
        .iter()
        .find(|(light, _)| colour.eq_ignore_ascii_case(light))
        .map(|(_, dark)| *dark)
}

/// The chart's option as ECharts gets it in the theme shown, as JSON: the light
/// palette's colours swapped for the dark one's when dark, the quiet series out of the
/// tooltip, the zoom's settings.
pub fn option(chart: &Chart, dark: bool) -> Value {
    let mut option = serde_json::to_value(chart).unwrap_or(Value::Null);
    if dark {
        recolour(&mut option);
    }
    if let Some(zooms) = option.get_mut("dataZoom").and_then(Value::as_array_mut) {
        for zoom in zooms {
            let kind = zoom["type"].as_str().unwrap_or_default().to_string();
            for (key, value) in zoom_settings(&kind) {
                zoom[*key] = match *value {
                    Setting::Text(t) => json!(t),
                    Setting::Flag(f) => json!(f),
                    Setting::Number(n) => json!(n),
                };
            }
        }
    }
    if let Some(series) = option.get_mut("series").and_then(Value::as_array_mut) {
        for s in series {
            if s["name"].as_str().is_some_and(quiet) {
                s["tooltip"] = json!({ "show": false });
            }
        }
    }
    option
}

/// Every light palette colour in the option, anywhere, becomes its dark counterpart.
fn recolour(value: &mut Value) {
    match value {
        Value::String(s) => {
            if let Some(dark) = dark_colour(s) {
                *s = dark.to_string();
            }
        }
        Value::Array(items) => items.iter_mut().for_each(recolour),
        Value::Object(map) => map.values_mut().for_each(recolour),
        _ => {}
    }
}

/// The WCAG contrast ratio of two `#rrggbb` colours (1 to 21), None for another form.
pub fn contrast(a: &str, b: &str) -> Option<f64> {
    let (la, lb) = (luminance(a)?, luminance(b)?);
    let (hi, lo) = if la > lb { (la, lb) } else { (lb, la) };
    Some((hi + 0.05) / (lo + 0.05))
}

fn luminance(colour: &str) -> Option<f64> {
    let hex = colour.strip_prefix('#').filter(|h| h.len() == 6)?;
    let channel = |i: usize| -> Option<f64> {
        let v = f64::from(u8::from_str_radix(hex.get(i..i + 2)?, 16).ok()?) / 255.0;
        Some(if v <= 0.03928 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        })
    };
    Some(0.2126 * channel(0)? + 0.7152 * channel(2)? + 0.0722 * channel(4)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contrast_matches_known_pairs() {
        assert!((contrast("#000000", "#ffffff").unwrap() - 21.0).abs() < 1e-9);
        assert!((contrast("#777777", "#ffffff").unwrap() - 4.48).abs() < 0.01);
        assert_eq!(contrast("red", "#ffffff"), None);
    }

    #[test]
    fn themes_are_json_in_their_palette() {
        for dark in [false, true] {
            let theme: Value = serde_json::from_str(&theme(dark)).unwrap();
            assert_eq!(theme["legend"]["textStyle"]["color"], palette(dark).text);
            assert_eq!(
                theme["valueAxis"]["axisLabel"]["color"],
                palette(dark).muted
            );
        }
    }

    #[test]
    fn dark_options_carry_no_light_colour() {
        let chart = Chart::new().title(
            charming::component::Title::new()
                .text("t")
                .text_style(charming::element::TextStyle::new().color(LIGHT.investigate)),
        );
        let text = option(&chart, true).to_string();
        assert!(
            text.contains(DARK.investigate) && !text.contains(LIGHT.investigate),
            "{text}"
        );
    }
}
