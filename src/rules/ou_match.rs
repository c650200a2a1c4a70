//! The `ou` of a suppression entry, matched against an account's OU path.
//!
//! An `ou` written as an OU id in full (`ou-ab12-34567890`) is compared with the ids on the path,
//! never with names. Any other `ou` is a glob over the path of names, read name by name: an
//! unescaped `/` stands only for the step from one OU to the next, and `\/` for a `/` inside a
//! name (`\\` for a backslash), so that an OU named `Workloads/Prod` directly under the root is
//! not the OU `Prod` under `Workloads`. The wildcards are those of the `glob` crate the other
//! fields use, with the same meaning as over the names joined with `/`: `*` and `?` also match
//! across the step from one OU to the next, and `**` as a whole step matches any number of them.
//! For paths whose names hold no `/`, and patterns without `\`, the result is the glob crate's
//! over the joined path, as it was before names were told apart (the tests check this).

use crate::inventory::OrgUnit;
use crate::inventory::validate;

/// A parsed `ou`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OuPattern {
    /// An OU id written in full: the accounts with this OU on their path (its subtree).
    Id(String),
    /// A glob over the path of names.
    Path(Vec<Token>),
}

/// One element of a path glob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    /// A character of a name.
    Char(char),
    /// An unescaped `/`: the step from one OU to the next.
    Step,
    /// `?`: any one character, or a step.
    AnyChar,
    /// `*`: any run of characters and steps.
    AnySeq,
    /// `**` as a whole step: any number of whole names.
    AnyNames,
    /// `[...]`: one character (a step counts as `/`) in the set.
    Within(Vec<Spec>),
    /// `[!...]`: one character (a step counts as `/`) not in the set.
    Except(Vec<Spec>),
}

/// A member of a `[...]` set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spec {
    One(char),
    Range(char, char),
}

// The glob crate's messages, for the same mistakes.
const ERROR_WILDCARDS: &str = "wildcards are either regular `*` or recursive `**`";
const ERROR_RECURSIVE_WILDCARDS: &str = "recursive wildcards must form a single path component";
const ERROR_INVALID_RANGE: &str = "invalid range pattern";

/// A character of the pattern after escapes: `Lit` came from `\/` or `\\` and is never special.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PChar {
    Raw(char),
    Lit(char),
}

impl PChar {
    fn char(self) -> char {
        match self {
            PChar::Raw(c) | PChar::Lit(c) => c,
        }
    }
}

impl OuPattern {
    /// Parse an `ou` as written; the error is the rule the glob breaks.
    pub fn parse(text: &str) -> Result<OuPattern, &'static str> {
        if text.starts_with("ou-") && validate::ou_id(text).is_ok() {
            return Ok(OuPattern::Id(text.to_string()));
        }
        let mut chars = Vec::with_capacity(text.len());
        let mut it = text.chars().peekable();
        while let Some(c) = it.next() {
            match (c, it.peek()) {
                ('\\', Some(&e @ ('/' | '\\'))) => {
                    it.next();
                    chars.push(PChar::Lit(e));
                }
                _ => chars.push(PChar::Raw(c)),
            }
        }
        tokens(&chars).map(OuPattern::Path)
    }

    /// True when an account with this OU path is covered: its path or a path above it
    /// matches, or the id is on it. An account directly under the root has the empty path,
    /// which only a glob matching the empty name (`*`) covers.
    pub fn matches(&self, path: &OuPath) -> bool {
        match self {
            OuPattern::Id(id) => path.units.iter().any(|u| u.id == *id),
            OuPattern::Path(tokens) => matches_path(tokens, &path.chars),
        }
    }
}

/// An account's OU path (root first, the root left out) as patterns read it; built once per
/// account.
#[derive(Debug, Clone)]
pub struct OuPath<'a> {
    units: &'a [OrgUnit],
    /// The characters of the names, `None` for the step between two names.
    chars: Vec<Option<char>>,
}

impl<'a> OuPath<'a> {
    pub fn of(units: &'a [OrgUnit]) -> Self {
        let mut chars = Vec::new();
        for (i, u) in units.iter().enumerate() {
            if i > 0 {
                chars.push(None);
            }
            chars.extend(u.name.chars().map(Some));
        }
        OuPath { units, chars }
    }
}

