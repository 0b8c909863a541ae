//! The terminal view: one block per changed resource, before/after as a diff.

use std::fmt::Write;

use super::{diff_lines, summary_line, Line, Report};
use crate::{Action, Entry, Plan};

const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const YELLOW: &str = "\x1b[33m";
const BOLD: &str = "\x1b[1m";
const RESET: &str = "\x1b[0m";

/// Renders `plan` for a terminal; ANSI colour only when `color` is set.
pub fn text(plan: &Plan, report: Report, color: bool) -> String {
    let paint = |code: &str, s: &str| {
        if color {
            format!("{code}{s}{RESET}")
        } else {
            s.to_string()
        }
    };
    let mut out = String::new();
    for r in plan.resources.iter().filter(|r| r.action == Action::Manual) {
        let _ = writeln!(
            out,
            "{}  (manual steps, not verified by hybridctl)",
            paint(&format!("{BOLD}{YELLOW}"), &format!("? {}", r.address))
        );
        for (i, step) in r.after.iter().enumerate() {
            let _ = writeln!(out, "  {:>2}. {}", i + 1, step.text);
        }
        out.push('\n');
    }
    for r in plan.resources.iter().filter(|r| r.action == Action::Fail) {
        let _ = writeln!(
            out,
            "{}  (check fails: {})",
            paint(&format!("{BOLD}{RED}"), &format!("x {}", r.address)),
            r.target
        );
        push_notes(&mut out, &r.notes, &paint);
        for e in r.before.iter().take(super::FAILING_OBJECTS_SHOWN) {
            push_entry(&mut out, " ", e, |s| s.to_string());
        }
        if r.before.len() > super::FAILING_OBJECTS_SHOWN {
            let _ = writeln!(
                out,
                "    ... {} more (all of them in --format json)",
                r.before.len() - super::FAILING_OBJECTS_SHOWN
            );
        }
        out.push('\n');
    }
    for r in plan.resources.iter().filter(|r| r.action == Action::Update) {
        let head = format!("~ {}", r.address);
        let _ = writeln!(
            out,
            "{}  ({}: {})",
            paint(&format!("{BOLD}{YELLOW}"), &head),
            r.action.as_str(),
            r.target
        );
        for line in diff_lines(r) {
            let (mark, entry, code) = match line {
                Line::Same(e) => (" ", e, ""),
                Line::Removed(e) => ("-", e, RED),
                Line::Added(e) => ("+", e, GREEN),
                Line::Skipped(n) => {
                    let _ = writeln!(out, "    ... {n} unchanged");
                    continue;
                }
            };
            push_entry(&mut out, mark, entry, |s| {
                if code.is_empty() {
                    s.to_string()
                } else {
                    paint(code, s)
                }
            });
        }
        push_notes(&mut out, &r.notes, &paint);
        out.push('\n');
    }
    for r in plan
        .resources
        .iter()
        .filter(|r| r.action == Action::NoOp && !r.notes.is_empty())
    {
        let _ = writeln!(out, "  {}  (no changes: {})", r.address, r.target);
        push_notes(&mut out, &r.notes, &paint);
        out.push('\n');
    }
    let unchanged: Vec<String> = plan
        .resources
        .iter()
        .filter(|r| r.action == Action::NoOp)
        .map(|r| r.address.to_string())
        .collect();
    if !unchanged.is_empty() {
        let _ = writeln!(out, "  unchanged: {}", unchanged.join(", "));
    }
    let _ = writeln!(out, "{}", paint(BOLD, &summary_line(plan, report)));
    out
}

fn push_notes(out: &mut String, notes: &[String], paint: &impl Fn(&str, &str) -> String) {
    for n in notes {
        let _ = writeln!(out, "  {}", paint(YELLOW, &format!("! {n}")));
    }
}

fn push_entry(out: &mut String, mark: &str, e: &Entry, paint: impl Fn(&str) -> String) {
    let _ = writeln!(out, "  {}", paint(&format!("{mark} {}", e.text)));
    if let Some(code) = &e.code {
        let _ = writeln!(out, "  {}", paint(&format!("{mark}     {code}")));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::fixtures::writeback_plan;

    #[test]
    fn plan_text() {
        insta::assert_snapshot!(text(&writeback_plan(), Report::Plan, false));
    }

    #[test]
    fn drift_text() {
        insta::assert_snapshot!(text(&writeback_plan(), Report::Drift, false));
    }

    #[test]
    fn a_failing_check_shows_its_reasons_and_the_first_objects() {
        let out = text(
            &crate::render::fixtures::failing_check_plan(25),
            Report::Plan,
            false,
        );
        assert!(
            out.contains("x ad.effective_access.writeback  (check fails: "),
            "{out}"
        );
        assert!(
            out.contains("! inheritance disabled on OU=Legacy,DC=lab,DC=test (25 object(s))"),
            "{out}"
        );
        assert!(out.contains("CN=u19,"), "{out}");
        assert!(!out.contains("CN=u20,"), "{out}");
        assert!(
            out.contains("... 5 more (all of them in --format json)"),
            "{out}"
        );
        assert!(
            out.ends_with("No changes: 0 resource(s) match the spec. 1 check(s) fail.\n"),
            "{out}"
        );
        let json = crate::render::json(&crate::render::fixtures::failing_check_plan(25));
        assert!(json.contains("\"action\": \"fail\""), "{json}");
        assert!(json.contains("CN=u24,"), "all objects in JSON");
        let junit = crate::render::junit(
            &crate::render::fixtures::failing_check_plan(1),
            Report::Drift,
        );
        assert!(junit.contains("failures=\"1\""), "{junit}");
        assert!(
            junit.contains("<failure message=\"check fails: "),
            "{junit}"
        );
        let md = crate::render::markdown(
            &crate::render::fixtures::failing_check_plan(1),
            Report::Plan,
        );
        assert!(
            md.contains("| `ad.effective_access.writeback` | fail |"),
            "{md}"
        );
        assert!(
            md.contains("- `CN=u0,OU=Legacy,DC=lab,DC=test`: inheritance disabled"),
            "{md}"
        );
    }

    #[test]
    fn notes_show_even_when_nothing_changes() {
        let mut p = writeback_plan();
        p.resources.remove(0);
        let out = text(&p, Report::Plan, false);
        assert!(
            out.contains("  ! Minimum password age: the domain head says 1 day"),
            "{out}"
        );
        assert!(out.contains("No changes"), "{out}");
    }

    #[test]
    fn colour_only_when_asked() {
        assert!(!text(&writeback_plan(), Report::Plan, false).contains('\x1b'));
        assert!(text(&writeback_plan(), Report::Plan, true).contains("\x1b[32m+ allow"));
    }

    #[test]
    fn empty_plan_says_no_changes() {
        let mut p = writeback_plan();
        p.resources.remove(0);
        p.resources[0].notes.clear();
        insta::assert_snapshot!(text(&p, Report::Plan, false), @r"
          unchanged: ad.acl.staff-helpdesk
        No changes: 1 resource(s) match the spec.
        ");
    }
}
