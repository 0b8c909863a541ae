//! Renderers: the plan drawn for people (text, Markdown) or machines (JSON). All three
//! read only the `Plan`, so a saved plan renders exactly like a fresh one.

mod json;
mod junit;
mod markdown;
mod text;

pub use json::json;
pub use junit::{junit, junit_error};
pub use markdown::markdown;
pub use text::text;

use similar::{capture_diff_slices, Algorithm, DiffOp};

use crate::{Entry, Plan, ResourcePlan};

/// What the plan is being shown as: the same data, worded for the command that made it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Report {
    Plan,
    Drift,
}

impl Report {
    /// The title a report carries (JUnit suite names, the JSON `report` field), so a CI
    /// system never shows a plan as a drift check.
    pub fn title(self) -> &'static str {
        match self {
            Report::Plan => "hybridctl plan",
            Report::Drift => "hybridctl drift",
        }
    }
}

/// Output formats the commands offer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Markdown,
    /// JUnit XML: one test case per resource, failed when it drifted.
    Junit,
}

/// Renders `plan` in `format`.
pub fn render(plan: &Plan, report: Report, format: Format, color: bool) -> String {
    match format {
        Format::Text => text(plan, report, color),
        Format::Json => json(plan),
        Format::Markdown => markdown(plan, report),
        Format::Junit => junit(plan, report),
    }
}