/// The glob crate's `Pattern::new`, over characters some of which are escaped.
fn tokens(chars: &[PChar]) -> Result<Vec<Token>, &'static str> {
    use PChar::Raw;
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            Raw('?') => {
                out.push(Token::AnyChar);
                i += 1;
            }
            Raw('*') => {
                let start = i;
                while chars.get(i) == Some(&Raw('*')) {
                    i += 1;
                }
                match i - start {
                    1 => out.push(Token::AnySeq),
                    2 => {
                        let after_step = start == 0 || chars[start - 1] == Raw('/');
                        if !after_step {
                            return Err(ERROR_RECURSIVE_WILDCARDS);
                        }
                        match chars.get(i) {
                            Some(Raw('/')) => i += 1,
                            None => {}
                            Some(_) => return Err(ERROR_RECURSIVE_WILDCARDS),
                        }
                        out.push(Token::AnyNames);
                    }
                    _ => return Err(ERROR_WILDCARDS),
                }
            }
            Raw('[') => {
                let negated = chars.get(i + 1) == Some(&Raw('!'));
                // As the glob crate: the first character of the set may be `]`.
                let (first, min_len) = if negated { (i + 2, 4) } else { (i + 1, 3) };
                let close = (i + min_len <= chars.len())
                    .then(|| chars[first + 1..].iter().position(|c| *c == Raw(']')))
                    .flatten()
                    .map(|j| first + 1 + j)
                    .ok_or(ERROR_INVALID_RANGE)?;
                let set = specs(&chars[first..close]);
                out.push(if negated {
                    Token::Except(set)
                } else {
                    Token::Within(set)
                });
                i = close + 1;
            }
            Raw('/') => {
                out.push(Token::Step);
                i += 1;
            }
            c => {
                out.push(Token::Char(c.char()));
                i += 1;
            }
        }
    }
    Ok(out)
}

fn specs(chars: &[PChar]) -> Vec<Spec> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if i + 3 <= chars.len() && chars[i + 1].char() == '-' {
            out.push(Spec::Range(chars[i].char(), chars[i + 2].char()));
            i += 3;
        } else {
            out.push(Spec::One(chars[i].char()));
            i += 1;
        }
    }
    out
}

fn in_set(set: &[Spec], c: char) -> bool {
    set.iter().any(|s| match *s {
        Spec::One(x) => x == c,
        Spec::Range(a, b) => a <= c && c <= b,
    })
}

