//! Several AD connections behind one provider. The engine routes by kind only; this
//! routes each resource on to the provider of its connection (`connection:` in the spec,
//! `@<connection>` in a plan's address), so the `Provider` trait knows nothing of domains.
//! Every domain is planned and observed concurrently; a domain that fails is named in
//! each of its errors, and as everything is planned before anything is written, one
//! unreachable domain stops the whole run.

use async_trait::async_trait;
use hybridctl_core::engine::concurrently as join_all;
use hybridctl_core::spec::Resource;
use hybridctl_core::{Diagnostic, Diagnostics, Kind, Provider, ResourcePlan};

pub struct PerConnection {
    kinds: &'static [Kind],
    /// One provider per connection, by the connection's name.
    by_name: Vec<(String, Box<dyn Provider>)>,
}

impl PerConnection {
    /// `by_name` must hold at least one provider; all of them handle the same kinds.
    pub fn new(by_name: Vec<(String, Box<dyn Provider>)>) -> PerConnection {
        let kinds = by_name.first().map(|(_, p)| p.kinds()).unwrap_or(&[]);
        PerConnection { kinds, by_name }
    }

    fn index(&self, connection: Option<&str>) -> Result<usize, Diagnostic> {
        let names = || {
            self.by_name
                .iter()
                .map(|(n, _)| n.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        match connection {
            Some(c) => self
                .by_name
                .iter()
                .position(|(n, _)| n == c)
                .ok_or_else(|| {
                    Diagnostic::new(format!(
                        "no AD connection named `{c}` (connections: {})",
                        names()
                    ))
                    .hint("run `hybridctl validate`; name a connection of connections.ad")
                }),
            None => Err(Diagnostic::new(format!(
                "the spec has several AD connections ({}) and this resource names none",
                names()
            ))
            .hint("run `hybridctl validate`; give the resource `connection: <name>`")),
        }
    }

    /// Indices of `items` by the provider each goes to, and what could not be routed.
    fn route<T>(
        &self,
        items: &[T],
        connection: impl Fn(&T) -> Option<&str>,
        at: impl Fn(&T) -> hybridctl_core::Address,
    ) -> (Vec<Vec<usize>>, Diagnostics) {
        let mut groups = vec![Vec::new(); self.by_name.len()];
        let mut diags = Diagnostics::default();
        for (i, item) in items.iter().enumerate() {
            match self.index(connection(item)) {
                Ok(p) => groups[p].push(i),
                Err(d) => diags.push(d.at(&at(item))),
            }
        }
        (groups, diags)
    }
}

/// A connection's error names the connection when no resource address already does.
fn named_one(connection: &str, mut d: Diagnostic) -> Diagnostic {
    if d.address.is_none() {
        d.message = format!("AD connection `{connection}`: {}", d.message);
    }
    d
}

fn named(connection: &str, diags: Diagnostics) -> Diagnostics {
    Diagnostics(
        diags
            .0
            .into_iter()
            .map(|d| named_one(connection, d))
            .collect(),
    )
}

#[async_trait]
impl Provider for PerConnection {
    fn kinds(&self) -> &'static [Kind] {
        self.kinds
    }

    async fn plan(&mut self, resources: &[&Resource]) -> Result<Vec<ResourcePlan>, Diagnostics> {
        let (groups, mut diags) = self.route(resources, |r| r.connection(), |r| r.address());
        diags.clone().into_result(())?;
        let results = join_all(self.by_name.iter_mut().zip(groups).filter_map(
            |((name, p), group)| {
                let mine: Vec<&Resource> = group.iter().map(|&i| resources[i]).collect();
                (!mine.is_empty()).then_some(async move { (name.as_str(), p.plan(&mine).await) })
            },
        ))
        .await;
        let mut plans = Vec::new();
        for (name, result) in results {
            match result {
                Ok(p) => plans.extend(p),
                Err(d) => diags.extend(named(name, d)),
            }
        }
        diags.into_result(plans)
    }

    async fn observe(&mut self, planned: &[&ResourcePlan]) -> Result<Vec<String>, Diagnostics> {
        let (groups, mut diags) = self.route(
            planned,
            |p| p.address.connection.as_deref(),
            |p| p.address.clone(),
        );
        diags.clone().into_result(())?;
        let results = join_all(self.by_name.iter_mut().zip(groups).filter_map(
            |((name, p), group)| {
                let mine: Vec<&ResourcePlan> = group.iter().map(|&i| planned[i]).collect();
                (!mine.is_empty())
                    .then_some(async move { (name.as_str(), group, p.observe(&mine).await) })
            },
        ))
        .await;
        let mut out = vec![String::new(); planned.len()];
        for (name, group, result) in results {
            match result {
                // A state left empty would be compared as if read: refuse instead.
                Ok(seen) if seen.len() != group.len() => diags.extend(named(
                    name,
                    Diagnostic::new(format!(
                        "read {} of the {} resources to change again",
                        seen.len(),
                        group.len()
                    ))
                    .hint("this is a bug in hybridctl; please report it")
                    .into(),
                )),
                Ok(seen) => {
                    for (i, s) in group.into_iter().zip(seen) {
                        out[i] = s;
                    }
                }
                Err(d) => diags.extend(named(name, d)),
            }
        }
        diags.into_result(out)
    }

    async fn apply(&mut self, planned: &ResourcePlan) -> Result<(), Diagnostic> {
        let i = self.index(planned.address.connection.as_deref())?;
        let (name, p) = &mut self.by_name[i];
        p.apply(planned).await.map_err(|d| named_one(name, d))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use tokio::sync::Barrier;

    use super::*;

    /// Answers for one domain: waits until every domain is planning (so planning one
    /// after the other never finishes), or fails as an unreachable DC would.
    struct Domain {
        name: &'static str,
        meet: Arc<Barrier>,
        state: State,
        applied: Arc<Mutex<Vec<String>>>,
    }

    #[async_trait]
    impl Provider for Domain {
        fn kinds(&self) -> &'static [Kind] {
            &[Kind::AdPasswordPolicy]
        }
        async fn plan(&mut self, rs: &[&Resource]) -> Result<Vec<ResourcePlan>, Diagnostics> {
            self.meet.wait().await;
            if self.state == State::Down {
                return Err(Diagnostic::new("cannot connect to ldaps://127.0.0.2:1").into());
            }
            Ok(rs
                .iter()
                .map(|r| {
                    ResourcePlan::new(
                        r.address(),
                        self.name.into(),
                        format!("seen by {}", self.name),
                        vec![],
                        vec![],
                        vec![],
                    )
                })
                .collect())
        }
        async fn observe(&mut self, p: &[&ResourcePlan]) -> Result<Vec<String>, Diagnostics> {
            let seen = p.iter().map(|_| format!("seen by {}", self.name));
            match self.state {
                State::Up => Ok(seen.collect()),
                State::Down => Err(Diagnostic::new("cannot connect to ldaps://127.0.0.2:1").into()),
                State::Forgets => Ok(seen.skip(1).collect()),
            }
        }
        async fn apply(&mut self, p: &ResourcePlan) -> Result<(), Diagnostic> {
            self.applied
                .lock()
                .unwrap()
                .push(format!("{} in {}", p.address, self.name));
            Ok(())
        }
    }

    fn resources() -> Vec<Resource> {
        let spec: hybridctl_core::Spec = serde_json::from_value(serde_json::json!({
            "version": 1,
            "resources": [
                {"kind": "ad.password_policy", "name": "p", "connection": "emea"},
                {"kind": "ad.password_policy", "name": "q", "connection": "corp"},
                {"kind": "ad.password_policy", "name": "r", "connection": "emea"},
            ]
        }))
        .unwrap();
        spec.resources
    }

    /// How the second domain (`emea`) answers.
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        Up,
        /// Unreachable.
        Down,
        /// Reads back one state fewer than it is asked for.
        Forgets,
    }

