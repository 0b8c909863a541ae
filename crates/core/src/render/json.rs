//! The plan itself, as versioned JSON: what `--out` saves and `--format json` prints.

use crate::Plan;

pub fn json(plan: &Plan) -> String {
    let mut s = serde_json::to_string_pretty(plan).expect("plans always serialize");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::fixtures::writeback_plan;

    #[test]
    fn json_round_trips() {
        let plan = writeback_plan();
        let back: Plan = serde_json::from_str(&json(&plan)).unwrap();
        assert_eq!(back, plan);
    }

    #[test]
    fn plan_json() {
        let mut plan = writeback_plan();
        plan.hybridctl_version = "[version]".into();
        insta::assert_snapshot!(json(&plan));
    }
}
