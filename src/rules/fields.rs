//! Field references checked when a rule is loaded: an expression that reads a field its value
//! does not have (`vpc.active_vpc_log`) would give `error` results on every resource at scan
//! time, so it is refused at load, at the position of the field.
//!
//! The syntax tree of each compiled expression is walked with what is known of each value: the
//! shapes of the variables ([`super::cel_values::Shape`]), the rule's parameters, the shape of
//! each `let` defined before, and the elements of a list that a macro (`exists`, `all`,
//! `exists_one`, `map`, `filter`, `sortBy`) iterates over. Where the shape of a value is not
//! known (what a function returns, a parameter's value, a map key), nothing is checked.

use super::cel_values::{Shape, variable_shape};
use crate::suggest;
use cel::common::ast::{ComprehensionExpr, EntryExpr, Expr, IdedExpr, LiteralValue};
use std::collections::HashMap;

/// What is known of a value.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Ty {
    Unknown,
    /// A value of this shape.
    Is(&'static Shape),
    /// A list whose elements have this shape (what `map` and `filter` make).
    ListOf(&'static Shape),
    /// `params`: the rule's parameters, whose values are not known.
    Params,
}

impl Ty {
    /// The shape of the elements, for a list of a known shape.
    fn elements(self) -> Ty {
        match self {
            Ty::Is(Shape::List(e)) => Ty::Is(e),
            Ty::ListOf(e) => Ty::Is(e),
            _ => Ty::Unknown,
        }
    }

    /// A list of values of this type, when that can be said.
    fn list_of(self) -> Ty {
        match self {
            Ty::Is(s) => Ty::ListOf(s),
            _ => Ty::Unknown,
        }
    }

    fn is_list(self) -> bool {
        !matches!(self.elements(), Ty::Unknown)
    }
}

/// A field read from a value that does not have it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct UnknownField {
    /// Byte offset of the field's name in the expression.
    pub offset: usize,
    /// What is wrong, and the fix.
    pub message: String,
}

/// What the expressions of one rule see: the variables of its resource kind, its parameters and,
/// within a check, the `let`s defined so far.
pub(crate) struct Fields {
    kind: String,
    params: Vec<String>,
    lets: Vec<(String, Ty)>,
}

impl Fields {
    /// The variables of a rule of resource kind `kind` with these parameters.
    pub fn new(kind: &str, params: Vec<String>) -> Self {
        Fields {
            kind: kind.to_string(),
            params,
            lets: Vec::new(),
        }
    }

    /// Forget the `let`s (the next check defines its own).
    pub fn clear_lets(&mut self) {
        self.lets.clear();
    }

    /// The fields `program` reads that their values do not have. With `let_name`, the program
    /// defines that `let`, whose shape the expressions after it know.
    pub fn check(&mut self, program: &cel::Program, let_name: Option<&str>) -> Vec<UnknownField> {
        let mut w = Walk {
            fields: self,
            source: &program.source_info().source,
            info: program.source_info(),
            bound: Vec::new(),
            types: HashMap::new(),
            out: Vec::new(),
        };
        let ty = w.ty(program.expression());
        let out = w.out;
        if let Some(name) = let_name {
            self.lets.push((name.to_string(), ty));
        }
        out
    }

    fn lookup(&self, name: &str) -> Ty {
        if let Some((_, t)) = self.lets.iter().rev().find(|(n, _)| n == name) {
            return *t;
        }
        if name == "params" {
            return Ty::Params;
        }
        variable_shape(&self.kind, name).map_or(Ty::Unknown, Ty::Is)
    }
}

struct Walk<'a> {
    fields: &'a Fields,
    source: &'a str,
    info: &'a cel::common::ast::SourceInfo,
    /// The names the comprehensions around the node bind, innermost last.
    bound: Vec<(String, Ty)>,
    /// The type of each node walked, by node id.
    types: HashMap<u64, Ty>,
    out: Vec<UnknownField>,
}

