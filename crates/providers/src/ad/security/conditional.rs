//! Conditional-ACE expressions (MS-DTYP 2.4.4.17) and resource attributes (2.4.10.1) as
//! SDDL text. The binary form is a postfix program after the `artx` signature; SDDL
//! writes it infix, every operation in its own parentheses.

use super::sddl::sid_to_sddl;
use super::Sid;

const SIGNATURE: &[u8] = b"artx";

/// One value on the stack while turning postfix into infix.
struct Term {
    text: String,
    /// Set for literals and attributes, which need no parentheses of their own.
    operand: bool,
}

/// The condition after a callback ACE's SID, in SDDL, e.g. `(@User.Title == "PM")`;
/// `None` if the bytes are not a well-formed condition (Windows would not print it either).
pub fn to_sddl(data: &[u8], domain: Option<&Sid>) -> Option<String> {
    let mut r = Bytes {
        b: data.strip_prefix(SIGNATURE)?,
        at: 0,
    };
    let mut stack: Vec<Term> = Vec::new();
    while let Some(token) = r.u8() {
        if token == 0 {
            // Padding to a multiple of four: nothing but zeros may follow.
            if r.b[r.at..].iter().any(|b| *b != 0) {
                return None;
            }
            break;
        }
        if let Some(text) = r.literal(token, domain)? {
            stack.push(Term {
                text,
                operand: true,
            });
            continue;
        }
        let term = if let Some(op) = binary(token) {
            let b = stack.pop()?;
            let a = stack.pop()?;
            format!("({} {op} {})", a.text, b.text)
        } else if let Some(op) = unary(token) {
            let a = stack.pop()?;
            format!("({op} {})", a.text)
        } else if token == 0xa2 {
            let a = stack.pop()?;
            format!("(!{})", wrapped(a))
        } else {
            return None;
        };
        stack.push(Term {
            text: term,
            operand: false,
        });
    }
    let top = stack.pop()?;
    if !stack.is_empty() {
        return None;
    }
    Some(wrapped(top))
}

fn wrapped(t: Term) -> String {
    if t.operand {
        format!("({})", t.text)
    } else {
        t.text
    }
}

fn binary(token: u8) -> Option<&'static str> {
    Some(match token {
        0x80 => "==",
        0x81 => "!=",
        0x82 => "<",
        0x83 => "<=",
        0x84 => ">",
        0x85 => ">=",
        0x86 => "Contains",
        0x88 => "Any_of",
        0x8e => "Not_Contains",
        0x8f => "Not_Any_of",
        0xa0 => "&&",
        0xa1 => "||",
        _ => return None,
    })
}

fn unary(token: u8) -> Option<&'static str> {
    Some(match token {
        0x87 => "Exists",
        0x89 => "Member_of",
        0x8a => "Device_Member_of",
        0x8b => "Member_of_Any",
        0x8c => "Device_Member_of_Any",
        0x8d => "Not_Exists",
        0x90 => "Not_Member_of",
        0x91 => "Not_Device_Member_of",
        0x92 => "Not_Member_of_Any",
        0x93 => "Not_Device_Member_of_Any",
        _ => return None,
    })
}

