//! Bar charts as inline SVG, drawn on the server: no script, nothing loaded from elsewhere.
//!
//! A chart is a picture of numbers that a table beside it lists (the table is what screen
//! readers read): the SVG is `role="img"`, named by its `<title>` and described by its `<desc>`.
//! It has a `viewBox` and no fixed width, so it shrinks with the page (`.chart svg` in the
//! stylesheet: `width: 100%`) and never makes a phone scroll sideways. Hand-written rather than
//! a plotting crate: horizontal bars with a label and a value are all the figures need, in a
//! few hundred bytes each.

use std::fmt::Write as _;

/// Drawing units across; the height follows from the number of bars.
const WIDTH: i64 = 320;
/// Each bar: its label on one line, the bar with its value under it.
const ROW: i64 = 34;
const BAR: i64 = 12;
/// Room right of the longest bar for its value.
const VALUE_ROOM: i64 = 64;
/// Labels longer than this are cut in the picture (the table has them whole).
const LABEL_CHARS: usize = 44;

/// One bar.
pub struct Bar {
    pub label: String,
    pub value: i64,
}

/// A horizontal bar chart; `id` must be unique in the page (it names the title and the
/// description).
pub fn bars(id: &str, title: &str, description: &str, bars: &[Bar]) -> String {
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0).max(1);
    let height = ROW * bars.len().max(1) as i64 + 4;
    let mut svg = String::with_capacity(200 + bars.len() * 220);
    // Writing to a String cannot fail.
    let _ = write!(
        svg,
        r#"<svg role="img" aria-labelledby="{id}-t {id}-d" viewBox="0 0 {WIDTH} {height}" width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg"><title id="{id}-t">{}</title><desc id="{id}-d">{}</desc>"#,
        escape(title),
        escape(description)
    );
    for (i, b) in bars.iter().enumerate() {
        let top = ROW * i as i64;
        let length = if b.value > 0 {
            ((WIDTH - VALUE_ROOM) * b.value / max).max(2)
        } else {
            0
        };
        let _ = write!(
            svg,
            r#"<text x="0" y="{}" class="label">{}</text><rect x="0" y="{}" width="{length}" height="{BAR}" rx="2"/><text x="{}" y="{}" class="value">{}</text>"#,
            top + 13,
            escape(&cut(&b.label)),
            top + 17,
            length + 4,
            top + 27,
            b.value
        );
    }
    svg.push_str("</svg>");
    svg
}

fn cut(label: &str) -> String {
    if label.chars().count() <= LABEL_CHARS {
        return label.to_owned();
    }
    let mut s: String = label.chars().take(LABEL_CHARS - 1).collect();
    s.push('…');
    s
}

fn escape(text: &str) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_and_text_is_escaped() {
        let svg = bars(
            "c",
            "A & B",
            "desc",
            &[
                Bar {
                    label: "<Genk>".into(),
                    value: 10,
                },
                Bar {
                    label: "Hasselt".into(),
                    value: 5,
                },
                Bar {
                    label: "None".into(),
                    value: 0,
                },
            ],
        );
        assert!(svg.starts_with("<svg role=\"img\""));
        assert!(svg.contains("<title id=\"c-t\">A &amp; B</title>"));
        assert!(svg.contains("&lt;Genk&gt;"));
        assert!(svg.contains(r#"width="256""#), "{svg}");
        assert!(svg.contains(r#"width="128""#), "{svg}");
        assert!(svg.contains(r#"width="0""#), "{svg}");
        assert!(svg.contains("viewBox=\"0 0 320 106\""));
    }

    #[test]
    fn long_labels_are_cut() {
        let long = "x".repeat(60);
        assert_eq!(cut(&long).chars().count(), LABEL_CHARS);
    }
}
