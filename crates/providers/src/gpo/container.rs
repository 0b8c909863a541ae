//! Group policy containers: the directory's side of a GPO (its name, folder in SYSVOL,
//! version and client-side extension list).

use hybridctl_core::{suggest, Diagnostic};
use ldap3::Scope;

use crate::ldap::{first, Connection, OpError};

/// A group policy container, as the directory describes it.
#[derive(Clone, Debug)]
pub struct Gpo {
    pub dn: String,
    pub guid: String,
    pub display_name: String,
    /// The GPO's folder relative to the SYSVOL share: `lab.example.test/Policies/{GUID}`.
    pub folder: String,
    pub version: u32,
    pub extensions: String,
}

const ATTRIBUTES: &[&str] = &[
    "cn",
    "displayName",
    "gPCFileSysPath",
    "versionNumber",
    "gPCMachineExtensionNames",
];

/// All GPOs of the domain, in one search.
pub async fn list(conn: &mut Connection, domain_dn: &str) -> Result<Vec<Gpo>, OpError> {
    let base = format!("CN=Policies,CN=System,{domain_dn}");
    let entries = conn
        .search(
            &base,
            Scope::OneLevel,
            "(objectClass=groupPolicyContainer)",
            ATTRIBUTES,
        )
        .await?;
    Ok(entries.iter().filter_map(from_entry).collect())
}

/// The one GPO at `dn` as it is now, or `None` when it no longer exists.
pub async fn read(conn: &mut Connection, dn: &str) -> Result<Option<Gpo>, OpError> {
    match conn
        .search(
            dn,
            Scope::Base,
            "(objectClass=groupPolicyContainer)",
            ATTRIBUTES,
        )
        .await
    {
        Ok(entries) => Ok(entries.iter().find_map(from_entry)),
        Err(e) if e.result_code() == Some(crate::ldap::connection::result_code::NO_SUCH_OBJECT) => {
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

fn from_entry(e: &ldap3::SearchEntry) -> Option<Gpo> {
    let path = first(e, "gPCFileSysPath")?;
    Some(Gpo {
        dn: e.dn.clone(),
        guid: first(e, "cn")?,
        display_name: first(e, "displayName").unwrap_or_default(),
        folder: share_relative(&path),
        version: first(e, "versionNumber")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0),
        extensions: first(e, "gPCMachineExtensionNames").unwrap_or_default(),
    })
}

/// `\\server\share\a\b` -> `a/b`.
fn share_relative(unc: &str) -> String {
    unc.trim_start_matches('\\')
        .split('\\')
        .skip(2)
        .collect::<Vec<_>>()
        .join("/")
}

/// Finds the GPO a spec names, by display name or {GUID}.
pub fn find<'a>(gpos: &'a [Gpo], name: &str) -> Result<&'a Gpo, Diagnostic> {
    let wanted = name.trim();
    let braced = if wanted.starts_with('{') {
        wanted.to_string()
    } else {
        format!("{{{wanted}}}")
    };
    if let Some(g) = gpos.iter().find(|g| {
        g.guid.eq_ignore_ascii_case(&braced) || g.display_name.eq_ignore_ascii_case(wanted)
    }) {
        return Ok(g);
    }
    let mut d = Diagnostic::new(format!("no GPO named `{wanted}` in the domain"));
    d = match suggest::closest(wanted, gpos.iter().map(|g| g.display_name.as_str())) {
        Some(s) => d.hint(format!("did you mean `{s}`?")),
        None => {
            let names: Vec<&str> = gpos.iter().map(|g| g.display_name.as_str()).collect();
            d.hint(format!("the domain's GPOs are: {}", names.join(", ")))
        }
    };
    Err(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unc_paths_become_share_relative() {
        assert_eq!(
            share_relative("\\\\lab.example.test\\sysvol\\lab.example.test\\Policies\\{31B2F340-016D-11D2-945F-00C04FB984F9}"),
            "lab.example.test/Policies/{31B2F340-016D-11D2-945F-00C04FB984F9}"
        );
    }

    #[test]
    fn gpos_by_name_or_guid_and_suggestions() {
        let g = |name: &str, guid: &str| Gpo {
            dn: String::new(),
            guid: guid.into(),
            display_name: name.into(),
            folder: String::new(),
            version: 0,
            extensions: String::new(),
        };
        let gpos = [
            g(
                "Default Domain Policy",
                "{31B2F340-016D-11D2-945F-00C04FB984F9}",
            ),
            g(
                "Default Domain Controllers Policy",
                "{6AC1786C-016F-11D2-945F-00C04FB984F9}",
            ),
        ];
        assert_eq!(
            find(&gpos, "default domain policy").unwrap().guid,
            "{31B2F340-016D-11D2-945F-00C04FB984F9}"
        );
        assert_eq!(
            find(&gpos, "31b2f340-016d-11d2-945f-00c04fb984f9")
                .unwrap()
                .display_name,
            "Default Domain Policy"
        );
        let e = find(&gpos, "Default Domain Polcy").unwrap_err();
        assert_eq!(
            e.hint.as_deref(),
            Some("did you mean `Default Domain Policy`?")
        );
    }
}
