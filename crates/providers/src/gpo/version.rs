//! A GPO's version (bumped so clients pick up a change) and its list of client-side
//! extensions (so clients know which extension processes the GPO's machine settings).

/// The Security client-side extension and its MMC snap-in, as Windows lists them.
pub const SECURITY_CSE: &str = "{827D319E-6EAC-11D2-A4EA-00C04F79F83A}";
pub const SECURITY_TOOL: &str = "{803E14A0-B4FB-11D0-A0D0-00A0C90F574B}";

/// `versionNumber` / GPT.INI `Version`: user half in the high 16 bits, machine half in the low.
pub fn bump_machine(v: u32) -> u32 {
    let machine = (v & 0xFFFF) + 1;
    // The machine half never wraps to 0: clients read 0 as "no machine settings".
    let machine = if machine > 0xFFFF { 1 } else { machine };
    (v & 0xFFFF_0000) | machine
}

/// `gPCMachineExtensionNames` with `cse`/`tool` present, in the sorted form Windows
/// writes: entries `[{CSE}{tool}...]` ordered by CSE GUID, tools ordered within each.
pub fn ensure_extension(names: &str, cse: &str, tool: &str) -> String {
    let mut entries = parse(names);
    match entries
        .iter_mut()
        .find(|(c, _)| c.eq_ignore_ascii_case(cse))
    {
        Some((_, tools)) => {
            if !tools.iter().any(|t| t.eq_ignore_ascii_case(tool)) {
                tools.push(tool.to_string());
            }
        }
        None => entries.push((cse.to_string(), vec![tool.to_string()])),
    }
    for (_, tools) in &mut entries {
        tools.sort_by_key(|t| t.to_ascii_uppercase());
    }
    entries.sort_by_key(|(c, _)| c.to_ascii_uppercase());
    entries
        .iter()
        .map(|(c, tools)| format!("[{c}{}]", tools.concat()))
        .collect()
}

pub fn has_extension(names: &str, cse: &str, tool: &str) -> bool {
    parse(names).iter().any(|(c, tools)| {
        c.eq_ignore_ascii_case(cse) && tools.iter().any(|t| t.eq_ignore_ascii_case(tool))
    })
}

fn parse(names: &str) -> Vec<(String, Vec<String>)> {
    names
        .split(']')
        .filter_map(|e| e.trim().strip_prefix('['))
        .filter_map(|e| {
            let guids: Vec<String> = e
                .split('}')
                .filter(|g| !g.is_empty())
                .map(|g| format!("{g}}}"))
                .collect();
            let (cse, tools) = guids.split_first()?;
            Some((cse.clone(), tools.to_vec()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn machine_half_moves_user_half_stays() {
        assert_eq!(bump_machine(0), 1);
        assert_eq!(bump_machine(0x0003_0007), 0x0003_0008);
        assert_eq!(bump_machine(0x0001_FFFF), 0x0001_0001);
    }

    #[test]
    fn extensions_are_added_once_and_sorted() {
        let s = ensure_extension("", SECURITY_CSE, SECURITY_TOOL);
        assert_eq!(
            s,
            "[{827D319E-6EAC-11D2-A4EA-00C04F79F83A}{803E14A0-B4FB-11D0-A0D0-00A0C90F574B}]"
        );
        assert_eq!(ensure_extension(&s, SECURITY_CSE, SECURITY_TOOL), s);
        let with_others = ensure_extension(
            "[{35378EAC-683F-11D2-A89A-00C04FBBCFA2}{53D6AB1B-2488-11D1-A28C-00C04FB94F17}][{B1BE8D72-6EAC-11D2-A4EA-00C04F79F83A}{53D6AB1B-2488-11D1-A28C-00C04FB94F17}]",
            SECURITY_CSE,
            SECURITY_TOOL,
        );
        assert_eq!(
            with_others,
            "[{35378EAC-683F-11D2-A89A-00C04FBBCFA2}{53D6AB1B-2488-11D1-A28C-00C04FB94F17}]\
             [{827D319E-6EAC-11D2-A4EA-00C04F79F83A}{803E14A0-B4FB-11D0-A0D0-00A0C90F574B}]\
             [{B1BE8D72-6EAC-11D2-A4EA-00C04F79F83A}{53D6AB1B-2488-11D1-A28C-00C04FB94F17}]"
        );
        assert!(has_extension(&with_others, SECURITY_CSE, SECURITY_TOOL));
        assert!(!has_extension("", SECURITY_CSE, SECURITY_TOOL));
    }
}
