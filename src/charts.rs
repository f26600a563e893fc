//! Chart options as data (charming), built from the report and the feature view. Only the
//! page's chart component renders them; here they are plain values that native tests can
//! read as JSON.

use crate::chart_style;
use crate::cohorts::release::ReleaseComparison;
use crate::cohorts::DimensionBreakdown;
use crate::comparison::{ComparedMetric, FeatureComparison};
use crate::detail::{FeatureDetail, MetricPanel};
use crate::impact::RiskCutoffs;
use crate::model::evaluate::CalibrationBin;
use crate::report::Contribution;
use crate::series_summary::SeriesSummary;
use crate::telemetry::{EventKind, Metric, SeriesPoint};
use charming::component::{
    Axis, DataZoom, DataZoomType, Grid, Legend, LegendItem, LegendType, Title,
};
use charming::datatype::{CompositeValue, DataPointItem};
use charming::element::{
    AreaStyle, AxisLabel, AxisType, ItemStyle, Label, LabelPosition, LineStyle, LineStyleType,
    MarkArea, MarkAreaData, MarkLine, MarkLineData, MarkLineVariant, NameLocation, Sampling,
    Symbol, Tooltip, Trigger,
};
use charming::series::{Bar, Line, Scatter};
use charming::Chart;

// The light theme's colours; `chart_style::option` gives the dark theme its own.
const INVESTIGATE: &str = chart_style::LIGHT.investigate;
const WATCH: &str = chart_style::LIGHT.watch;
const BAND: &str = chart_style::LIGHT.band;
const DEPLOY: &str = chart_style::LIGHT.muted;

/// A figure as a chart shows it: four significant digits (1,176.8434981 shows 1,177;
/// 0.006634 shows 0.006634), so that tooltips read as figures, not floats.
fn shown(v: f64) -> f64 {
    if !v.is_finite() || v == 0.0 {
        return v;
    }
    let digits = 3 - v.abs().log10().floor() as i32;
    if digits <= 0 {
        return v.round();
    }
    let scale = 10f64.powi(digits.min(12));
    (v * scale).round() / scale
}

/// Zoom for a chart over time: a slider under the plot, and the wheel with Shift held
/// (a plain wheel scrolls the page). `chart_style::option` sets the wheel's key.
fn zoomed(chart: Chart) -> Chart {
    chart
        .data_zoom(DataZoom::new().type_(DataZoomType::Inside))
        .data_zoom(DataZoom::new().type_(DataZoomType::Slider).bottom(6))
}

/// A legend that keeps to one line under the title (it scrolls on a phone rather than
/// running over the plot), each item's icon the shape of its mark.
fn legend(items: Vec<(String, &str)>) -> Legend {
    Legend::new()
        .type_(LegendType::Scroll)
        .top(24)
        .left(0)
        .right(0)
        .data(
            items
                .into_iter()
                .map(|(name, icon)| LegendItem::from((name, icon.to_string())))
                .collect::<Vec<_>>(),
        )
}

/// Legend icons: a line for a line, a block for a shaded range, the scatter's shape.
const LINE_ICON: &str = "path://M0,4 L24,4 L24,6 L0,6 Z";
const AREA_ICON: &str = "rect";

fn date_axis(dates: &[String]) -> Axis {
    Axis::new()
        .type_(AxisType::Category)
        .boundary_gap(false)
        .data(dates.to_vec())
}

fn grid() -> Grid {
    Grid::new().left(56).right(24).top(48).bottom(32)
}

/// The plot's grid under a legend line and over a zoom slider.
fn time_grid() -> Grid {
    Grid::new().left(56).right(24).top(56).bottom(64)
}

fn optional(values: &[Option<f64>]) -> Vec<CompositeValue> {
    values
        .iter()
        .map(|v| CompositeValue::from(v.map(shown)))
        .collect()
}

fn point(x: &str, y: f64) -> Vec<CompositeValue> {
    vec![CompositeValue::from(x), CompositeValue::from(shown(y))]
}