    fn two(emea: State) -> (PerConnection, Arc<Mutex<Vec<String>>>) {
        let meet = Arc::new(Barrier::new(2));
        let applied = Arc::new(Mutex::new(Vec::new()));
        let domain = |name, state| -> Box<dyn Provider> {
            Box::new(Domain {
                name,
                meet: meet.clone(),
                state,
                applied: applied.clone(),
            })
        };
        (
            PerConnection::new(vec![
                ("corp".into(), domain("corp", State::Up)),
                ("emea".into(), domain("emea", emea)),
            ]),
            applied,
        )
    }

    fn run<T>(f: impl std::future::Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap()
            .block_on(async { tokio::time::timeout(Duration::from_secs(10), f).await })
            .expect("the domains were planned one after the other")
    }

    #[test]
    fn each_resource_goes_to_its_domain_and_domains_plan_concurrently() {
        let rs = resources();
        let refs: Vec<&Resource> = rs.iter().collect();
        let (mut p, applied) = two(State::Up);
        let plans = run(p.plan(&refs)).unwrap();
        let seen: Vec<(String, &str)> = plans
            .iter()
            .map(|p| (p.address.to_string(), p.target.as_str()))
            .collect();
        assert_eq!(
            seen,
            [
                ("ad.password_policy.q@corp".to_string(), "corp"),
                ("ad.password_policy.p@emea".to_string(), "emea"),
                ("ad.password_policy.r@emea".to_string(), "emea"),
            ]
        );
        // Observed in the order asked, whatever the domain.
        let order: Vec<&ResourcePlan> = vec![&plans[1], &plans[0], &plans[2]];
        let observed = run(p.observe(&order)).unwrap();
        assert_eq!(observed, ["seen by emea", "seen by corp", "seen by emea"]);
        run(p.apply(&plans[0])).unwrap();
        assert_eq!(
            *applied.lock().unwrap(),
            ["ad.password_policy.q@corp in corp"]
        );
    }

