//! How charts look in the page's two themes: ECharts themes in the page's own colours
//! (text a reader can see on the card behind the chart), the marks' colours swapped for
//! the dark theme's, and the last touch ECharts needs that charming cannot say (series
//! that draw but stay out of the tooltip). Pure: the page's chart component registers
//! the themes and hands ECharts `option`'s JSON.

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
};

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

/// The ECharts theme (registered under the palette's name): text, axes, legend, tooltip
/// and zoom slider in the page's colours, series in its accent first.
pub fn theme(dark: bool) -> Value {
    let p = palette(dark);
    let text = json!({ "color": p.text });
    let axis = json!({
        "axisLine": { "lineStyle": { "color": p.muted } },
        "axisTick": { "lineStyle": { "color": p.muted } },
        "axisLabel": { "color": p.muted },
        "splitLine": { "lineStyle": { "color": [p.line] } },
        "nameTextStyle": { "color": p.muted },
    });
    json!({
        "color": [p.accent, p.watch, p.investigate, p.muted],
        "backgroundColor": "transparent",
        "textStyle": text,
        "title": { "textStyle": text, "subtextStyle": { "color": p.muted } },
        "legend": {
            "textStyle": text,
            "pageTextStyle": text,
            "pageIconColor": p.text,
            "pageIconInactiveColor": p.muted,
            "inactiveColor": p.muted,
        },
        "tooltip": {
            "backgroundColor": p.background,
            "borderColor": p.line,
            "textStyle": text,
        },
        "categoryAxis": axis,
        "valueAxis": axis,
        "timeAxis": axis,
        "logAxis": axis,
        "dataZoom": {
            "textStyle": { "color": p.muted },
            "borderColor": p.line,
            "handleStyle": { "color": p.background, "borderColor": p.muted },
            "moveHandleStyle": { "color": p.muted },
            "dataBackground": {
                "lineStyle": { "color": p.muted },
                "areaStyle": { "color": p.line },
            },
            "fillerColor": "rgba(128, 128, 128, 0.15)",
        },
    })
}

/// The chart's option for ECharts in the theme shown: the light palette's colours
/// swapped for the dark one's when dark, the quiet series out of the tooltip, and the
/// zoom's wheel and slider set as charming cannot.
pub fn option(chart: &Chart, dark: bool) -> Value {
    let mut option = serde_json::to_value(chart).unwrap_or(Value::Null);
    if dark {
        recolour(&mut option);
    }
    if let Some(zooms) = option.get_mut("dataZoom").and_then(Value::as_array_mut) {
        for zoom in zooms {
            match zoom.get("type").and_then(Value::as_str) {
                // A plain wheel scrolls the page; with Shift it zooms.
                Some("inside") => {
                    zoom["zoomOnMouseWheel"] = json!("shift");
                    zoom["moveOnMouseWheel"] = json!(false);
                }
                Some("slider") => zoom["height"] = json!(18),
                _ => {}
            }
        }
    }
    if let Some(series) = option.get_mut("series").and_then(Value::as_array_mut) {
        for s in series {
            let quiet = s
                .get("name")
                .and_then(Value::as_str)
                .is_some_and(|n| QUIET.contains(&n));
            if quiet {
                s["tooltip"] = json!({ "show": false });
            }
        }
    }
    option
}

/// Every light palette colour in the option, anywhere, becomes its dark counterpart.
fn recolour(value: &mut Value) {
    let pairs = [
        (LIGHT.text, DARK.text),
        (LIGHT.muted, DARK.muted),
        (LIGHT.line, DARK.line),
        (LIGHT.investigate, DARK.investigate),
        (LIGHT.watch, DARK.watch),
        (LIGHT.accent, DARK.accent),
        (LIGHT.band, DARK.band),
    ];
    match value {
        Value::String(s) => {
            if let Some((_, dark)) = pairs
                .iter()
                .find(|(light, _)| s.eq_ignore_ascii_case(light))
            {
                *s = (*dark).to_string();
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
