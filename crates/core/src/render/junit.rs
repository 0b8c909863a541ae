//! JUnit XML, so CI systems show drift as failed tests: one test case per resource,
//! failed when it drifted, skipped for manual steps hybridctl cannot verify. A check
//! that could not run is a JUnit `<error>`, never a pass.

use std::fmt::Write;

use super::Report;
use crate::{Action, Diagnostics, Plan};

/// `plan` as test results, titled for the command that made it (`report`).
pub fn junit(plan: &Plan, report: Report) -> String {
    let title = report.title();
    let failures = plan
        .resources
        .iter()
        .filter(|r| matches!(r.action, Action::Update | Action::Fail))
        .count();
    let skipped = plan
        .resources
        .iter()
        .filter(|r| r.action == Action::Manual)
        .count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"{title}\" tests=\"{}\" failures=\"{failures}\" skipped=\"{skipped}\">",
        plan.resources.len()
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"{title}\" tests=\"{}\" failures=\"{failures}\" skipped=\"{skipped}\" errors=\"0\">",
        plan.resources.len()
    );
    for r in &plan.resources {
        let _ = write!(
            out,
            "    <testcase classname=\"{}\" name=\"{}\"",
            esc(r.address.kind.as_str()),
            esc(&r.address.to_string())
        );
        match r.action {
            Action::NoOp => out.push_str("/>\n"),
            Action::Manual => {
                let steps: Vec<String> = r
                    .after
                    .iter()
                    .enumerate()
                    .map(|(i, s)| format!("{}. {}", i + 1, s.text))
                    .collect();
                let _ = writeln!(out, ">\n      <skipped message=\"manual steps, not verified by hybridctl\">{}</skipped>\n    </testcase>", esc(&steps.join("\n")));
            }
            Action::Fail => {
                let _ = writeln!(
                    out,
                    ">\n      <failure message=\"check fails: {}\" type=\"check\">{}</failure>\n    </testcase>",
                    esc(&r.target),
                    esc(&r.notes.join("\n"))
                );
            }
            Action::Update => {
                let lines: Vec<String> = r
                    .changes
                    .iter()
                    .map(|c| {
                        format!(
                            "{:?}: {}{}",
                            c.op,
                            c.entry.text,
                            c.entry
                                .code
                                .as_deref()
                                .map(|c| format!(" {c}"))
                                .unwrap_or_default()
                        )
                    })
                    .collect();
                let (what, kind) = match report {
                    Report::Drift => ("drifted from the spec", "change(s) to converge"),
                    Report::Plan => ("differs from the spec", "change(s) to apply"),
                };
                let _ = writeln!(
                    out,
                    ">\n      <failure message=\"{} {what} ({} {kind})\" type=\"{}\">{}</failure>\n    </testcase>",
                    esc(&r.target),
                    r.changes.len(),
                    match report {
                        Report::Drift => "drift",
                        Report::Plan => "change",
                    },
                    esc(&lines.join("\n"))
                );
            }
        }
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

/// A check that failed (`diagnostics` say why) as one errored test case: CI shows it
/// red, and nothing in it can be read as "no drift".
pub fn junit_error(report: Report, diagnostics: &Diagnostics) -> String {
    let title = report.title();
    let message = match report {
        Report::Drift => "the drift check could not complete, so drift is unknown",
        Report::Plan => "planning could not complete",
    };
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <testsuites name=\"{title}\" tests=\"1\" failures=\"0\" errors=\"1\" skipped=\"0\">\n\
         \x20 <testsuite name=\"{title}\" tests=\"1\" failures=\"0\" skipped=\"0\" errors=\"1\">\n\
         \x20   <testcase classname=\"hybridctl\" name=\"{title}\">\n\
         \x20     <error message=\"{message} ({} problem(s))\" type=\"check-failed\">{}</error>\n\
         \x20   </testcase>\n\
         \x20 </testsuite>\n\
         </testsuites>\n",
        diagnostics.0.len(),
        esc(&diagnostics.to_string())
    )
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::fixtures::writeback_plan;
    use crate::Diagnostic;

    #[test]
    fn drift_as_junit() {
        insta::assert_snapshot!(junit(&writeback_plan(), Report::Drift));
    }

    /// Issue 10 item 13: the JUnit of `plan` and `show` was titled "drift".
    #[test]
    fn a_plan_is_titled_plan_not_drift() {
        let xml = junit(&writeback_plan(), Report::Plan);
        assert!(
            xml.contains("<testsuites name=\"hybridctl plan\"")
                && xml.contains("<testsuite name=\"hybridctl plan\""),
            "{xml}"
        );
        assert!(
            xml.contains("(2 change(s) to apply)\" type=\"change\""),
            "{xml}"
        );
        assert!(!xml.contains("drift"), "{xml}");
    }

    /// Issue 10 item 3: a check that could not read live state is an error, not a pass.
    #[test]
    fn a_failed_check_is_an_error() {
        let d: Diagnostics = Diagnostic::new("cannot connect to ldaps://dc:636 <refused>")
            .hint("check the DC is up & reachable")
            .into();
        let xml = junit_error(Report::Drift, &d);
        assert_eq!(
            xml,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <testsuites name=\"hybridctl drift\" tests=\"1\" failures=\"0\" errors=\"1\" skipped=\"0\">\n  \
             <testsuite name=\"hybridctl drift\" tests=\"1\" failures=\"0\" skipped=\"0\" errors=\"1\">\n    \
             <testcase classname=\"hybridctl\" name=\"hybridctl drift\">\n      \
             <error message=\"the drift check could not complete, so drift is unknown (1 problem(s))\" type=\"check-failed\">\
             error: cannot connect to ldaps://dc:636 &lt;refused&gt;\n  hint: check the DC is up &amp; reachable</error>\n    \
             </testcase>\n  </testsuite>\n</testsuites>\n"
        );
    }
}