/// Deploys as labelled vertical lines, incidents as shaded spans, both named on hover.
fn annotations(detail: &FeatureDetail) -> (MarkLine, MarkArea) {
    let lines: Vec<MarkLineVariant> = detail
        .events
        .iter()
        .filter(|e| e.kind == EventKind::Deploy)
        .map(|e| {
            // Versions read better than "checkout-web-v1.2.3" along a thin line.
            let short = e
                .title
                .strip_prefix(&format!("{}-", detail.feature))
                .unwrap_or(&e.title);
            MarkLineVariant::Simple(
                MarkLineData::new()
                    .name(short.to_string())
                    .x_axis(e.start.to_string()),
            )
        })
        .collect();
    let areas: Vec<(MarkAreaData, MarkAreaData)> = detail
        .events
        .iter()
        .filter(|e| e.kind == EventKind::Incident)
        .map(|e| {
            // The title is in the chart's text alternative and the events list: a
            // long one across a narrow span would run over the plot.
            (
                MarkAreaData::new()
                    .name("incident")
                    .x_axis(e.start.to_string()),
                MarkAreaData::new().x_axis(e.end.max(e.start).to_string()),
            )
        })
        .collect();
    (
        MarkLine::new()
            .symbol(vec![Symbol::None, Symbol::None])
            .line_style(LineStyle::new().color(DEPLOY).type_(LineStyleType::Dashed))
            .label(
                Label::new()
                    .show(true)
                    .position(LabelPosition::InsideEndTop)
                    .formatter("{b}")
                    .font_size(9)
                    .color(DEPLOY),
            )
            .data(lines),
        MarkArea::new()
            .item_style(ItemStyle::new().color("rgba(192, 57, 43, 0.15)"))
            .label(
                Label::new()
                    .show(true)
                    .position(LabelPosition::InsideTop)
                    .font_size(10)
                    .color(INVESTIGATE),
            )
            .data(areas),
    )
}

/// One metric over time: the value, the expected range, anomalies, sustained changes, deploys
/// and incidents; zoomable.
pub fn metric_chart(detail: &FeatureDetail, panel: &MetricPanel) -> Chart {
    use chart_style::{BAND as BAND_NAME, BAND_BASE, EDGE_HIGH, EDGE_LOW};
    let dates: Vec<String> = detail.dates.iter().map(|d| d.to_string()).collect();
    let (deploys, incidents) = annotations(detail);
    // The shading is a base with a width stacked on it; the tooltip shows the edges,
    // from two lines that draw nothing.
    let width: Vec<Option<f64>> = panel
        .band_low
        .iter()
        .zip(&panel.band_high)
        .map(|(l, h)| l.zip(*h).map(|(l, h)| shown(h) - shown(l)))
        .collect();
    let shifts: Vec<MarkLineVariant> = panel
        .changepoints
        .iter()
        .map(|(day, text)| {
            MarkLineVariant::Simple(
                MarkLineData::new()
                    .name(text.clone())
                    .x_axis(dates[*day].clone()),
            )
        })
        .collect();
    let mut items = vec![
        (panel.title.to_string(), LINE_ICON),
        (BAND_NAME.to_string(), AREA_ICON),
    ];
    if let Some((name, _)) = &panel.secondary {
        items.push((name.to_string(), LINE_ICON));
    }
    if !panel.anomalies.is_empty() {
        items.push(("anomaly".into(), "circle"));
    }
    if !panel.anomalous_hours.is_empty() {
        items.push(("anomalous hour".into(), "diamond"));
    }
    if !shifts.is_empty() {
        items.push(("sustained change".into(), LINE_ICON));
    }
    let invisible = || LineStyle::new().opacity(0);
    let edge = |name: &str, values: &[Option<f64>]| {
        Line::new()
            .name(name)
            .show_symbol(false)
            .item_style(ItemStyle::new().color(BAND))
            .line_style(invisible())
            .data(optional(values))
    };
    let mut chart = zoomed(
        Chart::new()
            .animation(false)
            .title(
                Title::new()
                    .text(format!("{} ({})", panel.title, panel.unit))
                    .left("left"),
            )
            .tooltip(Tooltip::new().trigger(Trigger::Axis))
            .legend(legend(items))
            .grid(time_grid())
            .x_axis(date_axis(&dates))
            .y_axis(Axis::new().type_(AxisType::Value).scale(true)),
    )
    .series(
        Line::new()
            .name(BAND_BASE)
            .stack("band")
            .show_symbol(false)
            .line_style(invisible())
            .data(optional(&panel.band_low)),
    )
    .series(
        Line::new()
            .name(BAND_NAME)
            .stack("band")
            .show_symbol(false)
            .item_style(ItemStyle::new().color(BAND))
            .line_style(invisible())
            .area_style(AreaStyle::new().color(BAND).opacity(0.18))
            .data(optional(&width)),
    )
    .series(edge(EDGE_LOW, &panel.band_low))
    .series(edge(EDGE_HIGH, &panel.band_high))
    .series(
        Line::new()
            .name(panel.title)
            .show_symbol(false)
            .item_style(ItemStyle::new().color(chart_style::LIGHT.accent))
            .line_style(LineStyle::new().color(chart_style::LIGHT.accent))
            .mark_line(deploys)
            .mark_area(incidents)
            .data(optional(&panel.values)),
    );
    if let Some((name, values)) = &panel.secondary {
        chart = chart.series(
            Line::new()
                .name(*name)
                .show_symbol(false)
                .item_style(ItemStyle::new().color(DEPLOY))
                .line_style(LineStyle::new().width(1).color(DEPLOY))
                .data(optional(values)),
        );
    }
    if !panel.anomalies.is_empty() {
        chart = chart.series(
            Scatter::new()
                .name("anomaly")
                .symbol_size(9)
                .item_style(ItemStyle::new().color(INVESTIGATE))
                .data(
                    panel
                        .anomalies
                        .iter()
                        .filter_map(|t| panel.values[*t].map(|v| point(&dates[*t], v)))
                        .collect(),
                ),
        );
    }
    if !panel.anomalous_hours.is_empty() {
        chart = chart.series(
            Scatter::new()
                .name("anomalous hour")
                .symbol(Symbol::Diamond)
                .symbol_size(11)
                .item_style(ItemStyle::new().color(WATCH))
                .data(
                    panel
                        .anomalous_hours
                        .iter()
                        .filter_map(|p| panel.values[p.day].map(|v| point(&dates[p.day], v)))
                        .collect(),
                ),
        );
    }
    if !shifts.is_empty() {
        chart = chart.series(
            Line::new()
                .name("sustained change")
                .item_style(ItemStyle::new().color(WATCH))
                .line_style(LineStyle::new().color(WATCH))
                .mark_line(
                    MarkLine::new()
                        .symbol(vec![Symbol::None, Symbol::None])
                        .line_style(LineStyle::new().color(WATCH).width(2))
                        .label(
                            Label::new()
                                .show(true)
                                .position(LabelPosition::InsideStartTop)
                                .formatter("{b}")
                                .font_size(9)
                                .color(WATCH),
                        )
                        .data(shifts),
                )
                .data(Vec::<CompositeValue>::new()),
        );
    }
    chart
}