struct Bytes<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Bytes<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let s = self.b.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(s)
    }

    fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }

    fn u32(&mut self) -> Option<usize> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?) as usize)
    }

    fn utf16(&mut self, len: usize) -> Option<String> {
        if !len.is_multiple_of(2) {
            return None;
        }
        let units: Vec<u16> = self
            .take(len)?
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        String::from_utf16(&units).ok()
    }

    /// A literal or attribute token's text; `Ok(None)` for an operator.
    fn literal(&mut self, token: u8, domain: Option<&Sid>) -> Option<Option<String>> {
        let text = match token {
            0x01..=0x04 => {
                let v = i64::from_le_bytes(self.take(8)?.try_into().ok()?);
                let sign = self.u8()?;
                let base = self.u8()?;
                let magnitude = v.unsigned_abs();
                let digits = match base {
                    0x01 => format!("0{magnitude:o}"),
                    0x02 => magnitude.to_string(),
                    0x03 => format!("0x{magnitude:x}"),
                    _ => return None,
                };
                let minus = if v < 0 { "-" } else { "" };
                match sign {
                    0x01 => format!("+{digits}"),
                    0x02 => format!("-{digits}"),
                    0x03 => format!("{minus}{digits}"),
                    _ => return None,
                }
            }
            0x10 => {
                let len = self.u32()?;
                format!("\"{}\"", self.utf16(len)?)
            }
            0x18 => {
                let len = self.u32()?;
                let bytes = self.take(len)?;
                let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
                format!("#{hex}")
            }
            0x50 => {
                let len = self.u32()?;
                let mut inner = Bytes {
                    b: self.take(len)?,
                    at: 0,
                };
                let mut items = Vec::new();
                while let Some(t) = inner.u8() {
                    items.push(inner.literal(t, domain)??);
                }
                format!("{{{}}}", items.join(", "))
            }
            0x51 => {
                let len = self.u32()?;
                let (sid, used) = Sid::decode(self.take(len)?).ok()?;
                if used != len {
                    return None;
                }
                format!("SID({})", sid_to_sddl(&sid, domain))
            }
            0xf8..=0xfb => {
                let len = self.u32()?;
                let name = attribute_name(&self.utf16(len)?);
                let prefix = ["", "@User.", "@Resource.", "@Device."][usize::from(token - 0xf8)];
                format!("{prefix}{name}")
            }
            _ => return Some(None),
        };
        Some(Some(text))
    }
}

/// Attribute names as SDDL writes them: characters outside the plain set as `%xxxx`.
fn attribute_name(name: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, ':' | '/' | '.' | '_');
    name.encode_utf16()
        .map(|u| match char::from_u32(u32::from(u)) {
            Some(c) if plain(c) => c.to_string(),
            _ => format!("%{u:04x}"),
        })
        .collect()
}

/// A resource attribute ACE's claim in SDDL, e.g. `("Project",TS,0x0,"Alpha","Beta")`;
/// `None` if the bytes do not hold one.
pub fn resource_attribute_to_sddl(data: &[u8]) -> Option<String> {
    let u32_at = |at: usize| -> Option<usize> {
        Some(u32::from_le_bytes(data.get(at..at + 4)?.try_into().ok()?) as usize)
    };
    let name_at = u32_at(0)?;
    let kind = u16::from_le_bytes(data.get(4..6)?.try_into().ok()?);
    let flags = u32_at(8)?;
    let count = u32_at(12)?;
    let string_at = |at: usize| -> Option<String> {
        let units: Vec<u16> = data
            .get(at..)?
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .take_while(|u| *u != 0)
            .collect();
        String::from_utf16(&units).ok()
    };
    let (code, value): (&str, &dyn Fn(usize) -> Option<String>) = match kind {
        0x01 => ("TI", &|at| {
            Some(i64::from_le_bytes(data.get(at..at + 8)?.try_into().ok()?).to_string())
        }),
        0x02 => ("TU", &|at| {
            Some(u64::from_le_bytes(data.get(at..at + 8)?.try_into().ok()?).to_string())
        }),
        0x03 => ("TS", &|at| Some(format!("\"{}\"", string_at(at)?))),
        0x05 => ("TD", &|at| {
            let len = u32_at(at)?;
            let (sid, _) = Sid::decode(data.get(at + 4..at + 4 + len)?).ok()?;
            Some(format!("SID({sid})"))
        }),
        0x06 => ("TB", &|at| {
            Some(u64::from_le_bytes(data.get(at..at + 8)?.try_into().ok()?).to_string())
        }),
        0x10 => ("TX", &|at| {
            let len = u32_at(at)?;
            let bytes = data.get(at + 4..at + 4 + len)?;
            Some(format!(
                "#{}",
                bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
            ))
        }),
        _ => return None,
    };
    let mut out = format!("(\"{}\",{code},0x{flags:x}", string_at(name_at)?);
    for i in 0..count.min(data.len() / 4) {
        out.push(',');
        out.push_str(&value(u32_at(16 + 4 * i)?)?);
    }
    out.push(')');
    Some(out)
}

/// Why a condition or resource attribute in SDDL cannot be read; `at` is the byte offset
/// from the start of the condition.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("condition at byte {at}: {what}")]
pub struct ConditionError {
    pub at: usize,
    pub what: &'static str,
}

