//! The web edition's side of rendering: a letter's world compiled to an HTML page with Typst's
//! HTML export (experimental in Typst 0.15; pinned), and the two things its output still needs.
//!
//! Typst writes every `html.frame` (a chart drawn as inline SVG) with an `xmlns:h5` attribute the
//! HTML standard does not allow, and repeats the same glyph `<symbol id>` in every frame that has
//! text in it (typst/typst#8830), which makes duplicate ids. [`tidy`] removes both; the template
//! keeps text out of frames, so the second is only a safeguard.

use std::collections::HashSet;

use typst::diag::{Severity, SourceDiagnostic};
use typst_html::{HtmlDocument, HtmlOptions};

use super::{LetterWorld, RenderError, compile_strictly, format_diagnostic};

/// The one warning every HTML compile gives, which says the export is experimental: known and
/// accepted (the version is pinned and the output checked); every other warning fails the page.
const EXPERIMENTAL: &str = "html export is under active development and incomplete";

/// The attribute Typst writes on the `<svg>` of an `html.frame`, which HTML does not allow.
const H5: &str = r#" xmlns:h5="http://www.w3.org/1999/xhtml""#;

/// Compiles the world to an HTML page.
pub(crate) fn compile(world: &LetterWorld) -> Result<Vec<u8>, RenderError> {
    let document: HtmlDocument = compile_strictly(world, is_expected)?;
    let html = typst_html::html(&document, &HtmlOptions { pretty: false }).map_err(|errors| {
        RenderError::Typst(errors.iter().map(|e| format_diagnostic(world, e)).collect())
    })?;
    Ok(tidy(html).into_bytes())
}

fn is_expected(warning: &SourceDiagnostic) -> bool {
    warning.severity == Severity::Warning
        && warning.span.is_detached()
        && warning.message == EXPERIMENTAL
}

/// `html` without `xmlns:h5` on its `<svg>` tags and without repeated `<symbol>`s.
///
/// Reads tag by tag, a quoted attribute value being part of its tag (Typst leaves `<` unescaped
/// in attribute values, so a council's name in an `aria-label` may hold one), and skips the raw
/// text of `<style>` and `<script>`.
pub(crate) fn tidy(html: String) -> String {
    // Most pages have neither (the template writes its drawings as SVG elements of its own, not
    // `html.frame`s): they are kept as they are rather than copied tag by tag.
    if !html.contains(H5) && !html.contains("<symbol") {
        return html;
    }
    let bytes = html.as_bytes();
    let mut out = String::with_capacity(html.len());
    let mut symbols = HashSet::new();
    let mut copied = 0;
    let mut at = 0;
    while let Some(offset) = html[at..].find('<') {
        let start = at + offset;
        let mut end = start + 1;
        let mut quoted = false;
        while end < bytes.len() && (quoted || bytes[end] != b'>') {
            quoted ^= bytes[end] == b'"';
            end += 1;
        }
        let end = (end + 1).min(html.len());
        let tag = &html[start..end];
        let name: String = tag[1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        match name.as_str() {
            "style" | "script" => {
                let close = format!("</{name}");
                at = end + html[end..].find(&close).unwrap_or(html.len() - end);
                continue;
            }
            "svg" if tag.contains(H5) => {
                out.push_str(&html[copied..start]);
                out.push_str(&tag.replacen(H5, "", 1));
                copied = end;
            }
            "symbol" => {
                let id = tag
                    .strip_prefix(r#"<symbol id=""#)
                    .and_then(|rest| rest.split('"').next())
                    .unwrap_or_default();
                let close = html[end..]
                    .find("</symbol>")
                    .map_or(html.len(), |i| end + i + "</symbol>".len());
                if !symbols.insert(id.to_string()) {
                    // The same glyph again: `<use>` finds the first.
                    out.push_str(&html[copied..start]);
                    copied = close;
                }
                at = close;
                continue;
            }
            _ => {}
        }
        at = end;
    }
    out.push_str(&html[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::tidy;

    #[test]
    fn frames_lose_the_stray_namespace_and_repeated_symbols() {
        let html = concat!(
            r#"<p title="a <svg> b">x</p>"#,
            r##"<svg class="typst-frame" xmlns:h5="http://www.w3.org/1999/xhtml"><symbol id="g1"><path/></symbol><use href="#g1"/></svg>"##,
            r##"<svg class="typst-frame" xmlns:h5="http://www.w3.org/1999/xhtml"><symbol id="g1"><path/></symbol><use href="#g1"/></svg>"##,
            r#"<script>if (a < b) { x = "<svg xmlns:h5=\"http://www.w3.org/1999/xhtml\">"; }</script>"#,
        );
        assert_eq!(
            tidy(html.to_string()),
            concat!(
                r#"<p title="a <svg> b">x</p>"#,
                r##"<svg class="typst-frame"><symbol id="g1"><path/></symbol><use href="#g1"/></svg>"##,
                r##"<svg class="typst-frame"><use href="#g1"/></svg>"##,
                r#"<script>if (a < b) { x = "<svg xmlns:h5=\"http://www.w3.org/1999/xhtml\">"; }</script>"#,
            )
        );
        let plain =
            r#"<p title="a <svg> b">x</p><svg viewBox="0 0 1 1"><circle r="1"></circle></svg>"#;
        assert_eq!(tidy(plain.to_string()), plain);
    }
}
