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
        if len % 2 != 0 {
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