/// Risk over time with the tiers' cut-offs, each line named by its tier; zoomable.
pub fn risk_chart(detail: &FeatureDetail, tiers: &RiskCutoffs) -> Chart {
    let dates: Vec<String> = detail.dates.iter().map(|d| d.to_string()).collect();
    let percent: Vec<Option<f64>> = detail
        .risk
        .iter()
        .map(|r| r.map(|r| (r * 1000.0).round() / 10.0))
        .collect();
    let (deploys, incidents) = annotations(detail);
    // A tier's cut-off is a line in the tier's colour, labelled with its name.
    let cutoff = |name: &str, at: f64, colour: &'static str| {
        Line::new()
            .name(format!("{name} from {:.0}%", at * 100.0))
            .item_style(ItemStyle::new().color(colour))
            .line_style(LineStyle::new().color(colour).type_(LineStyleType::Dotted))
            .mark_line(
                MarkLine::new()
                    .symbol(vec![Symbol::None, Symbol::None])
                    .silent(true)
                    .label(
                        Label::new()
                            .show(true)
                            .position(LabelPosition::InsideEndTop)
                            .formatter("{b}")
                            .color(colour),
                    )
                    .line_style(LineStyle::new().color(colour).type_(LineStyleType::Dotted))
                    .data(vec![MarkLineVariant::Simple(
                        MarkLineData::new()
                            .name(name.to_string())
                            .y_axis((at * 1000.0).round() / 10.0),
                    )]),
            )
            .data(Vec::<CompositeValue>::new())
    };
    let items = vec![
        ("risk %".to_string(), LINE_ICON),
        (
            format!("investigate from {:.0}%", tiers.investigate * 100.0),
            LINE_ICON,
        ),
        (format!("watch from {:.0}%", tiers.watch * 100.0), LINE_ICON),
    ];
    zoomed(
        Chart::new()
            .animation(false)
            .title(Title::new().text("Risk of a degradation within the horizon (%)"))
            .tooltip(Tooltip::new().trigger(Trigger::Axis))
            .legend(legend(items))
            .grid(time_grid())
            .x_axis(date_axis(&dates))
            .y_axis(Axis::new().type_(AxisType::Value).min(0).max(100)),
    )
    .series(
        Line::new()
            .name("risk %")
            .show_symbol(false)
            .item_style(ItemStyle::new().color(chart_style::LIGHT.accent))
            .line_style(LineStyle::new().color(chart_style::LIGHT.accent))
            .mark_area(incidents)
            .data(optional(&percent)),
    )
    .series(cutoff("investigate", tiers.investigate, INVESTIGATE))
    .series(cutoff("watch", tiers.watch, WATCH))
    .series(
        Line::new()
            .name("deploys")
            .mark_line(deploys)
            .data(Vec::<CompositeValue>::new()),
    )
}

