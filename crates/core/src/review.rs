//! What a change to a spec would do: two plans of the same live state (the spec before
//! and after the change) compared by the state each leads to.

use std::collections::BTreeSet;
use std::fmt::Write;

use crate::{Address, Entry, Plan, ResourcePlan};

/// How one resource's target state differs between the base and the changed spec.
#[derive(Debug, PartialEq)]
pub enum Difference<'a> {
    Added(&'a ResourcePlan),
    /// Dropped from the spec: hybridctl stops managing it and never deletes what it set.
    Removed(&'a ResourcePlan),
    Changed {
        address: &'a Address,
        removed: Vec<&'a Entry>,
        added: Vec<&'a Entry>,
    },
}

pub fn compare<'a>(base: &'a Plan, head: &'a Plan) -> Vec<Difference<'a>> {
    let mut out = Vec::new();
    for h in &head.resources {
        match base.resources.iter().find(|b| b.address == h.address) {
            None => out.push(Difference::Added(h)),
            Some(b) => {
                let before: BTreeSet<&Entry> = b.after.iter().collect();
                let after: BTreeSet<&Entry> = h.after.iter().collect();
                let removed: Vec<&Entry> = b.after.iter().filter(|e| !after.contains(e)).collect();
                let added: Vec<&Entry> = h.after.iter().filter(|e| !before.contains(e)).collect();
                if !removed.is_empty() || !added.is_empty() {
                    out.push(Difference::Changed {
                        address: &h.address,
                        removed,
                        added,
                    });
                }
            }
        }
    }
    for b in &base.resources {
        if !head.resources.iter().any(|h| h.address == b.address) {
            out.push(Difference::Removed(b));
        }
    }
    out
}

/// For a terminal or a pull request (Markdown wraps it in a `diff` block).
pub fn render(diffs: &[Difference<'_>], base: &str, markdown: bool) -> String {
    let mut out = String::new();
    if markdown {
        let _ = writeln!(out, "### hybridctl diff against `{base}`\n");
    }
    if diffs.is_empty() {
        let _ = writeln!(
            out,
            "No difference: the change leaves every resource's target state as it was at {base}."
        );
        return out;
    }
    if markdown {
        out.push_str("```diff\n");
    }
    let line = |out: &mut String, mark: &str, e: &Entry| {
        let _ = writeln!(out, "  {mark} {}", e.text);
        if let Some(c) = &e.code {
            let _ = writeln!(out, "  {mark}     {c}");
        }
    };
    for d in diffs {
        match d {
            Difference::Added(r) => {
                let _ = writeln!(out, "+ {}  (new in this change: {})", r.address, r.target);
                r.after.iter().for_each(|e| line(&mut out, "+", e));
            }
            Difference::Removed(r) => {
                let _ = writeln!(out, "- {}  (no longer in the spec: hybridctl stops managing it; nothing is deleted)", r.address);
                r.after.iter().for_each(|e| line(&mut out, "-", e));
            }
            Difference::Changed {
                address,
                removed,
                added,
            } => {
                let _ = writeln!(out, "~ {address}");
                removed.iter().for_each(|e| line(&mut out, "-", e));
                added.iter().for_each(|e| line(&mut out, "+", e));
            }
        }
    }
    if markdown {
        out.push_str("```\n");
    }
    let _ = writeln!(out, "{} resource(s) differ from {base}.", diffs.len());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::fixtures::writeback_plan;

    #[test]
    fn additions_removals_and_changes() {
        let base = writeback_plan();
        let mut head = writeback_plan();
        head.resources[0].after.push(Entry {
            text: "allow X: Read (This object only)".into(),
            code: Some("(A;;LCRPLORC;;;X)".into()),
        });
        head.resources.remove(1);
        let diffs = compare(&base, &head);
        assert_eq!(diffs.len(), 2);
        let text = render(&diffs, "main", false);
        assert!(
            text.contains("~ ad.acl.writeback-permissions\n  + allow X: Read (This object only)\n"),
            "{text}"
        );
        assert!(
            text.contains("- ad.acl.staff-helpdesk  (no longer in the spec"),
            "{text}"
        );
        assert!(compare(&base, &base).is_empty());
    }
}
