//! `--accounts-file FILE`: the accounts to scan without Organizations access, in TOML.
//!
//! ```toml
//! [[accounts]]
//! id = "111111111111"          # required, 12 digits
//! name = "prod"                # optional
//! role = "Audit"               # optional: a role name, or a role ARN in this account
//! external_id = "..."          # optional, overrides --external-id
//! regions = ["eu-west-1"]      # optional, instead of --region
//! tags = { env = "prod" }      # optional, recorded as the account's tags
//! ```
//!
//! Every error names the file, the line and column of the value, and the fix (exit code 2).

use crate::collect::accounts::{FileAccount, external_id, role_arn, role_name};
use crate::collect::regions;
use crate::error::Error;
use crate::inventory::validate;
use crate::rules::pos::{line_col, toml_error_at};
use crate::term::{Escaped, escape};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileFormat {
    #[serde(default)]
    accounts: Vec<Entry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    id: Spanned<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    role: Option<Spanned<String>>,
    #[serde(default)]
    external_id: Option<Spanned<String>>,
    #[serde(default)]
    regions: Vec<Spanned<String>>,
    #[serde(default)]
    tags: BTreeMap<String, String>,
}

const FORMAT_FIX: &str = "each [[accounts]] entry has id (12 digits) and optionally name, role (a role name or ARN), external_id, regions (a list) and tags (a table of strings)";

/// Read and check an accounts file.
pub fn load(path: &Path) -> Result<Vec<FileAccount>, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Error::input(format!(
            "--accounts-file: cannot read {}: {}",
            Escaped(path.display()),
            Escaped(e)
        ))
    })?;
    parse(path, &text)
}