/// Today's signal contributions, as a horizontal bar per signal (log-odds).
pub fn contributions_chart(contributions: &[Contribution]) -> Chart {
    let mut shown: Vec<&Contribution> = contributions
        .iter()
        .filter(|c| c.log_odds.abs() >= 0.01)
        .collect();
    crate::sorting::sort_by(&mut shown, |a, b| a.log_odds.total_cmp(&b.log_odds));
    let names: Vec<String> = shown.iter().map(|c| c.signal.to_string()).collect();
    let bars: Vec<CompositeValue> = shown
        .iter()
        .map(|c| CompositeValue::from((c.log_odds * 100.0).round() / 100.0))
        .collect();
    Chart::new()
        .animation(false)
        .title(Title::new().text("What pushes today's risk up (+) or down (-), in log-odds"))
        .tooltip(Tooltip::new().trigger(Trigger::Axis))
        .grid(Grid::new().left(150).right(24).top(40).bottom(24))
        .x_axis(Axis::new().type_(AxisType::Value))
        .y_axis(Axis::new().type_(AxisType::Category).data(names))
        .series(
            Bar::new()
                .name("log-odds")
                .item_style(ItemStyle::new().color(BAND))
                .data(bars),
        )
}

/// Each group of signals' push on today's risk, in words on the axis (right raises it,
/// left lowers it); the numbers, log-odds, stay in the tooltip.
pub fn why_chart(why: &[crate::why::GroupEffect]) -> Chart {
    let mut shown: Vec<&crate::why::GroupEffect> =
        why.iter().filter(|e| e.log_odds.abs() >= 0.01).collect();
    crate::sorting::sort_by(&mut shown, |a, b| a.log_odds.total_cmp(&b.log_odds));
    let names: Vec<String> = shown.iter().map(|e| e.group.name().to_string()).collect();
    let bars: Vec<CompositeValue> = shown
        .iter()
        .map(|e| CompositeValue::from((e.log_odds * 100.0).round() / 100.0))
        .collect();
    Chart::new()
        .animation(false)
        .title(Title::new().text("What raises (right) or lowers (left) today's risk"))
        .tooltip(Tooltip::new().trigger(Trigger::Axis))
        .grid(Grid::new().left(120).right(24).top(40).bottom(24))
        .x_axis(
            Axis::new()
                .type_(AxisType::Value)
                .axis_label(AxisLabel::new().show(false)),
        )
        .y_axis(Axis::new().type_(AxisType::Category).data(names))
        .series(
            Bar::new()
                .name("push on the risk")
                .item_style(ItemStyle::new().color(BAND))
                .data(bars),
        )
}

/// What one calibration bin holds, in words (its point's tooltip).
pub fn calibration_bin_words(b: &CalibrationBin) -> String {
    format!(
        "risk {:.0}-{:.0}%: predicted {:.1}%, observed {:.1}%; {} feature-days, {} followed by a degradation",
        b.from * 100.0,
        b.to * 100.0,
        b.mean_predicted * 100.0,
        b.observed_rate * 100.0,
        b.count,
        b.positives
    )
}

/// Predicted against observed rates, per bin, with the diagonal of perfect calibration;
/// each point's tooltip says how many feature-days (and positives) its bin holds.
pub fn calibration_chart(bins: &[CalibrationBin]) -> Chart {
    let used: Vec<&CalibrationBin> = bins.iter().filter(|b| b.count > 0).collect();
    let points: Vec<(Vec<CompositeValue>, String)> = used
        .iter()
        .map(|b| {
            (
                vec![
                    CompositeValue::from((b.mean_predicted * 1000.0).round() / 10.0),
                    CompositeValue::from((b.observed_rate * 1000.0).round() / 10.0),
                ],
                calibration_bin_words(b),
            )
        })
        .collect();
    Chart::new()
        .animation(false)
        .title(Title::new().text("Calibration: predicted vs observed (%)"))
        .tooltip(Tooltip::new().trigger(Trigger::Item).formatter("{b}"))
        // Axis titles centred beside their axes: at an axis' end they run off the chart.
        .grid(Grid::new().left(64).right(24).top(48).bottom(48))
        .x_axis(
            Axis::new()
                .type_(AxisType::Value)
                .min(0)
                .max(100)
                .name("predicted (%)")
                .name_location(NameLocation::Middle)
                .name_gap(28),
        )
        .y_axis(
            Axis::new()
                .type_(AxisType::Value)
                .min(0)
                .max(100)
                .name("observed (%)")
                .name_location(NameLocation::Middle)
                .name_gap(40),
        )
        .series(
            Line::new()
                .name("perfect")
                .show_symbol(false)
                .line_style(LineStyle::new().type_(LineStyleType::Dashed).color(DEPLOY))
                .data(vec![
                    (point_num(0.0, 0.0), "perfect calibration".to_string()),
                    (point_num(100.0, 100.0), "perfect calibration".to_string()),
                ]),
        )
        .series(Line::new().name("model").symbol_size(8).data(points))
}

