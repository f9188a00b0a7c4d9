//! The reports' SVG charts: hand-written markup, one horizontal bar per row with its label
//! and value as text, a `<title>` and `<desc>` for screen readers, no script and no
//! external references. The labels are units, months or problems, never a person (R-PER-3).

use std::fmt::Write as _;

/// One bar: its label, its length, and the value as text.
pub(crate) struct Bar {
    /// The label left of the bar.
    pub(crate) label: String,
    /// Its length, in the chart's unit.
    pub(crate) value: f64,
    /// The value as shown right of the bar.
    pub(crate) text: String,
}

/// Escapes text for XML content and attribute values.
pub(crate) fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 does not allow.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The characters of a label that fit left of the bars; a longer one is cut with `…` (the
/// bar's `<title>` has it whole).
const LABEL_CHARS: usize = 30;

fn shortened(label: &str) -> String {
    if label.chars().count() <= LABEL_CHARS {
        label.to_string()
    } else {
        let mut cut: String = label.chars().take(LABEL_CHARS - 1).collect();
        cut.push('…');
        cut
    }
}

/// A horizontal bar chart: a title and description for screen readers, one labelled bar
/// per row with its value as text, an optional threshold line. No script, no external
/// references.
pub(crate) fn bar_chart(title: &str, desc: &str, bars: &[Bar], threshold: Option<(f64, String)>) -> String {
    const LABEL_W: f64 = 220.0;
    const BAR_W: f64 = 420.0;
    const ROW_H: f64 = 28.0;
    const TOP: f64 = 56.0;
    let width = LABEL_W + BAR_W + 220.0;
    let height = TOP + ROW_H * bars.len().max(1) as f64 + 40.0;
    let max = bars.iter().map(|b| b.value).chain(threshold.as_ref().map(|t| t.0)).fold(0.0_f64, f64::max);
    let scale = if max > 0.0 { BAR_W / max } else { 0.0 };
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" role=\"img\" aria-labelledby=\"chart-title chart-desc\" \
         font-family=\"sans-serif\" font-size=\"13\">\n<title id=\"chart-title\">{}</title>\n\
         <desc id=\"chart-desc\">{}</desc>\n<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n\
         <text x=\"12\" y=\"28\" font-size=\"16\" font-weight=\"bold\" fill=\"#111111\">{}</text>\n",
        xml(title),
        xml(desc),
        xml(title)
    );
    if bars.is_empty() {
        let _ = writeln!(svg, "<text x=\"12\" y=\"{}\" fill=\"#333333\">No rows.</text>", TOP + 18.0);
    }
    for (i, bar) in bars.iter().enumerate() {
        let y = TOP + ROW_H * i as f64;
        let w = (bar.value * scale).max(if bar.value > 0.0 { 1.0 } else { 0.0 });
        let _ = writeln!(
            svg,
            "<g><title>{label}: {text}</title>\
             <text x=\"{lx}\" y=\"{ty}\" text-anchor=\"end\" fill=\"#111111\">{short}</text>\
             <rect x=\"{LABEL_W}\" y=\"{y}\" width=\"{w:.1}\" height=\"{h}\" fill=\"#1f5f8b\"/>\
             <text x=\"{vx:.1}\" y=\"{ty}\" fill=\"#111111\">{text}</text></g>",
            label = xml(&bar.label),
            short = xml(&shortened(&bar.label)),
            text = xml(&bar.text),
            lx = LABEL_W - 8.0,
            ty = y + 17.0,
            h = ROW_H - 8.0,
            vx = LABEL_W + w + 6.0,
        );
    }
    if let Some((value, label)) = threshold {
        let x = LABEL_W + value * scale;
        let bottom = TOP + ROW_H * bars.len().max(1) as f64;
        let _ = writeln!(
            svg,
            "<g><title>{label}</title><line x1=\"{x:.1}\" y1=\"{y1}\" x2=\"{x:.1}\" y2=\"{bottom}\" \
             stroke=\"#b00020\" stroke-width=\"2\" stroke-dasharray=\"6 4\"/>\
             <text x=\"{x:.1}\" y=\"{ly}\" fill=\"#b00020\">{label}</text></g>",
            label = xml(&label),
            y1 = TOP - 6.0,
            ly = bottom + 18.0,
        );
    }
    svg.push_str("</svg>\n");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_labels_are_cut_and_text_escaped() {
        assert_eq!(shortened("Avdelning A"), "Avdelning A");
        let long = "Regionens gemensamma förvaltning för digitalisering";
        assert_eq!(shortened(long).chars().count(), LABEL_CHARS);
        let bars = [Bar { label: long.into(), value: 2.0, text: "2 <x>".into() }];
        let svg = bar_chart("T & t", "D", &bars, None);
        assert!(svg.contains(&format!("<title>{long}: 2 &lt;x&gt;</title>")), "{svg}");
        assert!(svg.contains("<title id=\"chart-title\">T &amp; t</title>"), "{svg}");
        assert_eq!(xml("a<b & \"c\"'"), "a&lt;b &amp; &quot;c&quot;&apos;");
    }
}
