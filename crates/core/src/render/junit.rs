//! JUnit XML, so CI systems show drift as failed tests: one test case per resource,
//! failed when it drifted, skipped for manual steps hybridctl cannot verify.

use std::fmt::Write;

use crate::{Action, Plan};

pub fn junit(plan: &Plan) -> String {
    let failures = plan
        .resources
        .iter()
        .filter(|r| r.action == Action::Update)
        .count();
    let skipped = plan
        .resources
        .iter()
        .filter(|r| r.action == Action::Manual)
        .count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"hybridctl drift\" tests=\"{}\" failures=\"{failures}\" skipped=\"{skipped}\">",
        plan.resources.len()
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"hybridctl drift\" tests=\"{}\" failures=\"{failures}\" skipped=\"{skipped}\" errors=\"0\">",
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
                let _ = writeln!(
                    out,
                    ">\n      <failure message=\"{} drifted from the spec ({} change(s) to converge)\" type=\"drift\">{}</failure>\n    </testcase>",
                    esc(&r.target),
                    r.changes.len(),
                    esc(&lines.join("\n"))
                );
            }
        }
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
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

    #[test]
    fn drift_as_junit() {
        insta::assert_snapshot!(junit(&writeback_plan()));
    }
}