fn point_num(x: f64, y: f64) -> Vec<CompositeValue> {
    vec![CompositeValue::from(x), CompositeValue::from(y)]
}

/// How many degradations were warned 1, 2, ... days ahead, and a last bar for those
/// checked but never warned in the investigate tier a day or more ahead (`missed`).
pub fn lead_time_chart(lead_days: &[usize], horizon: usize, missed: usize) -> Chart {
    let mut labels: Vec<String> = (1..=horizon).map(|d| format!("{d} d")).collect();
    labels.push("missed".to_string());
    let mut counts: Vec<DataPointItem> = (1..=horizon)
        .map(|d| DataPointItem::new(lead_days.iter().filter(|l| **l == d).count() as f64))
        .collect();
    counts.push(DataPointItem::new(missed as f64).item_style(ItemStyle::new().color(INVESTIGATE)));
    Chart::new()
        .animation(false)
        .title(Title::new().text("Days of warning before each degradation, and those missed"))
        .tooltip(Tooltip::new().trigger(Trigger::Axis))
        .grid(grid())
        .x_axis(Axis::new().type_(AxisType::Category).data(labels))
        .y_axis(Axis::new().type_(AxisType::Value).min_interval(1))
        .series(
            Bar::new()
                .name("degradations")
                .item_style(ItemStyle::new().color(BAND))
                .data(counts),
        )
}

/// One scored series: its values (left axis), the anomaly score (right axis, 0 to 1) and
/// the peak of each anomalous episode; zoomable, since series run to tens of thousands
/// of rows.
pub fn series_chart(name: &str, points: &[SeriesPoint], summary: &SeriesSummary) -> Chart {
    let times: Vec<String> = points.iter().map(|p| p.timestamp.clone()).collect();
    let values: Vec<Option<f64>> = points.iter().map(|p| p.value).collect();
    let scores: Vec<CompositeValue> = summary
        .scores
        .iter()
        .map(|s| CompositeValue::from((s * 1000.0).round() / 1000.0))
        .collect();
    let peaks: Vec<Vec<CompositeValue>> = summary
        .episodes
        .iter()
        .filter_map(|e| points[e.peak].value.map(|v| point(&times[e.peak], v)))
        .collect();
    Chart::new()
        .animation(false)
        .title(Title::new().text(name.to_string()).left("left"))
        .tooltip(Tooltip::new().trigger(Trigger::Axis))
        .legend(legend(vec![
            ("value".to_string(), LINE_ICON),
            ("anomaly score".to_string(), LINE_ICON),
            ("anomalous episode".to_string(), "circle"),
        ]))
        .grid(Grid::new().left(56).right(48).top(56).bottom(64))
        .data_zoom(DataZoom::new().type_(DataZoomType::Inside))
        .data_zoom(DataZoom::new().type_(DataZoomType::Slider).bottom(8))
        .x_axis(date_axis(&times))
        .y_axis(Axis::new().type_(AxisType::Value).scale(true))
        .y_axis(Axis::new().type_(AxisType::Value).min(0).max(1))
        .series(
            Line::new()
                .name("value")
                .show_symbol(false)
                .item_style(ItemStyle::new().color(chart_style::LIGHT.accent))
                .line_style(LineStyle::new().color(chart_style::LIGHT.accent))
                .sampling(Sampling::Lttb)
                .data(optional(&values)),
        )
        .series(
            Line::new()
                .name("anomaly score")
                .show_symbol(false)
                .y_axis_index(1)
                .item_style(ItemStyle::new().color(WATCH))
                .line_style(LineStyle::new().width(1).color(WATCH).opacity(0.7))
                .mark_line(
                    MarkLine::new()
                        .symbol(vec![Symbol::None, Symbol::None])
                        .line_style(LineStyle::new().type_(LineStyleType::Dashed).color(WATCH))
                        .data(vec![MarkLineVariant::Simple(
                            MarkLineData::new()
                                .name("alarm at 0.5")
                                .y_axis(crate::series_summary::ALARM),
                        )]),
                )
                .data(scores),
        )
        .series(
            Scatter::new()
                .name("anomalous episode")
                .symbol_size(10)
                .item_style(ItemStyle::new().color(INVESTIGATE))
                .data(peaks),
        )
}