/// Match the glob against the path and every path above it in one pass: the positions the
/// pattern can reach in the path's characters (`None` for a step between two names) are
/// followed token by token; the path or one above it matches when a reachable position is the
/// end of a name.
fn matches_path(tokens: &[Token], seq: &[Option<char>]) -> bool {
    let mut reach = vec![false; seq.len() + 1];
    reach[0] = true;
    let mut next = vec![false; seq.len() + 1];
    for t in tokens {
        next.fill(false);
        match t {
            Token::AnySeq => {
                let mut seen = false;
                for (j, n) in next.iter_mut().enumerate() {
                    seen |= reach[j];
                    *n = seen;
                }
            }
            Token::AnyNames => {
                let mut seen = false;
                // As the glob crate: it stops after a step, or runs to the end of the path.
                let end = seq.len();
                for (j, n) in next.iter_mut().enumerate() {
                    *n = reach[j] || (seen && (j == end || seq[j - 1].is_none()));
                    seen |= reach[j];
                }
            }
            one => {
                for (j, &c) in seq.iter().enumerate() {
                    if !reach[j] {
                        continue;
                    }
                    next[j + 1] = match one {
                        Token::Char(x) => c == Some(*x),
                        Token::Step => c.is_none(),
                        Token::AnyChar => true,
                        Token::Within(set) => in_set(set, c.unwrap_or('/')),
                        Token::Except(set) => !in_set(set, c.unwrap_or('/')),
                        Token::AnySeq | Token::AnyNames => unreachable!("handled above"),
                    };
                }
            }
        }
        std::mem::swap(&mut reach, &mut next);
        if !reach.iter().any(|r| *r) {
            return false;
        }
    }
    // The end of each name, or the empty path of an account directly under the root.
    (0..=seq.len()).any(|j| reach[j] && (j == seq.len() || seq[j].is_none()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(names: &[&str]) -> Vec<OrgUnit> {
        names
            .iter()
            .enumerate()
            .map(|(i, n)| OrgUnit {
                id: format!("ou-ab12-{:08}", i + 1),
                name: n.to_string(),
            })
            .collect()
    }

    fn m(pattern: &str, names: &[&str]) -> bool {
        OuPattern::parse(pattern)
            .unwrap()
            .matches(&OuPath::of(&path(names)))
    }

    /// What the entries matched before names were told apart: the glob over the names joined
    /// with `/`, and over each path above it (`""` for an account directly under the root).
    fn joined(pattern: &str, names: &[&str]) -> Option<bool> {
        let p = glob::Pattern::new(pattern).ok()?;
        if names.is_empty() {
            return Some(p.matches(""));
        }
        Some((1..=names.len()).any(|n| p.matches(&names[..n].join("/"))))
    }

    #[test]
    fn without_slashes_in_names_every_glob_matches_as_over_the_joined_path() {
        // Every pattern of up to 4 characters over this alphabet, against paths of names
        // without `/`: parsed (or refused) and matched as the glob crate does.
        let alphabet = ['a', 'b', '*', '?', '/', '[', ']', '!', '-'];
        let paths: &[&[&str]] = &[
            &[],
            &["a"],
            &["b"],
            &["ab"],
            &["a", "b"],
            &["a", "b", "a"],
            &["ba", "a-b", "!"],
            &["]", "[a]"],
            &["aa", "bb", "ab", "a"],
        ];
        let mut patterns = vec![String::new()];
        let mut checked = 0;
        for _ in 0..4 {
            let mut longer = Vec::new();
            for p in &patterns {
                for c in alphabet {
                    longer.push(format!("{p}{c}"));
                }
            }
            for p in &longer {
                let ours = OuPattern::parse(p);
                assert_eq!(
                    ours.is_ok(),
                    glob::Pattern::new(p).is_ok(),
                    "{p:?}: {ours:?}"
                );
                if let Err(e) = ours {
                    assert_eq!(Some(e), glob::Pattern::new(p).err().map(|e| e.msg), "{p:?}");
                    continue;
                }
                for names in paths {
                    assert_eq!(Some(m(p, names)), joined(p, names), "{p:?} over {names:?}");
                    checked += 1;
                }
            }
            patterns = longer;
        }
        assert!(checked > 40_000, "{checked}");
    }

    #[test]
    fn a_slash_inside_a_name_is_not_a_step_and_is_written_escaped() {
        let lookalike = &["Workloads/Prod"][..];
        let nested = &["Workloads", "Prod"][..];
        assert!(m("Workloads/Prod", nested));
        assert!(!m("Workloads/Prod", lookalike));
        assert!(m("Workloads\\/Prod", lookalike));
        assert!(!m("Workloads\\/Prod", nested));
        // Wildcards match the `/` of a name as any other character of it...
        assert!(m("Workloads?Prod", lookalike));
        assert!(m("Work*", lookalike));
        assert!(m("Workloads\\/*", lookalike));
        // ...but a literal step is never one.
        assert!(!m("*/Prod", lookalike));
        assert!(!m("Workloads/*", lookalike));
        assert!(m("*/Prod", nested));
        // Below a name with a slash, and the names above.
        let deep = &["A/B", "C"][..];
        assert!(m("A\\/B/C", deep));
        assert!(m("A\\/B", deep), "a path above covers its subtree");
        assert!(!m("A/B/C", deep));
        assert!(!m("A", deep));
        // A backslash: `\\` stands for one, and `\` before anything else is itself.
        assert!(m("a\\\\b", &["a\\b"]));
        assert!(m("a\\b", &["a\\b"]));
        assert!(m("a\\\\\\/b", &["a\\/b"]));
        assert!(!m("a\\\\/b", &["a\\/b"]));
        assert!(m("a\\\\/b", &["a\\", "b"]));
        // An escaped `/` is not a step for `**` either.
        assert_eq!(OuPattern::parse("a\\/**"), Err(ERROR_RECURSIVE_WILDCARDS));
    }

    #[test]
    fn an_ou_id_in_full_is_matched_against_ids_only() {
        let p = OuPattern::parse("ou-ab12-00000002").unwrap();
        assert_eq!(p, OuPattern::Id("ou-ab12-00000002".into()));
        assert!(p.matches(&OuPath::of(&path(&["x", "y", "z"]))));
        assert!(!p.matches(&OuPath::of(&path(&["x"]))));
        // An OU named like the id, with another id: not matched.
        let named = vec![OrgUnit {
            id: "ou-ab12-99999999".into(),
            name: "ou-ab12-00000002".into(),
        }];
        assert!(!p.matches(&OuPath::of(&named)));
        // Anything else is a glob over names, `ou-` or not.
        for text in [
            "ou-ab12-0000000?",
            "ou-legacy",
            "r-ab12",
            "ou-ab12-00000002/x",
        ] {
            assert!(
                matches!(OuPattern::parse(text), Ok(OuPattern::Path(_))),
                "{text}"
            );
        }
        assert!(m("ou-legacy", &["ou-legacy"]));
        // A name that looks like an id is written with a set.
        assert!(
            OuPattern::parse("[o]u-ab12-00000002")
                .unwrap()
                .matches(&OuPath::of(&named))
        );
    }

    #[test]
    fn long_names_and_patterns_match_in_time_proportional_to_their_product() {
        let name = "ab".repeat(5_000);
        let names = [name.as_str(); 5];
        let pattern = "*a*b*a*b*a*b*a*b*a*b*c".to_string();
        let start = std::time::Instant::now();
        assert!(!m(&pattern, &names));
        assert!(m("*a*b*a*b*", &names));
        assert!(start.elapsed() < std::time::Duration::from_secs(2));
    }
}