/// Operator keywords, longest first so `Member_of_Any` is not read as `Member_of`.
const KEYWORDS: &[(&str, u8)] = &[
    ("Not_Device_Member_of_Any", 0x93),
    ("Device_Member_of_Any", 0x8c),
    ("Not_Device_Member_of", 0x91),
    ("Not_Member_of_Any", 0x92),
    ("Device_Member_of", 0x8a),
    ("Member_of_Any", 0x8b),
    ("Not_Member_of", 0x90),
    ("Member_of", 0x89),
    ("Not_Exists", 0x8d),
    ("Exists", 0x87),
];

const RELATIONS: &[(&str, u8)] = &[
    ("==", 0x80),
    ("!=", 0x81),
    ("<=", 0x83),
    (">=", 0x85),
    ("<", 0x82),
    (">", 0x84),
    ("Not_Contains", 0x8e),
    ("Not_Any_of", 0x8f),
    ("Contains", 0x86),
    ("Any_of", 0x88),
];

/// Compiles the parenthesised condition at the start of `text` into a callback ACE's
/// application data (`artx`, the postfix program, zero padding to four bytes); returns it
/// and how many bytes of `text` it used.
pub fn from_sddl(
    text: &str,
    sid: &dyn Fn(&str) -> Option<Sid>,
) -> Result<(Vec<u8>, usize), ConditionError> {
    let mut c = Compiler {
        s: text.as_bytes(),
        at: 0,
        out: SIGNATURE.to_vec(),
        sid,
        depth: 0,
    };
    c.spaces();
    if c.peek() != Some(b'(') {
        return Err(c.err("a condition starts with `(`"));
    }
    c.factor()?;
    while !c.out.len().is_multiple_of(4) {
        c.out.push(0);
    }
    Ok((c.out, c.at))
}

struct Compiler<'a> {
    s: &'a [u8],
    at: usize,
    out: Vec<u8>,
    sid: &'a dyn Fn(&str) -> Option<Sid>,
    /// Nesting so far: text from a spec must not exhaust the stack.
    depth: usize,
}

/// Deeper nesting than any real condition, far below what exhausts a thread's stack.
const MAX_DEPTH: usize = 64;

