//! A linear pass over a spec's text that runs before serde_yaml builds anything.
//!
//! serde_yaml copies an anchored node on every alias (a 108 KB spec with one anchor
//! referenced 20,000 times takes seconds and gigabytes) and parses deep nesting in
//! quadratic time before its own depth limit applies. Neither has a use in a spec, so
//! this scan refuses anchors, aliases and nesting deeper than [`MAX_DEPTH`], each with
//! its line and column. It follows just enough of YAML to know where a node starts:
//! `&` and `*` are indicators only there, so `R&D`, `a*b` and quoted text stay allowed,
//! and brackets inside quoted scalars, block scalars and comments do not count.

use thiserror::Error;

/// The deepest nesting a spec may have, counting block indentation levels and flow
/// `[`/`{` together. Real specs need about 8 (resources, a resource, `template`, a
/// section, a key); the limit stops pathological input long before serde_yaml slows.
pub const MAX_DEPTH: usize = 64;

/// Why the scan refused the text. Lines and columns are 1-based; columns count characters.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum Refused {
    #[error("{line}:{column}: YAML anchor `&{name}` is not allowed in a spec")]
    Anchor {
        line: usize,
        column: usize,
        name: String,
    },
    #[error("{line}:{column}: YAML alias `*{name}` is not allowed in a spec")]
    Alias {
        line: usize,
        column: usize,
        name: String,
    },
    #[error("{line}:{column}: the spec nests deeper than {MAX_DEPTH} levels")]
    TooDeep { line: usize, column: usize },
}

impl Refused {
    /// What the user can do about it.
    pub fn hint(&self) -> &'static str {
        match self {
            Refused::Anchor { .. } | Refused::Alias { .. } => {
                "write the value out where it is used; quote it if `&` or `*` is part of the text"
            }
            Refused::TooDeep { .. } => "a spec needs only a few levels; flatten the structure",
        }
    }
}

/// Scans `text`; `Ok` when it holds no anchor or alias and nests at most [`MAX_DEPTH`] deep.
pub fn scan(text: &str) -> Result<(), Refused> {
    Scanner::new(text).run()
}

struct Scanner<'a> {
    b: &'a [u8],
    i: usize,
    line: usize,
    /// 0-based, in characters.
    col: usize,
    /// Bytes stepped over, so a test can check the scan is linear.
    steps: usize,
    flow: usize,
    /// Columns of the open block collections.
    indents: Vec<usize>,
    at_node: bool,
    /// Column where the current node (a candidate key) starts.
    node_col: isize,
    /// Column of the key or `-` that owns the next value: block scalars and multi-line
    /// plain scalars continue on lines indented further than this.
    owner_col: isize,
    /// A block scalar is open.
    block_scalar: Option<BlockScalar>,
    /// The last line ended inside a plain scalar owned by this column.
    plain_owner: Option<isize>,
    /// The cursor is inside a plain scalar.
    in_plain: bool,
    /// A quoted scalar stopped at a document marker, which starts the next line.
    at_line_start: bool,
    /// Column of a tag given before the node on this line: a key starts there.
    props: Option<isize>,
}

/// A `|` or `>` scalar. As in libyaml, its indentation is the header's digit past the
/// owner's column, or else the deepest of its leading blank lines and first text line
/// (at least one past the owner's column, and at least 1); lines indented less end it.
#[derive(Clone, Copy)]
struct BlockScalar {
    owner: isize,
    content: Option<usize>,
    /// The most spaces on a blank line before the first text line.
    blank_max: usize,
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r')
}

fn is_flow_indicator(c: u8) -> bool {
    matches!(c, b',' | b'[' | b']' | b'{' | b'}')
}

