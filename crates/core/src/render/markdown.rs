//! Markdown for pull requests: a summary table, then each change as a `diff` block.

use std::fmt::Write;

use super::{diff_lines, summary_line, Line, Report};
use crate::{Action, Plan};

pub fn markdown(plan: &Plan, report: Report) -> String {
    let title = match report {
        Report::Plan => "hybridctl plan",
        Report::Drift => "hybridctl drift",
    };
    let mut out = format!("### {title}\n\n{}\n\n", summary_line(plan, report));
    if plan.resources.is_empty() {
        return out;
    }
    out.push_str(
        "| Resource | Action | Target | Add | Remove | Change |\n|---|---|---|---:|---:|---:|\n",
    );
    for r in &plan.resources {
        let count = |op: crate::ChangeOp| r.changes.iter().filter(|c| c.op == op).count();
        let _ = writeln!(
            out,
            "| `{}` | {} | `{}` | {} | {} | {} |",
            r.address,
            r.action.as_str(),
            r.target,
            count(crate::ChangeOp::Add),
            count(crate::ChangeOp::Remove),
            count(crate::ChangeOp::Set)
        );
    }
    let notes: Vec<String> = plan
        .resources
        .iter()
        .flat_map(|r| {
            r.notes
                .iter()
                .map(move |n| format!("> **{}**: {n}", r.address))
        })
        .collect();
    if !notes.is_empty() {
        out.push_str(&format!("\n> [!WARNING]\n{}\n", notes.join("\n>\n")));
    }
    for r in plan.resources.iter().filter(|r| r.action == Action::Manual) {
        let _ = writeln!(
            out,
            "\n**`{}`**: manual steps, not verified by hybridctl\n",
            r.address
        );
        for (i, step) in r.after.iter().enumerate() {
            let _ = writeln!(out, "{}. {}", i + 1, step.text);
        }
    }
    for r in plan.resources.iter().filter(|r| r.action == Action::Fail) {
        let _ = writeln!(out, "\n**`{}`**: check fails ({})\n", r.address, r.target);
        for e in r.before.iter().take(super::FAILING_OBJECTS_SHOWN) {
            let _ = writeln!(
                out,
                "- `{}`{}",
                e.text,
                e.code
                    .as_deref()
                    .map(|c| format!(": {c}"))
                    .unwrap_or_default()
            );
        }
        if r.before.len() > super::FAILING_OBJECTS_SHOWN {
            let _ = writeln!(
                out,
                "- ... {} more (all of them in `--format json`)",
                r.before.len() - super::FAILING_OBJECTS_SHOWN
            );
        }
    }
    for r in plan.resources.iter().filter(|r| r.action == Action::Update) {
        let _ = write!(
            out,
            "\n<details open><summary><code>{}</code></summary>\n\n```diff\n",
            r.address
        );
        for line in diff_lines(r) {
            let (mark, e) = match line {
                Line::Same(e) => (" ", e),
                Line::Removed(e) => ("-", e),
                Line::Added(e) => ("+", e),
                Line::Skipped(n) => {
                    let _ = writeln!(out, "  ... {n} unchanged");
                    continue;
                }
            };
            let _ = writeln!(out, "{mark} {}", e.text);
            if let Some(code) = &e.code {
                let _ = writeln!(out, "{mark}     {code}");
            }
        }
        out.push_str("```\n\n</details>\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::fixtures::writeback_plan;

    #[test]
    fn plan_markdown() {
        insta::assert_snapshot!(markdown(&writeback_plan(), Report::Plan));
    }
}