    #[test]
    fn an_unreachable_domain_is_named_and_fails_the_plan() {
        let rs = resources();
        let refs: Vec<&Resource> = rs.iter().collect();
        let (mut p, _) = two(State::Down);
        let e = run(p.plan(&refs)).unwrap_err().to_string();
        assert_eq!(
            e,
            "error: AD connection `emea`: cannot connect to ldaps://127.0.0.2:1"
        );
    }

    /// Apply reads every domain again before its first write: planned while both were
    /// up, a domain unreachable (or answering short) by then fails that read, named.
    #[test]
    fn a_domain_that_fails_the_read_before_writing_fails_it_named() {
        let rs = resources();
        let refs: Vec<&Resource> = rs.iter().collect();
        let (mut up, _) = two(State::Up);
        let plans = run(up.plan(&refs)).unwrap();
        let planned: Vec<&ResourcePlan> = plans.iter().collect();
        for (emea, says) in [
            (
                State::Down,
                "AD connection `emea`: cannot connect to ldaps://127.0.0.2:1",
            ),
            (
                State::Forgets,
                "AD connection `emea`: read 1 of the 2 resources to change again",
            ),
        ] {
            let (mut p, applied) = two(emea);
            let e = run(p.observe(&planned)).unwrap_err().to_string();
            assert!(e.contains(says), "{e}");
            assert!(applied.lock().unwrap().is_empty());
        }
    }

    #[test]
    fn a_resource_without_a_known_connection_is_refused() {
        let (p, _) = two(State::Up);
        let e = p.index(Some("apac")).unwrap_err().to_string();
        assert!(
            e.contains("no AD connection named `apac` (connections: corp, emea)"),
            "{e}"
        );
        assert!(p.index(None).is_err());
    }
}
