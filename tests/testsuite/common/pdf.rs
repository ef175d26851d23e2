//! Reading the letters back as a reader would, in this process: their text, in reading order,
//! and their document information. hayro (already built for Typst) parses and interprets the
//! PDFs; nothing here comes from the code that wrote them, and poppler is not needed.

use std::path::Path;

use hayro_interpret::font::Glyph;
use hayro_interpret::hayro_cmap::BfString;
use hayro_interpret::hayro_syntax::Pdf;
use hayro_interpret::hayro_syntax::object::Dict;
use hayro_interpret::{
    BlendMode, ClipPath, Context, Device, GlyphDrawMode, Image, InterpreterCache, Paint,
    PathDrawMode, SoftMask, TransformExt, interpret_page,
};
use kurbo::{Affine, BezPath, Rect};

/// The glyphs' text in drawing order: a line break where the baseline moves, a space where a glyph
/// starts more than 0.15 em after the last one ended — Typst draws the spaces between the words of
/// a paragraph, but not between table cells, chart labels or the parts of a header.
#[derive(Default)]
struct TextDevice {
    text: String,
    /// Where the last glyph ended, in device space.
    end: Option<(f64, f64)>,
}

impl<'a> Device<'a> for TextDevice {
    fn draw_glyph(
        &mut self,
        glyph: &Glyph,
        transform: Affine,
        glyph_transform: Affine,
        _: &Paint,
        _: &GlyphDrawMode,
    ) {
        let ([a, b, c, d, x, y], Glyph::Outline(outline), Some(unicode)) = (
            (transform * glyph_transform).as_coeffs(),
            glyph,
            glyph.as_unicode(),
        ) else {
            return;
        };
        // Glyph space is 1,000 units to the em.
        let em = c.hypot(d) * 1000.0;
        match self.end {
            Some((_, end_y)) if (y - end_y).abs() > 0.3 * em => self.text.push('\n'),
            Some((end_x, _)) if x - end_x > 0.15 * em => self.text.push(' '),
            _ => {}
        }
        match unicode {
            BfString::Char(c) => self.text.push(c),
            BfString::String(s) => self.text.push_str(&s),
        }
        let advance = f64::from(outline.advance_width().unwrap_or(500.0));
        self.end = Some((x + a * advance, y + b * advance));
    }
    fn set_soft_mask(&mut self, _: Option<SoftMask>) {}
    fn set_blend_mode(&mut self, _: BlendMode) {}
    fn draw_path(&mut self, _: &BezPath, _: Affine, _: &Paint, _: &PathDrawMode) {}
    fn push_clip_path(&mut self, _: &ClipPath) {}
    fn push_transparency_group(&mut self, _: f32, _: Option<SoftMask>, _: BlendMode) {}
    fn draw_image(&mut self, _: Image, _: Affine) {}
    fn pop_clip_path(&mut self) {}
    fn pop_transparency_group(&mut self) {}
}

fn open(path: &Path) -> Pdf {
    Pdf::new(std::fs::read(path).unwrap())
        .unwrap_or_else(|e| panic!("{} is not a readable PDF: {e:?}", path.display()))
}

/// The text of a PDF, with every run of whitespace as one space.
pub fn pdf_text(path: &Path) -> String {
    let pdf = open(path);
    let cache = InterpreterCache::new();
    let mut device = TextDevice::default();
    for page in pdf.pages().iter() {
        let transform = page.initial_transform(true).to_kurbo();
        let everything = Rect::new(0.0, 0.0, 1e9, 1e9);
        let mut context = Context::new(
            transform,
            everything,
            &cache,
            page.xref(),
            Default::default(),
        );
        interpret_page(page, &mut context, &mut device);
        device.text.push('\n');
        device.end = None;
    }
    device.text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// What a PDF says about itself.
#[derive(Debug, PartialEq, Eq)]
pub struct PdfInfo {
    pub title: String,
    /// `YYYY-MM-DD hh:mm:ss ±hh:mm`
    pub created: String,
    /// The catalog's `/MarkInfo /Marked`: a tagged PDF.
    pub tagged: bool,
}

/// The document information of a PDF.
pub fn pdf_info(path: &Path) -> PdfInfo {
    let pdf = open(path);
    let metadata = pdf.metadata();
    let title = metadata
        .title
        .as_deref()
        .map(text_string)
        .unwrap_or_default();
    let created = metadata
        .creation_date
        .map(|d| {
            format!(
                "{:04}-{:02}-{:02} {:02}:{:02}:{:02} {:+03}:{:02}",
                d.year,
                d.month,
                d.day,
                d.hour,
                d.minute,
                d.second,
                d.utc_offset_hour,
                d.utc_offset_minute
            )
        })
        .unwrap_or_default();
    let catalog: Dict = pdf.xref().get(pdf.xref().root_id()).expect("a catalog");
    let tagged = catalog
        .get::<Dict>(b"MarkInfo")
        .and_then(|mark_info| mark_info.get::<bool>(b"Marked"))
        .unwrap_or(false);
    PdfInfo {
        title,
        created,
        tagged,
    }
}

/// A PDF text string: UTF-16BE after a byte order mark, otherwise (for ASCII) bytes as characters.
fn text_string(bytes: &[u8]) -> String {
    match bytes.strip_prefix(&[0xFE, 0xFF]) {
        Some(utf16) => String::from_utf16_lossy(
            &utf16
                .chunks(2)
                .map(|pair| u16::from_be_bytes([pair[0], *pair.get(1).unwrap_or(&0)]))
                .collect::<Vec<_>>(),
        ),
        None => bytes.iter().map(|&b| char::from(b)).collect(),
    }
}