/// Parse an accounts file's text; `path` names it in errors.
pub fn parse(path: &Path, text: &str) -> Result<Vec<FileAccount>, Error> {
    let file: FileFormat = toml::from_str(text).map_err(|e| {
        let pos = toml_error_at(&path.display().to_string(), text, &e);
        Error::input(format!(
            "{pos}: invalid accounts file: {}\n  fix: {FORMAT_FIX}",
            escape(e.message().trim_end())
        ))
    })?;
    let at = |span: &std::ops::Range<usize>, i: usize, field: &str, what: String, fix: &str| {
        let (l, c) = line_col(text, span.start);
        Error::input(format!(
            "{}:{l}:{c}: accounts[{i}].{field}: {what}\n  fix: {fix}",
            Escaped(path.display())
        ))
    };
    if file.accounts.is_empty() {
        return Err(Error::input(format!(
            "{}: the accounts file lists no account\n  fix: {FORMAT_FIX}",
            Escaped(path.display())
        )));
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::with_capacity(file.accounts.len());
    for (i, e) in file.accounts.into_iter().enumerate() {
        let id = e.id.get_ref().clone();
        validate::account_id(&id).map_err(|rule| {
            at(
                &e.id.span(),
                i,
                "id",
                format!("{rule}, found {}", validate::show(&id)),
                "write the account id as a string of 12 digits, e.g. id = \"111111111111\"",
            )
        })?;
        if let Some(first) = seen.insert(id.clone(), i) {
            return Err(at(
                &e.id.span(),
                i,
                "id",
                format!("account {id} is listed already, as accounts[{first}]"),
                "list each account once",
            ));
        }
        let role = match e.role {
            Some(r) => {
                let value = r.get_ref();
                if value.starts_with("arn:") {
                    role_arn(value).map_err(|rule| {
                        at(
                            &r.span(),
                            i,
                            "role",
                            format!("{rule}, found {}", validate::show(value)),
                            "give a role name, or the ARN arn:aws:iam::ACCOUNT:role/NAME",
                        )
                    })?;
                    let arn_account = value.split(':').nth(4).unwrap_or("");
                    if arn_account != id {
                        return Err(at(
                            &r.span(),
                            i,
                            "role",
                            format!(
                                "the role ARN is in account {arn_account}, not in {id}: the account is read through a role of its own"
                            ),
                            "give a role of this account, or just its name",
                        ));
                    }
                } else {
                    role_name(value).map_err(|rule| {
                        at(
                            &r.span(),
                            i,
                            "role",
                            format!("{rule}, found {}", validate::show(value)),
                            "give a role name such as OrganizationAccountAccessRole, or a role ARN",
                        )
                    })?;
                }
                Some(value.clone())
            }
            None => None,
        };
        let external = match e.external_id {
            Some(x) => {
                external_id(x.get_ref()).map_err(|rule| {
                    at(
                        &x.span(),
                        i,
                        "external_id",
                        format!("{rule}, found {}", validate::show(x.get_ref())),
                        "give the external id the role's trust policy requires",
                    )
                })?;
                Some(x.into_inner())
            }
            None => None,
        };
        let mut regions_of = Vec::with_capacity(e.regions.len());
        for r in e.regions {
            let name = r.get_ref().trim();
            if !regions::is_known(name) {
                let hint = match regions::closest(name) {
                    Some(s) => format!("did you mean {s:?}? "),
                    None => String::new(),
                };
                return Err(at(
                    &r.span(),
                    i,
                    "regions",
                    format!("unknown region {}", validate::show(name)),
                    &format!("{hint}use region names such as us-east-1"),
                ));
            }
            regions_of.push(name.to_string());
        }
        regions_of.sort();
        regions_of.dedup();
        out.push(FileAccount {
            id,
            name: e.name,
            role,
            external_id: external,
            regions: regions_of,
            tags: e.tags,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        parse(Path::new("acc.toml"), text).unwrap_err().to_string()
    }

    #[test]
    fn a_good_file() {
        let a = parse(
            Path::new("acc.toml"),
            r#"
[[accounts]]
id = "111111111111"
name = "prod"
role = "Audit"
external_id = "ext-1"
regions = ["us-east-1", "eu-west-1"]
tags = { env = "prod" }

[[accounts]]
id = "222222222222"
role = "arn:aws:iam::222222222222:role/path/R"
"#,
        )
        .unwrap();
        assert_eq!(a.len(), 2);
        assert_eq!(a[0].regions, vec!["eu-west-1", "us-east-1"]);
        assert_eq!(a[0].tags["env"], "prod");
        assert_eq!(a[0].external_id.as_deref(), Some("ext-1"));
        assert_eq!(
            a[1].role.as_deref(),
            Some("arn:aws:iam::222222222222:role/path/R")
        );
    }

    #[test]
    fn bad_entries_name_file_line_and_column() {
        let e = err("[[accounts]]\nid = \"111111111111\"\n\n[[accounts]]\nid = \"1234\"\n");
        assert!(
            e.starts_with("acc.toml:5:6: accounts[1].id: expected an account id"),
            "{e}"
        );
        let e = err("[[accounts]]\nid = \"111111111111\"\nrgions = [\"eu-west-1\"]\n");
        assert!(e.starts_with("acc.toml:3:1: invalid accounts file"), "{e}");
        assert!(e.contains("rgions"), "{e}");
        let e = err("[[accounts]]\nid = \"111111111111\"\nregions = [\"eu-wst-1\"]\n");
        assert!(e.starts_with("acc.toml:3:12: accounts[0].regions"), "{e}");
        assert!(e.contains("did you mean \"eu-west-1\""), "{e}");
        let e = err(
            "[[accounts]]\nid = \"111111111111\"\nrole = \"arn:aws:iam::222222222222:role/R\"\n",
        );
        assert!(e.starts_with("acc.toml:3:8: accounts[0].role"), "{e}");
        let e = err("[[accounts]]\nid = \"111111111111\"\nrole = \"a b\"\n");
        assert!(e.contains("accounts[0].role"), "{e}");
        let e = err("[[accounts]]\nid = \"111111111111\"\n[[accounts]]\nid = \"111111111111\"\n");
        assert!(
            e.starts_with("acc.toml:4:6: accounts[1].id: account 111111111111 is listed already"),
            "{e}"
        );
        let e = err("[[accounts]]\nname = \"x\"\n");
        assert!(e.contains("missing field `id`"), "{e}");
        let e = err("");
        assert!(e.contains("lists no account"), "{e}");
        let e = err("[[accounts]]\nid = \"111111111111\"\nexternal_id = \"a\"\n");
        assert!(
            e.starts_with("acc.toml:3:15: accounts[0].external_id"),
            "{e}"
        );
    }
}