impl Walk<'_> {
    /// The type of `e`, walking all of it.
    fn ty(&mut self, e: &IdedExpr) -> Ty {
        let t = self.ty_of(e);
        self.types.insert(e.id, t);
        t
    }

    fn ty_of(&mut self, e: &IdedExpr) -> Ty {
        match &e.expr {
            Expr::Ident(name) => match self.bound.iter().rev().find(|(n, _)| n == name) {
                Some((_, t)) => *t,
                None => self.fields.lookup(name),
            },
            Expr::Select(s) => {
                let of = self.ty(&s.operand);
                let at = self.field_offset(e.id, &s.field);
                let t = self.field(of, &s.field, at);
                if s.test { Ty::Unknown } else { t }
            }
            Expr::Call(c) => {
                let target = c.target.as_ref().map(|t| self.ty(t));
                let args: Vec<Ty> = c.args.iter().map(|a| self.ty(a)).collect();
                match (c.func_name.as_str(), target, args.as_slice()) {
                    ("_[_]", None, [of, _]) => match (&c.args[1].expr, of) {
                        (Expr::Literal(LiteralValue::String(key)), Ty::Is(Shape::Object(..)))
                        | (Expr::Literal(LiteralValue::String(key)), Ty::Params) => {
                            let at = self.offset(c.args[1].id).map_or(0, |o| o + 1);
                            self.field(*of, key.inner(), at)
                        }
                        (_, Ty::Is(Shape::Map)) => Ty::Is(&Shape::Scalar),
                        _ => of.elements(),
                    },
                    ("_?_:_", None, [_, a, b]) if a == b => *a,
                    ("_+_", None, [a, b]) if a == b && a.is_list() => *a,
                    (
                        "distinct" | "reverse" | "sort" | "slice" | "@sortByAssociatedKeys",
                        Some(t),
                        _,
                    ) if t.is_list() => t,
                    ("flatten", Some(t), []) => t.elements().elements().list_of(),
                    _ => Ty::Unknown,
                }
            }
            Expr::Comprehension(c) => self.comprehension(c),
            Expr::List(l) => {
                let ts: Vec<Ty> = l.elements.iter().map(|x| self.ty(x)).collect();
                match ts.split_first() {
                    Some((first, rest)) if rest.iter().all(|t| t == first) => first.list_of(),
                    _ => Ty::Unknown,
                }
            }
            Expr::Map(m) => {
                self.entries(&m.entries);
                Ty::Unknown
            }
            Expr::Struct(s) => {
                self.entries(&s.entries);
                Ty::Unknown
            }
            Expr::Literal(_) | Expr::Unspecified => Ty::Unknown,
        }
    }

    fn entries(&mut self, entries: &[cel::common::ast::IdedEntryExpr]) {
        for x in entries {
            match &x.expr {
                EntryExpr::MapEntry(m) => {
                    self.ty(&m.key);
                    self.ty(&m.value);
                }
                EntryExpr::StructField(f) => {
                    self.ty(&f.value);
                }
            }
        }
    }

    /// A comprehension (what the macros expand to): its variables are bound to the elements of
    /// the list it iterates over, and its accumulator to its initial value.
    fn comprehension(&mut self, c: &ComprehensionExpr) -> Ty {
        let range = self.ty(&c.iter_range);
        let init = self.ty(&c.accu_init);
        let depth = self.bound.len();
        match &c.iter_var2 {
            // One variable: the element of a list (the key of a map: not known).
            None => self.bound.push((c.iter_var.clone(), range.elements())),
            // Two: the index and the element of a list (the key and value of a map).
            Some(v2) => {
                self.bound.push((c.iter_var.clone(), Ty::Unknown));
                self.bound.push((v2.clone(), range.elements()));
            }
        }
        self.bound.push((c.accu_var.clone(), init));
        self.ty(&c.loop_cond);
        self.ty(&c.loop_step);
        self.bound.truncate(depth);
        self.bound.push((c.accu_var.clone(), init));
        let result = self.ty(&c.result);
        self.bound.truncate(depth);
        // `map` and `filter` accumulate `[x]` onto an empty list: a list of what `x` is.
        match (&c.accu_init.expr, &c.result.expr) {
            (Expr::List(l), Expr::Ident(r)) if l.elements.is_empty() && *r == c.accu_var => {
                self.appended(&c.loop_step, &c.accu_var).list_of()
            }
            _ => result,
        }
    }

    /// The type of `x` in a loop step `accu + [x]` (or `cond ? accu + [x] : accu`).
    fn appended(&self, step: &IdedExpr, accu: &str) -> Ty {
        let Expr::Call(c) = &step.expr else {
            return Ty::Unknown;
        };
        match (c.func_name.as_str(), c.args.as_slice()) {
            ("_?_:_", [_, add, _]) => self.appended(add, accu),
            ("_+_", [a, list]) => match (&a.expr, &list.expr) {
                (Expr::Ident(n), Expr::List(l)) if n == accu && l.elements.len() == 1 => self
                    .types
                    .get(&l.elements[0].id)
                    .copied()
                    .unwrap_or(Ty::Unknown),
                _ => Ty::Unknown,
            },
            _ => Ty::Unknown,
        }
    }

    /// The field `name` of a value of type `of`, recording an error when a value of a known
    /// shape does not have it.
    fn field(&mut self, of: Ty, name: &str, at: usize) -> Ty {
        match of {
            Ty::Is(Shape::Object(what, fields)) => {
                if let Some((_, s)) = fields.iter().find(|(n, _)| *n == name) {
                    return Ty::Is(s);
                }
                let names: Vec<&str> = fields.iter().map(|(n, _)| *n).collect();
                self.out.push(UnknownField {
                    offset: at,
                    message: format!(
                        "the {what} has no field {name:?}{}\n  fix: use one of its fields: {} (see docs/rules.md, CEL)",
                        suggest::hint(name, names.iter().copied()),
                        names.join(", ")
                    ),
                });
                Ty::Unknown
            }
            Ty::Params => {
                if !self.fields.params.iter().any(|p| p == name) {
                    let names = &self.fields.params;
                    self.out.push(UnknownField {
                        offset: at,
                        message: format!(
                            "the rule has no parameter {name:?}{}\n  fix: declare it under [parameters]{}",
                            suggest::hint(name, names.iter().map(|s| s.as_str())),
                            if names.is_empty() {
                                String::new()
                            } else {
                                format!(", or use one of: {}", names.join(", "))
                            }
                        ),
                    });
                }
                Ty::Unknown
            }
            // A tag (or a check's status) is a string.
            Ty::Is(Shape::Map) => Ty::Is(&Shape::Scalar),
            _ => Ty::Unknown,
        }
    }

    /// The byte offset where the node `id` starts in the expression.
    fn offset(&self, id: u64) -> Option<usize> {
        self.info
            .offset_for(id)
            .map(|(start, _)| start as usize)
            .filter(|o| *o <= self.source.len())
    }

    /// Where the field `name` of the selection `id` is written: the node starts at its `.`, or,
    /// for `has(x.name)`, before its argument.
    fn field_offset(&self, id: u64, name: &str) -> usize {
        let start = self.offset(id).unwrap_or(0);
        let rest = self.source.get(start..).unwrap_or("");
        let mut from = 0;
        while let Some(i) = rest[from..].find('.') {
            let dot = from + i;
            let after = &rest[dot + 1..];
            let field = after.trim_start();
            if field.starts_with(name) || field.starts_with('`') {
                return start + dot + 1 + (after.len() - field.len());
            }
            from = dot + 1;
        }
        start
    }
}