/// `days` dates from `start` (`YYYY-MM-DD`), for a chart's time axis; days counted from
/// 1 when `start` is not a date. (Read by hand: chrono's format parser would add to the
/// page's wasm.)
fn dates_from(start: &str, days: usize) -> Vec<String> {
    let mut parts = start.splitn(3, '-').map(|p| p.parse::<u32>().ok());
    let first = match (parts.next(), parts.next(), parts.next()) {
        (Some(Some(y)), Some(Some(m)), Some(Some(d))) => {
            chrono::NaiveDate::from_ymd_opt(y as i32, m, d)
        }
        _ => None,
    };
    match first {
        Some(first) => (0..days)
            .map(|i| {
                first
                    .checked_add_days(chrono::Days::new(i as u64))
                    .map_or_else(|| format!("day {}", i + 1), |d| d.to_string())
            })
            .collect(),
        None => (1..=days).map(|i| format!("day {i}")).collect(),
    }
}

/// How a metric is drawn: the factor its values are multiplied by and the unit then
/// (rates in percent).
pub fn metric_unit(metric: Metric) -> (f64, &'static str) {
    match metric {
        Metric::LatencyP95 | Metric::LatencyP50 => (1.0, "ms"),
        Metric::CrashRate | Metric::ErrorRate => (100.0, "%"),
        Metric::FeedbackScore => (1.0, "rating, 1 to 5"),
        Metric::Sessions => (1.0, "sessions a day"),
    }
}

fn scaled(values: &[Option<f64>], factor: f64) -> Vec<Option<f64>> {
    values
        .iter()
        .map(|v| v.filter(|v| v.is_finite()).map(|v| v * factor))
        .collect()
}

/// A line per named series on one time axis, each in a colour of its own
/// (`chart_style::LINES`; past the fourth, dashed too, so that lines stay apart where
/// colours are hard to tell), with a legend, a tooltip of figures and zoom.
fn lines_over_time(
    title: String,
    dates: &[String],
    lines: Vec<(String, Vec<Option<f64>>)>,
    y_axis: Axis,
) -> Chart {
    let items = lines
        .iter()
        .map(|(name, _)| (name.clone(), LINE_ICON))
        .collect();
    let mut chart = zoomed(
        Chart::new()
            .animation(false)
            .color(chart_style::LINES.to_vec())
            .title(Title::new().text(title).left("left"))
            .tooltip(Tooltip::new().trigger(Trigger::Axis))
            .legend(legend(items))
            .grid(time_grid())
            .x_axis(date_axis(dates))
            .y_axis(y_axis),
    );
    for (i, (name, values)) in lines.into_iter().enumerate() {
        let mut line = Line::new()
            .name(name)
            .show_symbol(false)
            .data(optional(&values));
        if i >= 4 {
            line = line.line_style(LineStyle::new().type_(LineStyleType::Dashed));
        }
        chart = chart.series(line);
    }
    chart
}

/// One metric per cohort of one dimension over time (from the breakdown's history): a
/// line per cohort.
pub fn cohort_chart(dimension: &DimensionBreakdown, metric: Metric) -> Chart {
    let history = &dimension.history;
    let dates = dates_from(&history.start, history.days);
    let (factor, unit) = metric_unit(metric);
    let per = history
        .metrics
        .iter()
        .find(|(m, _)| *m == metric)
        .map(|(_, per)| per.as_slice())
        .unwrap_or_default();
    let lines = dimension
        .cohorts
        .iter()
        .zip(per)
        .map(|(c, values)| (c.value.clone(), scaled(values, factor)))
        .collect();
    lines_over_time(
        format!(
            "{} by {} ({unit})",
            capitalised(metric.spoken()),
            dimension.dimension
        ),
        &dates,
        lines,
        Axis::new().type_(AxisType::Value).scale(true),
    )
}

/// Each cohort's share of the feature's sessions over time (%), a line per cohort.
pub fn cohort_share_chart(dimension: &DimensionBreakdown) -> Chart {
    let history = &dimension.history;
    let dates = dates_from(&history.start, history.days);
    let lines = dimension
        .cohorts
        .iter()
        .zip(&history.share)
        .map(|(c, share)| (c.value.clone(), scaled(share, 100.0)))
        .collect();
    lines_over_time(
        format!("Share of sessions by {} (%)", dimension.dimension),
        &dates,
        lines,
        Axis::new().type_(AxisType::Value).min(0).max(100),
    )
}

/// The new release's share of the feature's sessions over time (%).
pub fn adoption_chart(release: &ReleaseComparison) -> Chart {
    let dates = dates_from(&release.adoption_start, release.adoption.len());
    lines_over_time(
        format!("Adoption of {} (% of sessions)", release.new),
        &dates,
        vec![(release.new.clone(), scaled(&release.adoption, 100.0))],
        Axis::new().type_(AxisType::Value).min(0).max(100),
    )
}

