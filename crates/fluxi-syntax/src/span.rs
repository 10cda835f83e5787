//! Byte-offset spans into one source text.

/// A half-open byte range `start..end` into a source text.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    serde::Serialize,
    serde::Deserialize,
)]
pub struct Span {
    /// Offset of the first byte.
    pub start: u32,
    /// Offset one past the last byte.
    pub end: u32,
}

impl Span {
    /// A span from `start` to `end` (byte offsets). Offsets beyond `u32::MAX` saturate;
    /// the parser refuses sources that large before any span is made.
    pub fn new(start: usize, end: usize) -> Span {
        let clamp = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
        Span {
            start: clamp(start),
            end: clamp(end.max(start)),
        }
    }

    /// An empty span at `offset`.
    pub fn at(offset: usize) -> Span {
        Span::new(offset, offset)
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// Length in bytes.
    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }

    /// Whether the span covers no bytes.
    pub fn is_empty(self) -> bool {
        self.start == self.end
    }

    /// The range as `usize` offsets, for slicing the source.
    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

impl From<Span> for miette::SourceSpan {
    fn from(span: Span) -> Self {
        miette::SourceSpan::new((span.start as usize).into(), span.len())
    }
}

/// Line and column (both 1-based, column counted in characters) of a byte offset.
pub fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(source.len());
    let before = source.get(..offset).unwrap_or(source);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
    (line, column)
}

/// The start of every line of a source: finds the line and column of many offsets without
/// rescanning the text for each (as [`line_col`] does).
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// Index `source`'s lines.
    pub fn new(source: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(source.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    /// The 0-based line holding byte `offset`.
    fn line_of(&self, offset: usize) -> usize {
        self.starts
            .partition_point(|s| *s <= offset)
            .saturating_sub(1)
    }

    /// 1-based line and column (in characters) of byte `offset` of `source` (the text
    /// this index was made from), as [`line_col`] gives them.
    pub fn line_col(&self, source: &str, offset: usize) -> (usize, usize) {
        let offset = offset.min(source.len());
        let line = self.line_of(offset);
        let start = self.starts.get(line).copied().unwrap_or(0);
        let column = source.get(start..offset).map_or(0, |s| s.chars().count()) + 1;
        (line + 1, column)
    }

    /// The length in bytes of the line holding byte `offset` (its newline included).
    pub fn line_len(&self, source: &str, offset: usize) -> usize {
        let line = self.line_of(offset.min(source.len()));
        let start = self.starts.get(line).copied().unwrap_or(0);
        let end = self.starts.get(line + 1).copied().unwrap_or(source.len());
        end - start
    }
}

#[cfg(test)]
mod line_index_tests {
    use super::*;

    #[test]
    fn agrees_with_line_col_everywhere() {
        let src = "a\nbé c\n\n  d\nlast";
        let index = LineIndex::new(src);
        for offset in 0..=src.len() + 2 {
            if src.is_char_boundary(offset.min(src.len())) {
                assert_eq!(
                    index.line_col(src, offset),
                    line_col(src, offset),
                    "at {offset}"
                );
            }
        }
        assert_eq!(index.line_len(src, 0), 2);
        assert_eq!(index.line_len(src, 3), 6);
        assert_eq!(index.line_len(src, src.len()), 4);
    }
}