impl Compiler<'_> {
    fn err(&self, what: &'static str) -> ConditionError {
        ConditionError { at: self.at, what }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.at).copied()
    }

    fn spaces(&mut self) {
        while self.peek() == Some(b' ') {
            self.at += 1;
        }
    }

    fn eat(&mut self, word: &str) -> bool {
        self.spaces();
        let end = self.at + word.len();
        if self.s.get(self.at..end) == Some(word.as_bytes()) {
            self.at = end;
            true
        } else {
            false
        }
    }

    /// A keyword, case-insensitively, not followed by more of a name.
    fn keyword(&mut self, table: &[(&str, u8)]) -> Option<u8> {
        self.spaces();
        for (word, code) in table {
            let end = self.at + word.len();
            let Some(found) = self.s.get(self.at..end) else {
                continue;
            };
            let alphabetic = word.as_bytes()[0].is_ascii_alphabetic();
            let boundary = !alphabetic
                || !self
                    .s
                    .get(end)
                    .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_');
            if found.eq_ignore_ascii_case(word.as_bytes()) && boundary {
                self.at = end;
                return Some(*code);
            }
        }
        None
    }

    /// `a || b || c`, left to right; `&&` binds tighter.
    fn or_expr(&mut self) -> Result<(), ConditionError> {
        self.and_expr()?;
        while self.eat("||") {
            self.and_expr()?;
            self.out.push(0xa1);
        }
        Ok(())
    }

    fn and_expr(&mut self) -> Result<(), ConditionError> {
        self.factor()?;
        while self.eat("&&") {
            self.factor()?;
            self.out.push(0xa0);
        }
        Ok(())
    }

    fn factor(&mut self) -> Result<(), ConditionError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.err("the condition is nested too deeply"));
        }
        let r = self.factor_inner();
        self.depth -= 1;
        r
    }

    fn factor_inner(&mut self) -> Result<(), ConditionError> {
        self.spaces();
        if self.peek() == Some(b'!') && self.s.get(self.at + 1) != Some(&b'=') {
            self.at += 1;
            self.factor()?;
            self.out.push(0xa2);
            return Ok(());
        }
        if self.peek() == Some(b'(') {
            self.at += 1;
            self.or_expr()?;
            if !self.eat(")") {
                return Err(self.err("expected `)`"));
            }
            return Ok(());
        }
        if let Some(op) = self.keyword(KEYWORDS) {
            self.operand()?;
            self.out.push(op);
            return Ok(());
        }
        self.value()?;
        if let Some(op) = self.keyword(RELATIONS) {
            self.value()?;
            self.out.push(op);
        }
        Ok(())
    }

    /// A membership test's operand: a value, possibly in its own parentheses.
    fn operand(&mut self) -> Result<(), ConditionError> {
        if self.depth > MAX_DEPTH {
            return Err(self.err("the condition is nested too deeply"));
        }
        if self.eat("(") {
            self.depth += 1;
            self.operand()?;
            self.depth -= 1;
            if !self.eat(")") {
                return Err(self.err("expected `)`"));
            }
            return Ok(());
        }
        self.value()
    }

    fn with_length(&mut self, token: u8, bytes: &[u8]) {
        self.out.push(token);
        self.out.extend((bytes.len() as u32).to_le_bytes());
        self.out.extend_from_slice(bytes);
    }

    fn value(&mut self) -> Result<(), ConditionError> {
        self.spaces();
        let rest = &self.s[self.at..];
        match self.peek() {
            Some(b'"') => {
                let len = rest[1..]
                    .iter()
                    .position(|b| *b == b'"')
                    .ok_or_else(|| self.err("string without closing `\"`"))?;
                let text = std::str::from_utf8(&rest[1..1 + len])
                    .map_err(|_| self.err("string is not UTF-8"))?;
                let units: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
                self.at += len + 2;
                self.with_length(0x10, &units);
            }
            Some(b'#') => {
                // Windows reads `#` inside an octet string as the digit 0.
                let digits: Vec<u8> = rest[1..]
                    .iter()
                    .take_while(|b| b.is_ascii_hexdigit() || **b == b'#')
                    .map(|b| if *b == b'#' { b'0' } else { *b })
                    .collect();
                if !digits.len().is_multiple_of(2) {
                    return Err(self.err("an octet string has an even number of hex digits"));
                }
                let bytes: Vec<u8> = digits
                    .chunks(2)
                    .map(|p| {
                        let text = std::str::from_utf8(p).expect("ASCII digits");
                        u8::from_str_radix(text, 16).expect("hex digits")
                    })
                    .collect();
                self.at += 1 + digits.len();
                self.with_length(0x18, &bytes);
            }
            Some(b'{') => {
                self.at += 1;
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    return Err(self.err("the condition is nested too deeply"));
                }
                let outer = std::mem::take(&mut self.out);
                loop {
                    self.value()?;
                    if self.eat("}") {
                        break;
                    }
                    if !self.eat(",") {
                        return Err(self.err("expected `,` or `}` in a list"));
                    }
                }
                self.depth -= 1;
                let inner = std::mem::replace(&mut self.out, outer);
                self.with_length(0x50, &inner);
            }
            Some(b'@') => {
                let dot = rest.iter().position(|b| *b == b'.');
                let token = match dot.map(|d| rest[1..d].to_ascii_lowercase()) {
                    Some(p) if p == b"user" => 0xf9,
                    Some(p) if p == b"resource" => 0xfa,
                    Some(p) if p == b"device" => 0xfb,
                    _ => return Err(self.err("expected @User., @Device. or @Resource.")),
                };
                self.at += dot.expect("checked above") + 1;
                self.name(token)?;
            }
            Some(b) if b.is_ascii_digit() || b == b'-' || b == b'+' => self.integer()?,
            Some(_) if rest.len() > 4 && rest[..4].eq_ignore_ascii_case(b"SID(") => {
                let len = rest
                    .iter()
                    .position(|b| *b == b')')
                    .ok_or_else(|| self.err("SID( without `)`"))?;
                let text = std::str::from_utf8(&rest[4..len]).map_err(|_| self.err("bad SID"))?;
                let sid =
                    (self.sid)(text.trim()).ok_or_else(|| self.err("not a SID or SID alias"))?;
                self.at += len + 1;
                self.with_length(0x51, &sid.to_bytes());
            }
            Some(b) if b.is_ascii_alphabetic() || b == b'_' => self.name(0xf8)?,
            _ => {
                return Err(
                    self.err("expected an attribute, a number, a string, `#`, `{` or SID(...)")
                )
            }
        }
        Ok(())
    }

    /// An attribute name; `%xxxx` stands for one UTF-16 unit.
    fn name(&mut self, token: u8) -> Result<(), ConditionError> {
        let mut units = Vec::new();
        while let Some(b) = self.peek() {
            if b == b'%' {
                let hex = self
                    .s
                    .get(self.at + 1..self.at + 5)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u16::from_str_radix(h, 16).ok())
                    .ok_or_else(|| self.err("`%` in a name is followed by four hex digits"))?;
                units.push(hex);
                self.at += 5;
            } else if b.is_ascii_alphanumeric() || matches!(b, b':' | b'/' | b'.' | b'_') {
                units.push(u16::from(b));
                self.at += 1;
            } else {
                break;
            }
        }
        if units.is_empty() {
            return Err(self.err("expected an attribute name"));
        }
        let bytes: Vec<u8> = units.iter().flat_map(|u| u.to_le_bytes()).collect();
        self.with_length(token, &bytes);
        Ok(())
    }

    /// A 64-bit integer: optional sign, then decimal, `0x` hex or `0` octal; the encoding
    /// keeps which sign and base were written.
    fn integer(&mut self) -> Result<(), ConditionError> {
        let mut sign = 0x03;
        match self.peek() {
            Some(b'-') => sign = 0x02,
            Some(b'+') => sign = 0x01,
            _ => {}
        }
        if sign != 0x03 {
            self.at += 1;
        }
        let rest = &self.s[self.at..];
        let (base, radix, skip) =
            if rest.len() > 1 && rest[0] == b'0' && matches!(rest[1], b'x' | b'X') {
                (0x03, 16, 2)
            } else if rest.len() > 1 && rest[0] == b'0' && rest[1].is_ascii_digit() {
                (0x01, 8, 1)
            } else {
                (0x02, 10, 0)
            };
        let digits: &[u8] = &rest[skip..];
        let n = digits.iter().take_while(|b| b.is_ascii_hexdigit()).count();
        let text = std::str::from_utf8(&digits[..n]).expect("ASCII digits");
        let magnitude = u64::from_str_radix(text, radix).map_err(|_| self.err("not a number"))?;
        let value = if sign == 0x02 {
            0i64.checked_sub_unsigned(magnitude)
        } else {
            i64::try_from(magnitude).ok()
        }
        .ok_or_else(|| self.err("the number does not fit 64 bits"))?;
        self.at += skip + n;
        self.out.push(0x04);
        self.out.extend(value.to_le_bytes());
        self.out.extend([sign, base]);
        Ok(())
    }
}