impl<'a> Scanner<'a> {
    fn new(text: &'a str) -> Scanner<'a> {
        Scanner {
            b: text.as_bytes(),
            i: 0,
            line: 1,
            col: 0,
            steps: 0,
            flow: 0,
            indents: Vec::new(),
            at_node: true,
            node_col: -1,
            owner_col: -1,
            block_scalar: None,
            plain_owner: None,
            in_plain: false,
            at_line_start: false,
            props: None,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn peek_at(&self, n: usize) -> Option<u8> {
        self.b.get(self.i + n).copied()
    }

    /// True when the byte after the current one ends a token (space, line end or end of text).
    fn blank_follows(&self) -> bool {
        self.peek_at(1).is_none_or(|c| is_space(c) || c == b'\n')
    }

    fn bump(&mut self) {
        let c = self.b[self.i];
        self.i += 1;
        self.steps += 1;
        if c == b'\n' {
            self.line += 1;
            self.col = 0;
        } else if c & 0xC0 != 0x80 {
            self.col += 1;
        }
    }

    fn skip_to_eol(&mut self) {
        while self.peek().is_some_and(|c| c != b'\n') {
            self.bump();
        }
    }

    fn deeper(&self) -> Result<(), Refused> {
        if self.indents.len() + self.flow > MAX_DEPTH {
            return Err(Refused::TooDeep {
                line: self.line,
                column: self.col + 1,
            });
        }
        Ok(())
    }

    /// A block node starts at column `col`: close deeper levels, open one if it is new.
    fn block_level(&mut self, col: usize) -> Result<(), Refused> {
        while self.indents.last().is_some_and(|&top| top > col) {
            self.indents.pop();
        }
        if self.indents.last().is_none_or(|&top| top < col) {
            self.indents.push(col);
            self.deeper()?;
        }
        Ok(())
    }

    fn run(&mut self) -> Result<(), Refused> {
        while self.i < self.b.len() {
            self.line_start()?;
            self.rest_of_line()?;
            if self.peek() == Some(b'\n') {
                self.bump();
            }
        }
        Ok(())
    }

    /// Handles indentation and whole-line constructs; leaves the cursor on the line's content.
    fn line_start(&mut self) -> Result<(), Refused> {
        if self.document_marker() {
            return Ok(());
        }
        let start = self.i;
        while self.peek() == Some(b' ') {
            self.bump();
        }
        let indent = self.i - start;
        let content = self.b[self.i..]
            .iter()
            .take_while(|&&c| is_space(c))
            .count();
        self.steps += content;
        let blank = self.b.get(self.i + content).is_none_or(|&c| c == b'\n');
        if let Some(scalar) = &mut self.block_scalar {
            let spaces = indent + content;
            let inside = match scalar.content {
                _ if blank => {
                    scalar.blank_max = scalar.blank_max.max(spaces);
                    true
                }
                Some(m) => indent >= m,
                None => {
                    let least = (scalar.owner + 1).max(1) as usize;
                    let m = indent.max(scalar.blank_max).max(least);
                    scalar.content = Some(m);
                    indent >= m
                }
            };
            if inside {
                return self.skip_line();
            }
            self.block_scalar = None;
        }
        if blank {
            return self.skip_line();
        }
        if self.peek() == Some(b'#') {
            self.plain_owner = None;
            return self.skip_line();
        }
        if self.flow > 0 {
            return Ok(());
        }
        self.in_plain = false;
        if let Some(owner) = self.plain_owner.take() {
            if indent as isize > owner {
                // More text of a multi-line plain scalar.
                self.plain_owner = Some(owner);
                return self.skip_line();
            }
        }
        if indent == 0 && self.peek() == Some(b'%') {
            return self.skip_line();
        }
        self.block_level(indent)?;
        self.node_col = indent as isize;
        self.props = None;
        // A value the last line left pending (after `key:`, `-` or a tag) keeps its owner;
        // any other node belongs to the enclosing block collection, one level up.
        if !self.at_node {
            let levels = self.indents.len();
            self.owner_col = levels
                .checked_sub(2)
                .map_or(-1, |i| self.indents[i] as isize);
        }
        self.at_node = true;
        Ok(())
    }

    /// The cursor, at the start of a line, is on `---` or `...` followed by a blank.
    fn at_marker(&self) -> bool {
        let marker = self.b.get(self.i..self.i + 3);
        let ends = self.peek_at(3).is_none_or(|c| is_space(c) || c == b'\n');
        ends && (marker == Some(b"---") || marker == Some(b"..."))
    }

    /// `---` or `...` at the start of a line ends whatever is open, as it does for libyaml
    /// (which refuses one inside a quoted scalar or a flow collection).
    fn document_marker(&mut self) -> bool {
        if !self.at_marker() {
            return false;
        }
        let start = self.b[self.i] == b'-';
        self.indents.clear();
        self.flow = 0;
        self.block_scalar = None;
        self.plain_owner = None;
        self.in_plain = false;
        for _ in 0..3 {
            self.bump();
        }
        self.at_node = start;
        self.owner_col = -1;
        self.node_col = -1;
        if !start {
            self.skip_to_eol();
        }
        true
    }

    fn skip_line(&mut self) -> Result<(), Refused> {
        self.skip_to_eol();
        Ok(())
    }

    fn rest_of_line(&mut self) -> Result<(), Refused> {
        let mut after_space = true;
        while let Some(c) = self.peek() {
            if c == b'\n' {
                break;
            }
            if is_space(c) {
                self.bump();
                after_space = true;
                continue;
            }
            // libyaml starts a comment at `#` wherever a token may start; only a plain
            // scalar needs a space before it.
            if c == b'#' && (after_space || !self.in_plain) {
                self.in_plain = false;
                self.skip_to_eol();
                return Ok(());
            }
            after_space = false;
            if self.at_node {
                self.node_start(c)?;
                if std::mem::take(&mut self.at_line_start) {
                    return Ok(());
                }
            } else {
                self.inside(c);
            }
        }
        if self.in_plain && self.flow == 0 {
            self.plain_owner = Some(self.owner_col);
        }
        Ok(())
    }

    /// `c` is the first character of a node, or an indicator between nodes.
    fn node_start(&mut self, c: u8) -> Result<(), Refused> {
        let (line, column) = (self.line, self.col + 1);
        match c {
            b'&' | b'*' if !self.blank_follows() => {
                self.bump();
                let start = self.i;
                while self
                    .peek()
                    .is_some_and(|c| !is_space(c) && c != b'\n' && !is_flow_indicator(c))
                {
                    self.bump();
                }
                let name = String::from_utf8_lossy(&self.b[start..self.i]).into_owned();
                return Err(if c == b'&' {
                    Refused::Anchor { line, column, name }
                } else {
                    Refused::Alias { line, column, name }
                });
            }
            b'!' => {
                // A tag: the node itself follows.
                self.props.get_or_insert(self.col as isize);
                while self.peek().is_some_and(|c| {
                    !is_space(c) && c != b'\n' && !(self.flow > 0 && is_flow_indicator(c))
                }) {
                    self.bump();
                }
            }
            b'\'' | b'"' => {
                self.node_col = self.props.take().unwrap_or(self.col as isize);
                self.quoted(c);
                self.at_node = false;
            }
            b'[' | b'{' => {
                self.node_col = self.props.take().unwrap_or(self.col as isize);
                self.bump();
                self.flow += 1;
                self.deeper()
                    .map_err(|_| Refused::TooDeep { line, column })?;
            }
            b']' | b'}' => self.close_flow(),
            b',' if self.flow > 0 => self.bump(),
            b':' if self.flow > 0 || self.blank_follows() => self.value_indicator(),
            b'-' | b'?' if self.flow == 0 && self.blank_follows() => {
                // A sequence entry or explicit key: its node sits further right.
                self.owner_col = self.col as isize;
                self.bump();
                while self.peek().is_some_and(|c| c == b' ') {
                    self.bump();
                }
                if self
                    .peek()
                    .is_some_and(|c| !is_space(c) && c != b'\n' && c != b'#')
                {
                    self.block_level(self.col)?;
                    self.node_col = self.col as isize;
                }
            }
            // An explicit key in a flow collection: the key follows.
            b'?' if self.flow > 0 && self.blank_follows() => self.bump(),
            b'|' | b'>' if self.flow == 0 => {
                self.bump();
                // The header: chomping (`+`/`-`) and an indentation digit, in either order.
                let mut digit = None;
                while let Some(c) = self
                    .peek()
                    .filter(|c| matches!(c, b'+' | b'-' | b'1'..=b'9'))
                {
                    if c.is_ascii_digit() {
                        digit = Some(usize::from(c - b'0'));
                    }
                    self.bump();
                }
                let owner = self.owner_col;
                self.block_scalar = Some(BlockScalar {
                    owner,
                    content: digit.map(|d| if owner >= 0 { owner as usize + d } else { d }),
                    blank_max: 0,
                });
                self.skip_to_eol();
                self.at_node = false;
            }
            _ => {
                self.node_col = self.props.take().unwrap_or(self.col as isize);
                self.at_node = false;
                self.in_plain = true;
                self.bump();
            }
        }
        Ok(())
    }

    /// Inside a plain scalar or after a quoted one: only indicators that end it matter.
    fn inside(&mut self, c: u8) {
        match c {
            // Within a plain scalar `:` needs a blank after it (`a:b` is one scalar); after
            // a quoted scalar or a flow collection it is a value indicator in flow context.
            b':' if self.blank_follows() || (self.flow > 0 && !self.in_plain) => {
                self.value_indicator()
            }
            b',' if self.flow > 0 => {
                self.bump();
                self.in_plain = false;
                self.at_node = true;
            }
            b']' | b'}' if self.flow > 0 => self.close_flow(),
            _ => self.bump(),
        }
    }

    fn value_indicator(&mut self) {
        self.bump();
        self.props = None;
        self.in_plain = false;
        self.at_node = true;
        self.owner_col = self.node_col;
        self.plain_owner = None;
    }

    fn close_flow(&mut self) {
        self.bump();
        self.in_plain = false;
        self.flow = self.flow.saturating_sub(1);
        self.at_node = false;
    }

    /// Skips a quoted scalar, which may span lines; an unclosed one runs to the end
    /// (serde_yaml then reports it).
    fn quoted(&mut self, quote: u8) {
        self.bump();
        while let Some(c) = self.peek() {
            self.bump();
            if quote == b'"' && c == b'\\' {
                if self.peek().is_some() {
                    self.bump();
                }
            } else if c == quote {
                if quote == b'\'' && self.peek() == Some(b'\'') {
                    self.bump();
                } else {
                    return;
                }
            } else if c == b'\n' && self.at_marker() {
                // libyaml refuses a document marker inside a quoted scalar; scan on from it.
                self.at_line_start = true;
                return;
            }
        }
    }
}

#[cfg(test)]
mod differential;

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(text: &str) -> Refused {
        scan(text).unwrap_err()
    }

    #[test]
    fn anchors_and_aliases_are_refused_with_their_position() {
        assert_eq!(
            refused("a: &x [1]\nb: *x\n"),
            Refused::Anchor {
                line: 1,
                column: 4,
                name: "x".into()
            }
        );
        assert_eq!(
            refused("steps:\n  - ok\n  - *x\n"),
            Refused::Alias {
                line: 3,
                column: 5,
                name: "x".into()
            }
        );
        assert!(matches!(
            refused("a: [b, *c]\n"),
            Refused::Alias { column: 8, .. }
        ));
        assert!(matches!(
            refused("a: {b: *c}\n"),
            Refused::Alias { column: 8, .. }
        ));
        assert!(matches!(refused("a: !!str &x b\n"), Refused::Anchor { .. }));
        assert!(matches!(refused("*x : 1\n"), Refused::Alias { .. }));
        assert!(matches!(
            refused("- - &x a\n"),
            Refused::Anchor { column: 5, .. }
        ));
        assert!(matches!(
            refused("a:\n  &x\n  b: 1\n"),
            Refused::Anchor { line: 2, .. }
        ));
        assert!(matches!(
            refused("--- &x\na: 1\n"),
            Refused::Anchor { line: 1, .. }
        ));
        assert!(matches!(refused("\"a\": *x\n"), Refused::Alias { .. }));
        assert!(matches!(refused("[? &x a]\n"), Refused::Anchor { .. }));
    }

    #[test]
    fn scalars_and_document_markers_do_not_hide_anchors() {
        // A less-indented line ends a block scalar.
        assert!(matches!(
            refused("a: |\n    text\n  &x b\n"),
            Refused::Anchor { line: 3, .. }
        ));
        // A second document is scanned from its marker on, whatever the first left open.
        assert!(matches!(
            refused("plain\n---\n&x [1]\n"),
            Refused::Anchor { line: 3, .. }
        ));
        assert!(matches!(
            refused("--- |\ntext\n---\n*x\n"),
            Refused::Alias { line: 4, .. }
        ));
        assert!(matches!(
            refused("a: [b,\n---\n*x]\n"),
            Refused::Alias { line: 3, .. }
        ));
        assert!(matches!(
            refused("a: 'open\n... &x\n&y b\n"),
            Refused::Anchor { line: 3, .. }
        ));
        assert!(matches!(
            refused("a: \"open\n--- &x\n"),
            Refused::Anchor { line: 2, .. }
        ));
    }

    #[test]
    fn ampersand_and_star_inside_text_are_allowed() {
        for ok in [
            "name: R&D\n",
            "name: a*b\n",
            "steps: [a*b, R&D, 'x *y', \"&z\"]\n",
            "a: 'it''s *x'\nb: \"q \\\" *y\"\n",
            "a: b # *x &y [[[[\n",
            "# &x\na: 1\n",
            "a: |\n  *x &y [[[\n  {{{\nb: 1\n",
            "- >-\n  *x\n- ok\n",
            "a: long text\n  *continued &here\nb: 1\n",
            "a: x&y\nb: it's & fine\n",
            "a: \"multi\n  line *x\"\n",
            "key: value#&x\n",
            "a: [b\n  *c]\n",
        ] {
            assert_eq!(scan(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn brackets_in_quotes_and_comments_do_not_nest() {
        let deep = "[".repeat(MAX_DEPTH + 10);
        for ok in [
            format!("a: '{deep}'\n"),
            format!("a: \"{deep}\"\n"),
            format!("a: 1 # {deep}\n"),
            format!("a: x{deep}\n"),
            format!("a: |\n  {deep}\n"),
        ] {
            assert_eq!(scan(&ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn flow_nesting_past_the_limit_is_refused() {
        let ok = format!(
            "a: {}{}\n",
            "[".repeat(MAX_DEPTH - 1),
            "]".repeat(MAX_DEPTH - 1)
        );
        assert_eq!(scan(&ok), Ok(()));
        let deep = format!("a: {}\n", "[".repeat(MAX_DEPTH + 1));
        assert!(matches!(refused(&deep), Refused::TooDeep { line: 1, .. }));
        let braces = format!("a: {}\n", "{b: ".repeat(MAX_DEPTH + 1));
        assert!(matches!(refused(&braces), Refused::TooDeep { .. }));
    }

    #[test]
    fn block_nesting_past_the_limit_is_refused() {
        let mut ok = String::new();
        for i in 0..MAX_DEPTH {
            ok.push_str(&format!("{}k{i}:\n", " ".repeat(i)));
        }
        assert_eq!(scan(&ok), Ok(()));
        let mut deep = String::new();
        for i in 0..=MAX_DEPTH {
            deep.push_str(&format!("{}k{i}:\n", " ".repeat(i)));
        }
        assert_eq!(
            refused(&deep),
            Refused::TooDeep {
                line: MAX_DEPTH + 1,
                column: MAX_DEPTH + 1
            }
        );
        let dashes = format!("{}x\n", "- ".repeat(MAX_DEPTH + 1));
        assert!(matches!(refused(&dashes), Refused::TooDeep { .. }));
        // Siblings and dedents do not add up.
        let wide = "a:\n  b: 1\n  c: 2\nd:\n  - e\n  - f: 1\n    g: 2\n".repeat(1000);
        assert_eq!(scan(&wide), Ok(()));
    }

    #[test]
    fn columns_count_characters() {
        assert!(matches!(
            refused("é: [ü, *x]\n"),
            Refused::Alias { column: 8, .. }
        ));
    }

    /// Every byte is stepped over once, whatever the input: the scan is linear.
    #[test]
    fn scan_work_is_linear_in_the_input() {
        let inputs = [
            "[".repeat(100_000),
            "a: '".to_string() + &"[".repeat(100_000),
            "- ".repeat(50_000),
            "a: |\n".to_string() + &"  x\n".repeat(50_000),
            " ".repeat(100_000),
            "'".repeat(100_000),
            "\"\\".repeat(50_000),
            "a: b\n".repeat(50_000),
        ];
        for text in inputs {
            let mut scanner = Scanner::new(&text);
            let _ = scanner.run();
            // Each byte is stepped over at most twice (a line's blank check, then its content).
            assert!(
                scanner.steps <= 2 * text.len(),
                "{} steps for {} bytes",
                scanner.steps,
                text.len()
            );
        }
    }
}