/// A line of a before/after view.
#[derive(Debug, PartialEq, Eq)]
enum Line<'a> {
    Same(&'a Entry),
    Removed(&'a Entry),
    Added(&'a Entry),
    /// Unchanged lines left out between changes.
    Skipped(usize),
}

/// The before/after diff of a resource, unchanged lines kept only next to changes.
fn diff_lines(r: &ResourcePlan) -> Vec<Line<'_>> {
    const CONTEXT: usize = 1;
    let ops = capture_diff_slices(Algorithm::Myers, &r.before, &r.after);
    let mut out = Vec::new();
    // Unchanged entries left out between, before and after the shown groups are counted,
    // so a reader always knows something is there.
    let mut shown_to = 0;
    for group in similar::group_diff_ops(ops, CONTEXT) {
        if let (Some(first), Some(last)) = (group.first(), group.last()) {
            let start = first.old_range().start;
            if start > shown_to {
                out.push(Line::Skipped(start - shown_to));
            }
            shown_to = last.old_range().end;
        }
        for op in group {
            match op {
                DiffOp::Equal { old_index, len, .. } => {
                    out.extend(r.before[old_index..old_index + len].iter().map(Line::Same))
                }
                DiffOp::Delete {
                    old_index, old_len, ..
                } => out.extend(
                    r.before[old_index..old_index + old_len]
                        .iter()
                        .map(Line::Removed),
                ),
                DiffOp::Insert {
                    new_index, new_len, ..
                } => out.extend(
                    r.after[new_index..new_index + new_len]
                        .iter()
                        .map(Line::Added),
                ),
                DiffOp::Replace {
                    old_index,
                    old_len,
                    new_index,
                    new_len,
                } => {
                    out.extend(
                        r.before[old_index..old_index + old_len]
                            .iter()
                            .map(Line::Removed),
                    );
                    out.extend(
                        r.after[new_index..new_index + new_len]
                            .iter()
                            .map(Line::Added),
                    );
                }
            }
        }
    }
    if !out.is_empty() && shown_to < r.before.len() {
        out.push(Line::Skipped(r.before.len() - shown_to));
    }
    out
}

fn summary_line(plan: &Plan, report: Report) -> String {
    let s = plan.summary();
    let manual = if s.manual > 0 {
        format!(
            " {} manual step list(s) to do by hand (not verified).",
            s.manual
        )
    } else {
        String::new()
    };
    let mut entries = format!("{} to add, {} to remove", s.add, s.remove);
    if s.set > 0 {
        entries.push_str(&format!(", {} to change", s.set));
    }
    let line = match (report, plan.has_changes()) {
        (Report::Plan, false) => format!("No changes: {} resource(s) match the spec.", s.unchanged),
        (Report::Plan, true) => format!(
            "Plan: {} resource(s) to update ({entries}), {} unchanged.",
            s.update, s.unchanged
        ),
        (Report::Drift, false) => format!("No drift: {} resource(s) match the spec.", s.unchanged),
        (Report::Drift, true) => format!(
            "Drift: {} resource(s) differ from the spec ({entries} to converge), {} match.",
            s.update, s.unchanged
        ),
    };
    let failed = if s.failed > 0 {
        format!(" {} check(s) fail.", s.failed)
    } else {
        String::new()
    };
    format!("{line}{manual}{failed}")
}

/// How many of a failing check's objects the text and Markdown views list (JSON: all).
pub const FAILING_OBJECTS_SHOWN: usize = 20;

#[cfg(test)]
pub(crate) mod fixtures {
    use crate::plan::{Action, Change, ChangeOp, Entry, Plan, ResourcePlan};

    fn e(text: &str, code: &str) -> Entry {
        Entry {
            text: text.into(),
            code: Some(code.into()),
        }
    }

    /// A plan like the password-writeback one, with stable values for snapshots.
    /// A plan with one failing check holding `n` objects.
    pub fn failing_check_plan(n: usize) -> Plan {
        let objects = (0..n)
            .map(|i| Entry {
                text: format!("CN=u{i},OU=Legacy,DC=lab,DC=test"),
                code: Some("inheritance disabled on OU=Legacy,DC=lab,DC=test".into()),
            })
            .collect();
        let check = ResourcePlan::new(
            "ad.effective_access.writeback".parse().unwrap(),
            "LAB\\MSOL must hold Reset password on 9 object(s) under DC=lab,DC=test".into(),
            "sha256:0".into(),
            objects,
            vec![],
            vec![],
        )
        .failing()
        .with_notes(vec![format!(
            "inheritance disabled on OU=Legacy,DC=lab,DC=test ({n} object(s))"
        )]);
        Plan::new(vec!["spec.yaml".into()], vec![check])
    }

    pub fn writeback_plan() -> Plan {
        let keep = e(
            "allow Authenticated Users: Read (This object only)",
            "(A;;LCRPLORC;;;AU)",
        );
        let reset = e(
            "allow LAB\\MSOL_817b9d8947c2: Reset password (Descendant User objects)",
            "(OA;CIIO;CR;00299570-246d-11d0-a768-00aa006e0529;bf967aba-0de6-11d0-a285-00aa003049e2;S-1-5-21-1-2-3-1104)",
        );
        let old = e(
            "deny LAB\\Helpdesk: Write userAccountControl (Descendant User objects)",
            "(OD;CIIO;WP;bf967a68-0de6-11d0-a285-00aa003049e2;bf967aba-0de6-11d0-a285-00aa003049e2;S-1-5-21-1-2-3-1105)",
        );
        let change = ResourcePlan {
            address: "ad.acl.writeback-permissions".parse().unwrap(),
            action: Action::Update,
            target: "DC=lab,DC=example,DC=test".into(),
            spec_digest: "sha256:spec".into(),
            observed: "sha256:seen".into(),
            before: vec![old.clone(), keep.clone()],
            after: vec![keep, reset.clone()],
            changes: vec![
                Change {
                    op: ChangeOp::Remove,
                    entry: old,
                    payload: serde_json::json!({}),
                },
                Change {
                    op: ChangeOp::Add,
                    entry: reset,
                    payload: serde_json::json!({}),
                },
            ],
            notes: vec![],
            apply_data: Default::default(),
        };
        let same = ResourcePlan {
            address: "ad.acl.staff-helpdesk".parse().unwrap(),
            action: Action::NoOp,
            target: "OU=Staff,OU=Corp,DC=lab,DC=example,DC=test".into(),
            spec_digest: "sha256:spec2".into(),
            observed: "sha256:seen2".into(),
            before: vec![],
            after: vec![],
            changes: vec![],
            notes: vec!["Minimum password age: the domain head says 1 day; set in the GPO, not yet in effect".into()],
            apply_data: Default::default(),
        };
        Plan::new(
            vec!["examples/password-writeback.yaml".into()],
            vec![change, same],
        )
    }
}

#[cfg(test)]
mod diff_tests {
    use super::*;
    use crate::render::fixtures::writeback_plan;

    /// Every unchanged entry left out is counted, before, between and after the changes.
    #[test]
    fn unchanged_entries_are_counted_wherever_they_are_left_out() {
        let e = |t: &str| Entry {
            text: t.into(),
            code: None,
        };
        let mut r = writeback_plan().resources.remove(0);
        r.before = ["a", "b", "c", "d", "e", "f", "g"].map(e).to_vec();
        r.after = ["a", "b", "C", "d", "e", "f", "g"].map(e).to_vec();
        let skipped: Vec<usize> = diff_lines(&r)
            .iter()
            .filter_map(|l| match l {
                Line::Skipped(n) => Some(*n),
                _ => None,
            })
            .collect();
        // b, c/C, d shown (one line of context); a before, e f g after.
        assert_eq!(skipped, [1, 3]);
    }
}

#[cfg(test)]
mod connection_tests {
    use super::*;
    use crate::render::fixtures::writeback_plan;

    /// In a spec with several domains every output names the domain a change hits, and a
    /// saved plan reads back with it.
    #[test]
    fn every_format_shows_the_connection() {
        let mut plan = writeback_plan();
        let r = &mut plan.resources[0];
        r.address = r.address.clone().with_connection(Some("emea"));
        let at = r.address.to_string();
        assert!(at.ends_with("@emea"), "{at}");
        for (format, shown) in [
            (Format::Text, at.clone()),
            (Format::Markdown, format!("`{at}`")),
            (Format::Junit, format!("name=\"{at}\"")),
            (Format::Json, format!("\"address\": \"{at}\"")),
        ] {
            for report in [Report::Plan, Report::Drift] {
                let out = render(&plan, report, format, false);
                assert!(out.contains(&shown), "{format:?} {shown}\n{out}");
            }
        }
        let back: crate::Plan = serde_json::from_str(&json(&plan)).unwrap();
        assert_eq!(back, plan);
    }
}