/// The compared features' risk over time (%), a line per feature.
pub fn comparison_risk_chart(comparison: &FeatureComparison) -> Chart {
    let dates = dates_from(&comparison.start, comparison.days);
    let lines = comparison
        .features
        .iter()
        .map(|f| (f.name.clone(), scaled(&f.risk, 100.0)))
        .collect();
    lines_over_time(
        "Risk within the horizon (%)".to_string(),
        &dates,
        lines,
        Axis::new().type_(AxisType::Value).min(0).max(100),
    )
}

/// One metric of the compared features over time, a line per feature: in the metric's
/// unit, or `relative` to each feature's usual level (1 = as usual), for features whose
/// units or scales differ.
pub fn comparison_metric_chart(
    comparison: &FeatureComparison,
    compared: &ComparedMetric,
    relative: bool,
) -> Chart {
    let dates = dates_from(&comparison.start, comparison.days);
    let (factor, unit) = metric_unit(compared.metric);
    let (series, factor) = if relative {
        (&compared.relative, 1.0)
    } else {
        (&compared.values, factor)
    };
    let lines = comparison
        .features
        .iter()
        .zip(series)
        .map(|(f, values)| (f.name.clone(), scaled(values, factor)))
        .collect();
    let spoken = capitalised(compared.metric.spoken());
    lines_over_time(
        if relative {
            format!("{spoken} relative to usual (1 = usual)")
        } else {
            format!("{spoken} ({unit})")
        },
        &dates,
        lines,
        Axis::new().type_(AxisType::Value).scale(true),
    )
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// What to say instead of a chart that would have nothing to draw: bare axes tell a
/// person nothing, a sentence tells them why. Each returns None when its chart has data.
pub mod empty {
    use super::*;

    /// A risk series with no day scored.
    pub fn risk(detail: &FeatureDetail) -> Option<String> {
        detail.risk.iter().all(Option::is_none).then(|| {
            format!(
                "No day of {} has a risk yet, so there is no risk over time to draw.",
                detail.feature
            )
        })
    }

    /// Contributions too small to draw (the bars start at 0.01 in log-odds).
    pub fn contributions(contributions: &[Contribution]) -> Option<String> {
        contributions
            .iter()
            .all(|c| c.log_odds.abs() < 0.01)
            .then(|| {
                "No signal moves today's risk by a visible amount (signals need a few weeks of the feature's history), so there is nothing to chart.".to_string()
            })
    }

    /// No group of signals moves today's risk visibly.
    pub fn why(why: &[crate::why::GroupEffect]) -> Option<String> {
        why.iter().all(|e| e.log_odds.abs() < 0.01).then(|| {
            "No signal moves today's risk by a visible amount (signals need a few weeks of the feature's history), so there is nothing to chart.".to_string()
        })
    }

    /// Calibration with no evaluated feature-day.
    pub fn calibration(bins: &[CalibrationBin]) -> Option<String> {
        bins.iter().all(|b| b.count == 0).then(|| {
            "No calibration to draw yet: no scored feature-day has a known outcome.".to_string()
        })
    }

    /// Lead times with no degradation checked (with a checked one, the chart shows at
    /// least its "missed" bar).
    pub fn lead_time(lead_days: &[usize], evaluated: usize) -> Option<String> {
        (lead_days.is_empty() && evaluated == 0).then(|| {
            "No lead time to draw yet: no past degradation could be checked for a warning."
                .to_string()
        })
    }

    /// A series without a value.
    pub fn series(points: &[SeriesPoint]) -> Option<String> {
        points.iter().all(|p| p.value.is_none()).then(|| {
            if points.is_empty() {
                "The series has no rows, so there is nothing to chart.".to_string()
            } else {
                format!(
                    "All {} rows of the series are gaps (no value), so there is nothing to chart.",
                    points.len()
                )
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_series_chart_has_values_scores_and_episode_peaks() {
        let points: Vec<SeriesPoint> = (0..300)
            .map(|i| {
                let v = if i == 250 {
                    90.0
                } else {
                    50.0 + ((i * 7) % 5) as f64
                };
                SeriesPoint {
                    timestamp: format!("t{i}"),
                    value: Some(v),
                    value_text: v.to_string(),
                }
            })
            .collect();
        let summary = crate::series_summary::summarize(&points);
        let json = serde_json::to_value(series_chart("cpu", &points, &summary)).unwrap();
        let series = json["series"].as_array().unwrap();
        assert_eq!(series.len(), 3);
        assert_eq!(series[0]["data"].as_array().unwrap().len(), 300);
        assert_eq!(series[1]["yAxisIndex"], 1.0);
        let peaks = series[2]["data"].as_array().unwrap();
        assert_eq!(peaks.len(), summary.episodes.len());
        assert!(
            peaks.iter().any(|p| p[0] == "t250" && p[1] == 90.0),
            "{peaks:?}"
        );
    }

    #[test]
    fn calibration_and_lead_time_charts_carry_their_numbers() {
        let bins = vec![CalibrationBin {
            from: 0.1,
            to: 0.2,
            count: 10,
            positives: 1,
            mean_predicted: 0.15,
            observed_rate: 0.1,
        }];
        let json = serde_json::to_value(calibration_chart(&bins)).unwrap();
        assert_eq!(
            json["series"][1]["data"][0]["value"],
            serde_json::json!([15.0, 10.0])
        );
        let tip = json["series"][1]["data"][0]["name"].as_str().unwrap();
        assert!(
            tip.contains("10 feature-days, 1 followed by a degradation"),
            "{tip}"
        );
        let json = serde_json::to_value(lead_time_chart(&[1, 3, 3], 4, 5)).unwrap();
        let values: Vec<&serde_json::Value> = json["series"][0]["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| &d["value"])
            .collect();
        assert_eq!(
            serde_json::json!(values),
            serde_json::json!([1.0, 0.0, 2.0, 0.0, 5.0])
        );
        assert_eq!(json["xAxis"]["data"][2], "3 d");
        assert_eq!(json["xAxis"]["data"][4], "missed");
    }

    #[test]
    fn charts_without_data_say_why_in_a_sentence_instead() {
        let bin = |count| CalibrationBin {
            from: 0.0,
            to: 0.1,
            count,
            positives: 0,
            mean_predicted: 0.05,
            observed_rate: 0.0,
        };
        assert!(empty::calibration(&[]).is_some());
        assert!(empty::calibration(&[bin(0), bin(0)]).is_some());
        assert!(empty::calibration(&[bin(0), bin(3)]).is_none());
        assert!(empty::lead_time(&[], 0).is_some());
        // Checked but none warned: the chart still draws, its one bar the missed.
        assert!(empty::lead_time(&[], 4).is_none());
        assert!(empty::lead_time(&[2], 4).is_none());
        let contribution = |log_odds| Contribution {
            signal: "latency_z",
            log_odds,
            description: None,
        };
        assert!(empty::contributions(&[]).is_some());
        assert!(empty::contributions(&[contribution(0.0), contribution(-0.004)]).is_some());
        assert!(empty::contributions(&[contribution(0.0), contribution(0.2)]).is_none());
        let point = |value| SeriesPoint {
            timestamp: "t".into(),
            value,
            value_text: String::new(),
        };
        assert!(empty::series(&[]).is_some());
        assert!(empty::series(&[point(None), point(None)])
            .unwrap()
            .contains("2 rows"));
        assert!(empty::series(&[point(None), point(Some(1.0))]).is_none());
    }

    #[test]
    fn a_feature_chart_names_its_deploys_incidents_and_level_shifts() {
        use crate::report::prepare;
        use crate::synth::{generate, SynthParams};
        use crate::telemetry::{Dataset, Granularity};
        let data = generate(&SynthParams {
            seed: 4,
            features: 6,
            days: 120,
            ..SynthParams::default()
        });
        let dataset = Dataset::from_records(&data.telemetry, Granularity::Days).unwrap();
        let config = crate::Config::default();
        let analysis = prepare(&dataset, &data.events, &config.model, &config.slo);
        let report = analysis.report(&config.tiers, &config.impact);
        let status = &report.ranking[0];
        let f = dataset.feature_index(&status.feature).unwrap();
        let detail = analysis.feature_detail(f, status);
        let panel = &detail.panels[0];
        let json = serde_json::to_value(metric_chart(&detail, panel)).unwrap();
        let series = json["series"].as_array().unwrap();
        let main = series.iter().find(|s| s["name"] == panel.title).unwrap();
        let deploys = detail
            .events
            .iter()
            .filter(|e| e.kind == EventKind::Deploy)
            .count();
        assert!(deploys > 0);
        assert_eq!(main["markLine"]["data"].as_array().unwrap().len(), deploys);
        assert_eq!(main["markLine"]["label"]["formatter"], "{b}");
        let values = main["data"].as_array().unwrap();
        assert_eq!(values.len(), detail.dates.len());
        let names: Vec<&str> = series.iter().filter_map(|s| s["name"].as_str()).collect();
        assert!(names.contains(&"expected range"));
        assert!(empty::risk(&detail).is_none());
        let mut unscored = detail.clone();
        unscored.risk.iter_mut().for_each(|r| *r = None);
        assert!(empty::risk(&unscored).is_some());
    }
}