/// Reads `("name",TS,0x0,"a","b")` at the start of `text` into a resource attribute ACE's
/// claim bytes (padded to four), and how many bytes of `text` it used. Only the string,
/// integer and boolean types are read.
pub fn resource_attribute_from_sddl(text: &str) -> Result<(Vec<u8>, usize), ConditionError> {
    let s = text.as_bytes();
    let err = |at: usize, what| ConditionError { at, what };
    let close = s
        .iter()
        .position(|b| *b == b')')
        .ok_or_else(|| err(0, "a resource attribute ends with `)`"))?;
    let inner = std::str::from_utf8(&s[..close]).map_err(|_| err(0, "not UTF-8"))?;
    let inner = inner
        .trim_start()
        .strip_prefix('(')
        .ok_or_else(|| err(0, "a resource attribute starts with `(`"))?;
    let parts: Vec<&str> = inner.split(',').map(str::trim).collect();
    if parts.len() < 4 {
        return Err(err(0, "write (\"name\",type,flags,value,...)"));
    }
    let quoted = |p: &str| {
        p.strip_prefix('"')
            .and_then(|p| p.strip_suffix('"'))
            .map(str::to_string)
    };
    let name = quoted(parts[0]).ok_or_else(|| err(1, "the name is a quoted string"))?;
    let kind: u16 = match parts[1] {
        "TI" => 0x01,
        "TU" => 0x02,
        "TS" => 0x03,
        "TB" => 0x06,
        _ => {
            return Err(err(
                1,
                "only TI, TU, TS and TB resource attributes can be read",
            ))
        }
    };
    let flags = match parts[2].strip_prefix("0x") {
        Some(hex) => u32::from_str_radix(hex, 16).ok(),
        None => parts[2].parse().ok(),
    }
    .ok_or_else(|| err(1, "flags are a number"))?;
    let values = &parts[3..];
    let utf16z = |t: &str| -> Vec<u8> {
        t.encode_utf16()
            .chain([0])
            .flat_map(u16::to_le_bytes)
            .collect()
    };
    let mut tail = utf16z(&name);
    let header = 16 + 4 * values.len();
    let mut offsets = Vec::new();
    for v in values {
        offsets.push((header + tail.len()) as u32);
        match kind {
            0x03 => tail.extend(utf16z(
                &quoted(v).ok_or_else(|| err(1, "string values are quoted"))?,
            )),
            0x01 => tail.extend(
                v.parse::<i64>()
                    .map_err(|_| err(1, "not a 64-bit integer"))?
                    .to_le_bytes(),
            ),
            _ => tail.extend(
                v.parse::<u64>()
                    .map_err(|_| err(1, "not an unsigned 64-bit integer"))?
                    .to_le_bytes(),
            ),
        }
    }
    let mut out = (header as u32).to_le_bytes().to_vec();
    out.extend(kind.to_le_bytes());
    out.extend([0, 0]);
    out.extend(flags.to_le_bytes());
    out.extend((values.len() as u32).to_le_bytes());
    for o in offsets {
        out.extend(o.to_le_bytes());
    }
    out.extend(tail);
    Ok((out, close + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(s: &str) -> Vec<u8> {
        s.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }

    fn attr(token: u8, name: &str) -> Vec<u8> {
        let n = utf16(name);
        let mut v = vec![token];
        v.extend((n.len() as u32).to_le_bytes());
        v.extend(n);
        v
    }

    #[test]
    fn windows_bytes_for_any_of() {
        // Windows' bytes for `(@USER.Project Any_of 1)` (Samba's test_sddl_compile2).
        let mut b = b"artx".to_vec();
        b.extend(attr(0xf9, "Project"));
        b.extend([0x04, 1, 0, 0, 0, 0, 0, 0, 0, 0x03, 0x02, 0x88, 0x00]);
        assert_eq!(to_sddl(&b, None).unwrap(), "(@User.Project Any_of 1)");
    }

    #[test]
    fn nested_logic_and_membership() {
        let mut b = b"artx".to_vec();
        b.extend(attr(0xf9, "Title"));
        let s = utf16("PM");
        b.push(0x10);
        b.extend((s.len() as u32).to_le_bytes());
        b.extend(s);
        b.push(0x80);
        let sid: Sid = "S-1-5-32-544".parse().unwrap();
        let sid = sid.to_bytes();
        let mut composite = vec![0x51];
        composite.extend((sid.len() as u32).to_le_bytes());
        composite.extend(sid);
        b.push(0x50);
        b.extend((composite.len() as u32).to_le_bytes());
        b.extend(composite);
        b.push(0x89);
        b.push(0xa1);
        b.push(0xa2);
        b.extend([0, 0]);
        assert_eq!(
            to_sddl(&b, None).unwrap(),
            "(!((@User.Title == \"PM\") || (Member_of {SID(BA)})))"
        );
    }

    #[test]
    fn a_lone_attribute_is_parenthesised() {
        let mut b = b"artx".to_vec();
        b.extend(attr(0xfa, "c"));
        b.push(0);
        assert_eq!(to_sddl(&b, None).unwrap(), "(@Resource.c)");
    }

    #[test]
    fn malformed_programs_are_none() {
        assert_eq!(
            to_sddl(b"artx\x80", None),
            None,
            "operator without operands"
        );
        assert_eq!(to_sddl(b"xxxx", None), None, "no signature");
        let mut b = b"artx".to_vec();
        b.extend(attr(0xfa, "c"));
        b.extend([0, 1]);
        assert_eq!(to_sddl(&b, None), None, "garbage after padding");
    }
}
