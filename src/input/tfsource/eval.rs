//! Expressions: literals, collections, templates, references (`var.`, `local.`, `module.`, resources and data
//! sources, `count.index`, `each.*`, `path.*`), operators, conditionals, `for` expressions and splats, and
//! function calls (in `functions.rs`), evaluated as Terraform does where the value is known statically.
//!
//! Two outcomes are kept apart: a value that is **unknown** (Terraform would compute it; evaluation goes
//! on with an unknown in its place), and a **failure** (Terraform itself would reject the expression:
//! a missing attribute, an index out of range, a type error). `try()` and `can()` see failures; anywhere
//! else a failure becomes an unknown that says why.

use std::sync::Arc;

use hcl_edit::Span as _;
use hcl_edit::expr::{BinaryOperator, Expression, ObjectKey, TraversalOperator, UnaryOperator};

use super::loader::{CallInstances, Each, Expansion, Key, Loader, Slot, State, loc};
use super::module::Mode;
use super::value::{Entry, Kind, Loc, Origin, Unknown, Value};

pub(super) type Eval = Result<Value, Fail>;

/// An expression Terraform would reject.
#[derive(Clone, Debug)]
pub(super) struct Fail {
    pub why: String,
    pub loc: Loc,
}

pub(super) fn fail<T>(why: impl Into<String>, at: Loc) -> Result<T, Fail> {
    Err(Fail { why: why.into(), loc: at })
}

/// Variables bound by `for` expressions, `dynamic` blocks and templates: a stack, innermost first.
pub(super) enum Vars<'a> {
    None,
    Bind(&'a str, Value, &'a Vars<'a>),
}

impl Vars<'_> {
    pub fn get(&self, name: &str) -> Option<&Value> {
        let mut at = self;
        while let Vars::Bind(n, v, next) = at {
            if *n == name {
                return Some(v);
            }
            at = next;
        }
        None
    }
}

/// Where an expression is evaluated: the module instance (none inside a `templatefile()` template, which sees
/// only the variables passed to it), the file it is written in, and the instance's `count`/`each`.
pub(super) struct Scope<'a> {
    pub inst: Option<usize>,
    pub file: super::value::FileId,
    pub each: &'a Each,
    pub vars: &'a Vars<'a>,
}

impl Scope<'_> {
    pub fn with<'b>(&'b self, vars: &'b Vars<'b>) -> Scope<'b> {
        Scope { inst: self.inst, file: self.file, each: self.each, vars }
    }
}

pub(super) const DEPTH_WHY: &str = "nested too deeply to evaluate statically (the loader's depth budget)";
pub(super) const FUEL_WHY: &str = "too costly to evaluate statically (the loader's evaluation budget)";
pub(super) const SIZE_WHY: &str = "too large to evaluate statically (the loader's size budget)";

/// A reference being followed: resources and module calls are resolved lazily, so `aws_iam_role.x.arn`
/// reads one attribute without evaluating the whole resource (which may refer back to that attribute).
enum Ref {
    Val(Value),
    Resource { inst: usize, res: usize },
    Instance { inst: usize, res: usize, key: Key, each: Each },
    Call { inst: usize, call: usize },
    Module { child: usize },
}

impl Loader {
    pub fn eval(&self, s: &Scope<'_>, expr: &Expression) -> Eval {
        let at = loc(s.file, expr.span());
        let Some(_depth) = self.enter(at) else { return Ok(Value::unknown(DEPTH_WHY, at)) };
        if !self.spend(1, at) {
            return Ok(Value::unknown(FUEL_WHY, at));
        }
        let value = match expr {
            Expression::Null(_) => Value::null(at),
            Expression::Bool(b) => Value::new(Kind::Bool(*b.value()), at),
            Expression::Number(n) => match n.value().as_f64() {
                Some(f) => Value::new(Kind::Number(f), at),
                None => return fail("a number out of range", at),
            },
            Expression::String(s) => Value::string(s.value().as_str(), at),
            Expression::Array(a) => {
                let mut items = Vec::with_capacity(a.len());
                for e in a.iter() {
                    items.push(self.eval(s, e)?);
                }
                self.sized(Value::list(items, at))
            }
            Expression::Object(o) => {
                let mut entries = Vec::with_capacity(o.len());
                for (k, v) in o.iter() {
                    let (key, key_loc) = match k {
                        ObjectKey::Ident(id) => (Arc::from(id.as_str()), loc(s.file, id.span())),
                        ObjectKey::Expression(e) => {
                            let key = self.eval(s, e)?;
                            match key.to_text() {
                                Ok(Some(text)) => (text, key.loc),
                                Ok(None) => {
                                    return fail(
                                        format!("an object key must be a string, not {}", key.type_name()),
                                        key.loc,
                                    );
                                }
                                Err(u) => return Ok(Value::new(Kind::Unknown(u), at)),
                            }
                        }
                    };
                    entries.push(Entry { key, key_loc, value: self.eval(s, v.expr())? });
                }
                self.sized(Value::object(entries, at))
            }
            Expression::StringTemplate(t) => self.template(s, t, at)?,
            Expression::HeredocTemplate(h) => self.template(s, &h.template, at)?,
            Expression::Parenthesis(p) => self.eval(s, p.inner())?,
            Expression::Variable(v) => match s.vars.get(v.as_str()) {
                Some(value) => value.clone(),
                None => return fail(format!("`{}` is not a variable here", v.as_str()), at),
            },
            Expression::Traversal(t) => self.traversal(s, t, at)?,
            Expression::FuncCall(call) => self.call(s, call, at)?,
            Expression::Conditional(c) => {
                let cond = self.eval(s, &c.cond_expr)?;
                match as_bool(&cond)? {
                    Ok(true) => self.eval(s, &c.true_expr)?,
                    Ok(false) => self.eval(s, &c.false_expr)?,
                    Err(u) => Value::new(Kind::Unknown(u), at),
                }
            }
            Expression::UnaryOp(u) => {
                let v = self.eval(s, &u.expr)?;
                match u.operator.value() {
                    UnaryOperator::Not => match as_bool(&v)? {
                        Ok(b) => Value::new(Kind::Bool(!b), at),
                        Err(u) => Value::new(Kind::Unknown(u), at),
                    },
                    UnaryOperator::Neg => match as_number(&v)? {
                        Ok(n) => Value::new(Kind::Number(-n), at),
                        Err(u) => Value::new(Kind::Unknown(u), at),
                    },
                }
            }
            Expression::BinaryOp(b) => self.binary(s, b, at)?,
            Expression::ForExpr(f) => self.for_expr(s, f, at)?,
        };
        Ok(value)
    }

    /// A value over the size budget is unknown.
    pub fn sized(&self, value: Value) -> Value {
        match &value.kind {
            Kind::List(items) if items.len() > 64 || value.size() > super::loader::MAX_VALUE_NODES => {
                if value.size() > super::loader::MAX_VALUE_NODES || !self.spend(items.len() as u64, value.loc) {
                    return Value::unknown(SIZE_WHY, value.loc);
                }
                value
            }
            Kind::Object(entries) if entries.len() > 64 => {
                if value.size() > super::loader::MAX_VALUE_NODES || !self.spend(entries.len() as u64, value.loc) {
                    return Value::unknown(SIZE_WHY, value.loc);
                }
                value
            }
            _ => value,
        }
    }

    fn binary(&self, s: &Scope<'_>, b: &hcl_edit::expr::BinaryOp, at: Loc) -> Eval {
        use BinaryOperator as Op;
        let op = *b.operator.value();
        // `&&` and `||` decide on a known side even when the other is unknown (false && x is false).
        if matches!(op, Op::And | Op::Or) {
            let lhs = as_bool(&self.eval(s, &b.lhs_expr)?)?;
            let rhs = as_bool(&self.eval(s, &b.rhs_expr)?)?;
            let short = op == Op::Or;
            return Ok(match (lhs, rhs) {
                (Ok(l), _) if l == short => Value::new(Kind::Bool(short), at),
                (_, Ok(r)) if r == short => Value::new(Kind::Bool(short), at),
                (Ok(_), Ok(_)) => Value::new(Kind::Bool(!short), at),
                (Err(u), _) | (_, Err(u)) => Value::new(Kind::Unknown(u), at),
            });
        }
        let lhs = self.eval(s, &b.lhs_expr)?;
        let rhs = self.eval(s, &b.rhs_expr)?;
        if matches!(op, Op::Eq | Op::NotEq) {
            return Ok(match lhs.equals(&rhs) {
                Some(eq) => Value::new(Kind::Bool(eq == (op == Op::Eq)), at),
                None => unknown_of(&lhs, &rhs, at),
            });
        }
        let (l, r) = match (as_number(&lhs)?, as_number(&rhs)?) {
            (Ok(l), Ok(r)) => (l, r),
            (Err(u), _) | (_, Err(u)) => return Ok(Value::new(Kind::Unknown(u), at)),
        };
        let number = |n: f64| Ok(Value::new(Kind::Number(n), at));
        let boolean = |b: bool| Ok(Value::new(Kind::Bool(b), at));
        match op {
            Op::Plus => number(l + r),
            Op::Minus => number(l - r),
            Op::Mul => number(l * r),
            Op::Div if r == 0.0 => fail("division by zero", at),
            Op::Div => number(l / r),
            Op::Mod if r == 0.0 => fail("modulo by zero", at),
            Op::Mod => number(l % r),
            Op::Less => boolean(l < r),
            Op::LessEq => boolean(l <= r),
            Op::Greater => boolean(l > r),
            Op::GreaterEq => boolean(l >= r),
            Op::Eq | Op::NotEq | Op::And | Op::Or => fail("an operator out of place", at),
        }
    }

    fn for_expr(&self, s: &Scope<'_>, f: &hcl_edit::expr::ForExpr, at: Loc) -> Eval {
        let collection = self.eval(s, &f.intro.collection_expr)?;
        let pairs = match iterate(&collection) {
            Ok(Some(pairs)) => pairs,
            Ok(None) => {
                return fail(
                    format!("a `for` expression cannot iterate over {}", collection.type_name()),
                    collection.loc,
                );
            }
            Err(u) => return Ok(Value::new(Kind::Unknown(u), at)),
        };
        if !self.spend(pairs.len() as u64, at) {
            return Ok(Value::unknown(FUEL_WHY, at));
        }
        let key_var = f.intro.key_var.as_ref().map(|k| k.as_str());
        let value_var = f.intro.value_var.as_str();
        let mut items = Vec::new();
        let mut entries: Vec<(Value, Value)> = Vec::new();
        for (k, v) in pairs {
            let inner = Vars::Bind(value_var, v, s.vars);
            let outer;
            let vars = match key_var {
                Some(name) => {
                    outer = Vars::Bind(name, k, &inner);
                    &outer
                }
                None => &inner,
            };
            let scope = s.with(vars);
            if let Some(cond) = &f.cond {
                match as_bool(&self.eval(&scope, &cond.expr)?)? {
                    Ok(true) => {}
                    Ok(false) => continue,
                    Err(u) => return Ok(Value::new(Kind::Unknown(u), at)),
                }
            }
            match &f.key_expr {
                Some(key_expr) => entries.push((self.eval(&scope, key_expr)?, self.eval(&scope, &f.value_expr)?)),
                None => items.push(self.eval(&scope, &f.value_expr)?),
            }
        }
        if f.key_expr.is_none() {
            return Ok(self.sized(Value::list(items, at)));
        }
        // An object: with `...` (grouping) each key collects its values in a list; otherwise a key twice is
        // an error.
        let mut out: Vec<(Arc<str>, Loc, Vec<Value>)> = Vec::new();
        for (k, v) in entries {
            let key = match k.to_text() {
                Ok(Some(t)) => t,
                Ok(None) => return fail("a `for` expression's key must be a string", k.loc),
                Err(u) => return Ok(Value::new(Kind::Unknown(u), at)),
            };
            match out.iter_mut().find(|(existing, _, _)| *existing == key) {
                Some((_, _, values)) if f.grouping => values.push(v),
                Some(_) => return fail(format!("the key `{key}` appears twice; use `...` to group"), k.loc),
                None => out.push((key, k.loc, vec![v])),
            }
        }
        let entries = out
            .into_iter()
            .map(|(key, key_loc, mut values)| {
                let value =
                    if f.grouping { Value::list(values, at) } else { values.pop().unwrap_or_else(|| Value::null(at)) };
                Entry { key, key_loc, value }
            })
            .collect();
        Ok(self.sized(Value::object(entries, at)))
    }

    // ----- references -----

    fn traversal(&self, s: &Scope<'_>, t: &hcl_edit::expr::Traversal, at: Loc) -> Eval {
        let ops: Vec<&TraversalOperator> = t.operators.iter().map(|o| o.value()).collect();
        let attr = |i: usize| match ops.get(i) {
            Some(TraversalOperator::GetAttr(id)) => Some(id.as_str()),
            _ => None,
        };
        let (start, used) = match &t.expr {
            Expression::Variable(root) => {
                let root = root.as_str();
                if let Some(v) = s.vars.get(root) {
                    (Ref::Val(v.clone()), 0)
                } else {
                    self.root_reference(s, root, attr(0), attr(1), at)?
                }
            }
            other => (Ref::Val(self.eval(s, other)?), 0),
        };
        self.apply(s, start, ops.get(used..).unwrap_or_default(), at)
    }

    /// The start of a reference: what `var.x`, `local.y`, `module.m`, `aws_iam_role.r` or `data.t.n` names,
    /// and how many operators that used.
    fn root_reference(
        &self,
        s: &Scope<'_>,
        root: &str,
        first: Option<&str>,
        second: Option<&str>,
        at: Loc,
    ) -> Result<(Ref, usize), Fail> {
        let Some(inst) = s.inst else {
            // A template sees only the variables passed to it.
            return fail(format!("`{root}` is not one of the variables passed to the template"), at);
        };
        let each = |v: &Option<Value>, what: &str| match v {
            Some(v) => Ok(v.clone()),
            None => fail(
                format!(
                    "`{what}` is only available in a block with `{}`",
                    if what.starts_with("count") { "count" } else { "for_each" }
                ),
                at,
            ),
        };
        let value = |v: Value| Ok((Ref::Val(v), 1));
        match (root, first) {
            ("var", Some(name)) => value(self.variable(inst, name, at)),
            ("local", Some(name)) => value(self.local(inst, name, at)),
            ("count", Some("index")) => value(each(&s.each.index, "count.index")?),
            ("each", Some("key")) => value(each(&s.each.key, "each.key")?),
            ("each", Some("value")) => value(each(&s.each.value, "each.value")?),
            ("path", Some(which)) => value(self.path_value(inst, which, at)),
            ("terraform", Some("workspace")) => value(Value::string("default", at)),
            ("module", Some(name)) => {
                let src = self.instance(inst).map(|i| std::rc::Rc::clone(&i.src));
                match src.and_then(|src| src.call_index.get(name).copied()) {
                    Some(call) => Ok((Ref::Call { inst, call }, 1)),
                    None => fail(format!("no module `{name}` is called in this module"), at),
                }
            }
            ("data", Some(ty)) => {
                let Some(name) = second else { return fail("a data source reference needs its name", at) };
                let src = self.instance(inst).map(|i| std::rc::Rc::clone(&i.src));
                match src.and_then(|src| src.resource(Mode::Data, ty, name)) {
                    Some(res) => Ok((Ref::Resource { inst, res }, 2)),
                    None => fail(format!("no data source `data.{ty}.{name}` is declared in this module"), at),
                }
            }
            ("self", _) => {
                Ok((Ref::Val(Value::unknown("`self` is known only while Terraform runs a provisioner", at)), 0))
            }
            (ty, Some(name)) => {
                let src = self.instance(inst).map(|i| std::rc::Rc::clone(&i.src));
                match src.and_then(|src| src.resource(Mode::Managed, ty, name)) {
                    Some(res) => Ok((Ref::Resource { inst, res }, 1)),
                    None => fail(format!("no resource `{ty}.{name}` is declared in this module"), at),
                }
            }
            (name, None) => fail(format!("`{name}` is not a value"), at),
        }
    }

    /// Apply traversal operators to a reference, lazily for resources and modules.
    fn apply(&self, s: &Scope<'_>, mut current: Ref, ops: &[&TraversalOperator], at: Loc) -> Eval {
        let mut i = 0;
        while let Some(op) = ops.get(i) {
            match op {
                TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                    // `[*]` applies every following operator to each element; `.*` only the attribute names
                    // right after it.
                    let rest_len = if matches!(op, TraversalOperator::FullSplat(_)) {
                        ops.len() - i - 1
                    } else {
                        ops.iter().skip(i + 1).take_while(|o| matches!(o, TraversalOperator::GetAttr(_))).count()
                    };
                    let rest = ops.get(i + 1..i + 1 + rest_len).unwrap_or_default();
                    let elements = match self.elements(current, at)? {
                        Ok(e) => e,
                        Err(u) => return Ok(Value::new(Kind::Unknown(u), at)),
                    };
                    let mut out = Vec::with_capacity(elements.len());
                    for e in elements {
                        out.push(self.apply(s, e, rest, at)?);
                    }
                    current = Ref::Val(self.sized(Value::list(out, at)));
                    i += 1 + rest_len;
                    continue;
                }
                TraversalOperator::GetAttr(id) => current = self.get_attr(current, id.as_str(), at)?,
                TraversalOperator::Index(e) => {
                    let index = self.eval(s, e)?;
                    current = self.index(current, &index, at)?;
                }
                TraversalOperator::LegacyIndex(n) => {
                    let index = Value::new(Kind::Number(*n.value() as f64), at);
                    current = self.index(current, &index, at)?;
                }
            }
            i += 1;
        }
        // A value computed once (a variable, a local, an attribute) is unknown here, where it is used.
        let value = self.materialize(current, at)?;
        Ok(match &value.kind {
            Kind::Unknown(_) | Kind::Partial(_) => Value::new(value.kind, at),
            _ => value,
        })
    }

    fn get_attr(&self, current: Ref, name: &str, at: Loc) -> Result<Ref, Fail> {
        Ok(match current {
            Ref::Instance { inst, res, key, each } => Ref::Val(self.attribute(inst, res, &key, &each, name, at)),
            Ref::Module { child } => Ref::Val(self.output(child, name, at)?),
            Ref::Resource { inst, res } => match &*self.expansion(inst, res) {
                Expansion::Single => Ref::Val(self.attribute(inst, res, &Key::None, &Each::default(), name, at)),
                Expansion::Unknown(v) => Ref::Val(self.unknown_attr(inst, res, &Key::Unknown, name, v, at)),
                _ => {
                    return fail(
                        format!("a resource with `count` or `for_each` has no attribute `{name}`: index it first"),
                        at,
                    );
                }
            },
            Ref::Call { inst, call } => match &*self.call_instances(inst, call) {
                CallInstances::Read { expansion: Expansion::Single, children } => match children.first() {
                    Some((_, child)) => Ref::Val(self.output(*child, name, at)?),
                    None => Ref::Val(Value::unknown("the module was not read", at)),
                },
                CallInstances::Read { expansion: Expansion::Unknown(v), .. } | CallInstances::NotRead(v) => {
                    Ref::Val(Value::new(v.kind.clone(), at))
                }
                CallInstances::Read { .. } => {
                    return fail(
                        format!("a module with `count` or `for_each` has no output `{name}`: index it first"),
                        at,
                    );
                }
            },
            Ref::Val(v) => Ref::Val(match &v.kind {
                Kind::Object(_) => match v.get(name) {
                    Some(found) => found.clone(),
                    None => return fail(format!("the object has no attribute `{name}`"), at),
                },
                Kind::Unknown(_) | Kind::Partial(_) => Value::new(v.kind.clone(), at),
                Kind::Null => return fail(format!("cannot read `{name}` of null"), at),
                _ => return fail(format!("a {} has no attribute `{name}`", v.type_name()), at),
            }),
        })
    }

    fn index(&self, current: Ref, index: &Value, at: Loc) -> Result<Ref, Fail> {
        if let Some(u) = index.as_unknown() {
            return Ok(Ref::Val(Value::new(Kind::Unknown(Arc::clone(u)), at)));
        }
        let by_key = |keys: &[(Key, Each)]| -> Result<Option<(Key, Each)>, Fail> {
            let wanted = match &index.kind {
                Kind::Number(n) => Key::Index(integer(*n, at)?),
                _ => match index.to_text() {
                    Ok(Some(t)) => Key::Name(t.to_string()),
                    _ => return fail(format!("an index must be a number or a string, not {}", index.type_name()), at),
                },
            };
            Ok(keys
                .iter()
                .find(|(k, _)| {
                    *k == wanted || matches!((k, &wanted), (Key::Name(n), Key::Index(i)) if *n == i.to_string())
                })
                .cloned())
        };
        Ok(match current {
            Ref::Resource { inst, res } => match &*self.expansion(inst, res) {
                Expansion::Count(keys) | Expansion::ForEach(keys) => match by_key(keys)? {
                    Some((key, each)) => Ref::Instance { inst, res, key, each },
                    None => return fail("no instance has this key", at),
                },
                Expansion::Unknown(_) => Ref::Instance {
                    inst,
                    res,
                    key: Key::Unknown,
                    each: Expansion::Unknown(Value::unknown("instances not known statically", at))
                        .instances()
                        .pop()
                        .map(|(_, e)| e)
                        .unwrap_or_default(),
                },
                Expansion::Single => {
                    return fail("the resource has no `count` or `for_each`: it cannot be indexed", at);
                }
            },
            Ref::Call { inst, call } => match &*self.call_instances(inst, call) {
                CallInstances::Read { expansion: Expansion::Count(keys) | Expansion::ForEach(keys), children } => {
                    match by_key(keys)? {
                        Some((key, _)) => match children.iter().find(|(k, _)| *k == key) {
                            Some((_, child)) => Ref::Module { child: *child },
                            None => Ref::Val(Value::unknown("the module instance was not read", at)),
                        },
                        None => return fail("no module instance has this key", at),
                    }
                }
                CallInstances::Read { expansion: Expansion::Unknown(v), .. } | CallInstances::NotRead(v) => {
                    Ref::Val(Value::new(v.kind.clone(), at))
                }
                CallInstances::Read { .. } => {
                    return fail("the module has no `count` or `for_each`: it cannot be indexed", at);
                }
            },
            other => {
                let v = self.materialize(other, at)?;
                Ref::Val(index_value(&v, index, at)?)
            }
        })
    }

    /// The elements a splat iterates: a list's items, the instances of a resource or module call, or a single
    /// value as a one-element list (null as none).
    fn elements(&self, current: Ref, at: Loc) -> Result<Result<Vec<Ref>, Arc<Unknown>>, Fail> {
        Ok(Ok(match current {
            Ref::Resource { inst, res } => match &*self.expansion(inst, res) {
                Expansion::Single => vec![Ref::Instance { inst, res, key: Key::None, each: Each::default() }],
                Expansion::Count(keys) | Expansion::ForEach(keys) => keys
                    .iter()
                    .map(|(key, each)| Ref::Instance { inst, res, key: key.clone(), each: each.clone() })
                    .collect(),
                Expansion::Unknown(v) => return Ok(Err(unknown_arc(v, at))),
            },
            Ref::Call { inst, call } => match &*self.call_instances(inst, call) {
                CallInstances::Read { expansion: Expansion::Unknown(v), .. } | CallInstances::NotRead(v) => {
                    return Ok(Err(unknown_arc(v, at)));
                }
                CallInstances::Read { children, .. } => {
                    children.iter().map(|(_, c)| Ref::Module { child: *c }).collect()
                }
            },
            other => {
                let v = self.materialize(other, at)?;
                match &v.kind {
                    Kind::List(items) => items.iter().cloned().map(Ref::Val).collect(),
                    Kind::Null => Vec::new(),
                    Kind::Unknown(u) => return Ok(Err(Arc::clone(u))),
                    _ => vec![Ref::Val(v)],
                }
            }
        }))
    }

    /// The value of a reference: a resource's instances as an object, a list (`count`) or a map (`for_each`);
    /// a module instance as the object of its outputs.
    fn materialize(&self, current: Ref, at: Loc) -> Eval {
        Ok(match current {
            Ref::Val(v) => v,
            Ref::Instance { inst, res, key, each } => self.resource_object(inst, res, &key, &each, at),
            Ref::Module { child } => self.outputs_object(child, at)?,
            Ref::Resource { inst, res } => match &*self.expansion(inst, res) {
                Expansion::Single => self.resource_object(inst, res, &Key::None, &Each::default(), at),
                Expansion::Count(keys) => {
                    let items = keys.iter().map(|(k, e)| self.resource_object(inst, res, k, e, at)).collect();
                    self.sized(Value::list(items, at))
                }
                Expansion::ForEach(keys) => {
                    let entries = keys
                        .iter()
                        .map(|(k, e)| Entry {
                            key: match k {
                                Key::Name(n) => n.as_str().into(),
                                other => other.suffix().into(),
                            },
                            key_loc: at,
                            value: self.resource_object(inst, res, k, e, at),
                        })
                        .collect();
                    self.sized(Value::object(entries, at))
                }
                Expansion::Unknown(v) => {
                    let address = self.address(inst, res, &Key::None);
                    with_origin(v, &address, "", at)
                }
            },
            Ref::Call { inst, call } => match &*self.call_instances(inst, call) {
                CallInstances::NotRead(v) => Value::new(v.kind.clone(), at),
                CallInstances::Read { expansion, children } => match expansion {
                    Expansion::Single => match children.first() {
                        Some((_, c)) => self.outputs_object(*c, at)?,
                        None => Value::unknown("the module was not read", at),
                    },
                    Expansion::Count(_) => {
                        let mut items = Vec::new();
                        for (_, c) in children {
                            items.push(self.outputs_object(*c, at)?);
                        }
                        Value::list(items, at)
                    }
                    Expansion::ForEach(_) => {
                        let mut entries = Vec::new();
                        for (k, c) in children {
                            let key: Arc<str> = match k {
                                Key::Name(n) => n.as_str().into(),
                                other => other.suffix().into(),
                            };
                            entries.push(Entry { key, key_loc: at, value: self.outputs_object(*c, at)? });
                        }
                        Value::object(entries, at)
                    }
                    Expansion::Unknown(v) => Value::new(v.kind.clone(), at),
                },
            },
        })
    }

    // ----- memoised values of an instance -----

    /// Compute a value once per instance; a reference back to it while it is computed is a cycle.
    pub fn memo(&self, inst: usize, slot: Slot, at: Loc, what: &str, compute: impl FnOnce() -> Value) -> Value {
        let Some(instance) = self.instance(inst) else { return Value::unknown("no such module instance", at) };
        {
            let memo = instance.memo.borrow();
            match memo.values.get(&slot) {
                Some(State::Done(v)) => return v.clone(),
                Some(State::Busy) => {
                    return Value::unknown(format!("{what} refers to itself (a reference cycle)"), at);
                }
                None => {}
            }
        }
        instance.memo.borrow_mut().values.insert(slot.clone(), State::Busy);
        let value = compute();
        instance.memo.borrow_mut().values.insert(slot, State::Done(value.clone()));
        value
    }

    pub fn local(&self, inst: usize, name: &str, at: Loc) -> Value {
        let Some(instance) = self.instance(inst) else { return Value::unknown("no such module instance", at) };
        let Some((file, expr)) = instance.src.locals.get(name) else {
            return Value::unknown(format!("`local.{name}` is not defined in this module"), at);
        };
        self.memo(inst, Slot::Local(name.to_owned()), at, &format!("`local.{name}`"), || {
            let each = Each::default();
            let scope = Scope { inst: Some(inst), file: *file, each: &each, vars: &Vars::None };
            self.settle(self.eval(&scope, expr))
        })
    }

    /// A failure outside `try()`/`can()`: unknown, saying what Terraform would reject.
    pub fn settle(&self, result: Eval) -> Value {
        match result {
            Ok(v) => v,
            Err(f) => Value::unknown(format!("Terraform would reject this: {}", f.why), f.loc),
        }
    }

    pub fn output(&self, child: usize, name: &str, at: Loc) -> Eval {
        let Some(instance) = self.instance(child) else { return Ok(Value::unknown("no such module instance", at)) };
        let Some((file, expr)) = instance.src.outputs.get(name) else {
            return fail(format!("the module has no output `{name}`"), at);
        };
        Ok(self.memo(child, Slot::Output(name.to_owned()), at, &format!("output `{name}`"), || {
            let each = Each::default();
            let scope = Scope { inst: Some(child), file: *file, each: &each, vars: &Vars::None };
            self.settle(self.eval(&scope, expr))
        }))
    }

    fn outputs_object(&self, child: usize, at: Loc) -> Eval {
        let Some(instance) = self.instance(child) else { return Ok(Value::unknown("no such module instance", at)) };
        let mut names: Vec<&String> = instance.src.outputs.keys().collect();
        names.sort();
        let mut entries = Vec::new();
        for name in names {
            entries.push(Entry { key: name.as_str().into(), key_loc: at, value: self.output(child, name, at)? });
        }
        Ok(Value::object(entries, at))
    }

    fn path_value(&self, inst: usize, which: &str, at: Loc) -> Value {
        let (Some(instance), Some(tree)) = (self.instance(inst), self.tree_of(inst)) else {
            return Value::unknown("no such module instance", at);
        };
        match which {
            "module" => {
                let rel = super::reader::relative(&tree.dir, &instance.src.dir);
                Value::string(crate::source::display_path(&rel), at)
            }
            "root" => Value::string(".", at),
            _ => Value::unknown(format!("`path.{which}` depends on where Terraform runs"), at),
        }
    }

    // ----- resources -----

    /// The address of a resource instance: `module.m[0].aws_iam_role.r["k"]`.
    pub fn address(&self, inst: usize, res: usize, key: &Key) -> String {
        let Some(instance) = self.instance(inst) else { return String::new() };
        let base = instance.src.resources.get(res).map(super::module::Resource::address).unwrap_or_default();
        format!("{}{base}{}", instance.prefix, key.suffix())
    }

    /// The instances of a resource, from its `count` or `for_each`.
    pub fn expansion(&self, inst: usize, res: usize) -> std::rc::Rc<Expansion> {
        let Some(instance) = self.instance(inst) else { return std::rc::Rc::new(Expansion::Count(Vec::new())) };
        {
            let memo = instance.memo.borrow();
            match memo.expansions.get(&res) {
                Some(State::Done(e)) => return std::rc::Rc::clone(e),
                Some(State::Busy) => {
                    let at = instance
                        .src
                        .resources
                        .get(res)
                        .map_or(Loc { file: 0, span: crate::source::Span::at(0) }, |r| loc(r.file, r.block.span()));
                    return std::rc::Rc::new(Expansion::Unknown(Value::unknown(
                        "its `count` or `for_each` refers to the resource itself",
                        at,
                    )));
                }
                None => {}
            }
        }
        instance.memo.borrow_mut().expansions.insert(res, State::Busy);
        let expansion = match instance.src.resources.get(res) {
            Some(r) => self.expand(inst, r.file, &r.block.body, &Each::default()),
            None => Expansion::Count(Vec::new()),
        };
        let expansion = std::rc::Rc::new(expansion);
        instance.memo.borrow_mut().expansions.insert(res, State::Done(std::rc::Rc::clone(&expansion)));
        expansion
    }

    /// The instances `count` or `for_each` of a block make (evaluated in its module instance, with the
    /// parent's `each` for a module call).
    pub fn expand(
        &self,
        inst: usize,
        file: super::value::FileId,
        body: &hcl_edit::structure::Body,
        each: &Each,
    ) -> Expansion {
        let scope = Scope { inst: Some(inst), file, each, vars: &Vars::None };
        if let Some(count) = super::module::attribute(body, "count") {
            let v = self.settle(self.eval(&scope, count));
            return match &v.kind {
                Kind::Number(n) if *n >= 0.0 && n.fract() == 0.0 && *n <= 100_000.0 => {
                    #[expect(clippy::cast_possible_truncation, reason = "integral and at most 100,000, checked above")]
                    let n = *n as i64;
                    if !self.spend(n.unsigned_abs(), v.loc) {
                        return Expansion::Unknown(Value::unknown(FUEL_WHY, v.loc));
                    }
                    Expansion::Count(
                        (0..n)
                            .map(|i| {
                                (
                                    Key::Index(i),
                                    Each { index: Some(Value::new(Kind::Number(i as f64), v.loc)), ..Each::default() },
                                )
                            })
                            .collect(),
                    )
                }
                Kind::Number(_) => Expansion::Unknown(Value::unknown(
                    "`count` must be a whole number from 0 (at most 100,000 here)",
                    v.loc,
                )),
                Kind::Unknown(_) | Kind::Partial(_) => Expansion::Unknown(v),
                Kind::Null => Expansion::Unknown(Value::unknown("`count` is null", v.loc)),
                _ => match v.to_text().ok().flatten().and_then(|t| t.parse::<u32>().ok()) {
                    Some(n) => Expansion::Count(
                        (0..i64::from(n))
                            .map(|i| {
                                (
                                    Key::Index(i),
                                    Each { index: Some(Value::new(Kind::Number(i as f64), v.loc)), ..Each::default() },
                                )
                            })
                            .collect(),
                    ),
                    None => Expansion::Unknown(Value::unknown(
                        format!("`count` must be a number, not {}", v.type_name()),
                        v.loc,
                    )),
                },
            };
        }
        if let Some(for_each) = super::module::attribute(body, "for_each") {
            let v = self.settle(self.eval(&scope, for_each));
            return match &v.kind {
                Kind::Object(entries) => Expansion::ForEach(
                    entries
                        .iter()
                        .map(|e| {
                            (
                                Key::Name(e.key.to_string()),
                                Each {
                                    key: Some(Value::string(Arc::clone(&e.key), e.key_loc)),
                                    value: Some(e.value.clone()),
                                    index: None,
                                },
                            )
                        })
                        .collect(),
                ),
                Kind::List(items) => {
                    // A set of strings: each element is both key and value.
                    let mut keys = Vec::new();
                    for item in items.iter() {
                        match item.to_text() {
                            Ok(Some(t)) => keys.push((
                                Key::Name(t.to_string()),
                                Each {
                                    key: Some(Value::string(Arc::clone(&t), item.loc)),
                                    value: Some(Value::string(t, item.loc)),
                                    index: None,
                                },
                            )),
                            Ok(None) => {
                                return Expansion::Unknown(Value::unknown(
                                    "`for_each` must be a map or a set of strings",
                                    item.loc,
                                ));
                            }
                            Err(u) => return Expansion::Unknown(Value::new(Kind::Unknown(u), item.loc)),
                        }
                    }
                    keys.sort_by(|a, b| a.0.cmp(&b.0));
                    keys.dedup_by(|a, b| a.0 == b.0);
                    Expansion::ForEach(keys)
                }
                Kind::Unknown(_) | Kind::Partial(_) => Expansion::Unknown(v),
                Kind::Null => Expansion::Unknown(Value::unknown("`for_each` is null", v.loc)),
                _ => Expansion::Unknown(Value::unknown(
                    format!("`for_each` must be a map or a set of strings, not {}", v.type_name()),
                    v.loc,
                )),
            };
        }
        Expansion::Single
    }

    /// One attribute of a resource instance: what the configuration sets, what the provider computes from
    /// it (an IAM role's ARN from its name and the account), else unknown until apply.
    pub fn attribute(&self, inst: usize, res: usize, key: &Key, each: &Each, name: &str, at: Loc) -> Value {
        let slot = Slot::Attr(res, key.clone(), name.to_owned());
        let address = self.address(inst, res, key);
        self.memo(inst, slot, at, &format!("`{address}.{name}`"), || {
            let Some(instance) = self.instance(inst) else { return Value::unknown("no such module instance", at) };
            let Some(r) = instance.src.resources.get(res) else { return Value::unknown("no such resource", at) };
            if let Some(v) = self.computed(inst, r, key, each, name, at) {
                return v;
            }
            match super::module::attribute(&r.block.body, name) {
                Some(expr) => {
                    let scope = Scope { inst: Some(inst), file: r.file, each, vars: &Vars::None };
                    self.settle(self.eval(&scope, expr))
                }
                None => {
                    let why = format!("`{address}.{name}` is known only after apply");
                    Value::new(
                        Kind::Unknown(Arc::new(Unknown {
                            why,
                            loc: at,
                            origin: Some(Origin { address, attribute: name.to_owned() }),
                        })),
                        at,
                    )
                }
            }
        })
    }

    fn unknown_attr(&self, inst: usize, res: usize, key: &Key, name: &str, cause: &Value, at: Loc) -> Value {
        let address = self.address(inst, res, key);
        let why = match cause.as_unknown() {
            Some(u) => format!(
                "the instances of `{}` are not known statically: {}",
                self.address(inst, res, &Key::None),
                u.why
            ),
            None => format!("`{address}.{name}` is not known statically"),
        };
        Value::new(
            Kind::Unknown(Arc::new(Unknown {
                why,
                loc: at,
                origin: Some(Origin { address: self.address(inst, res, &Key::None), attribute: name.to_owned() }),
            })),
            at,
        )
    }

    /// A resource instance as an object: every top-level argument its configuration sets, and the
    /// attributes computed statically.
    fn resource_object(&self, inst: usize, res: usize, key: &Key, each: &Each, at: Loc) -> Value {
        let slot = Slot::Object(res, key.clone());
        let address = self.address(inst, res, key);
        self.memo(inst, slot, at, &format!("`{address}`"), || {
            let Some(instance) = self.instance(inst) else { return Value::unknown("no such module instance", at) };
            let Some(r) = instance.src.resources.get(res) else { return Value::unknown("no such resource", at) };
            let mut names: Vec<String> = r
                .block
                .body
                .iter()
                .filter_map(hcl_edit::structure::Structure::as_attribute)
                .map(|a| a.key.as_str().to_owned())
                .filter(|n| !matches!(n.as_str(), "count" | "for_each" | "provider" | "depends_on" | "lifecycle"))
                .collect();
            names.extend(super::attrs::computed_names(&r.ty).iter().map(|n| (*n).to_owned()));
            names.sort();
            names.dedup();
            let entries = names
                .into_iter()
                .map(|n| {
                    let value = self.attribute(inst, res, key, each, &n, at);
                    Entry { key: n.into(), key_loc: at, value }
                })
                .collect();
            Value::object(entries, at)
        })
    }

    // ----- variables -----

    /// A module instance's variable: the value its call passes (evaluated in the caller), a `.tfvars`
    /// value for a root module, else the default, converted to the declared type. Unknown when none of
    /// these gives one, or when a root module read on its own has callers that set it.
    pub fn variable(&self, inst: usize, name: &str, at: Loc) -> Value {
        let Some(instance) = self.instance(inst) else { return Value::unknown("no such module instance", at) };
        let Some(decl) = instance.src.variables.get(name) else {
            return Value::unknown(format!("`var.{name}` is not declared in this module"), at);
        };
        let decl_loc = Loc { file: decl.file, span: decl.span };
        self.memo(inst, Slot::Var(name.to_owned()), at, &format!("`var.{name}`"), || {
            let default = || {
                decl.default.as_ref().map(|d| {
                    let each = Each::default();
                    let scope = Scope { inst: Some(inst), file: decl.file, each: &each, vars: &Vars::None };
                    self.settle(self.eval(&scope, d))
                })
            };
            let given: Option<Value> = match &instance.parent {
                Some(parent) => {
                    let caller = self.instance(parent.inst);
                    let call = caller.as_ref().and_then(|c| c.src.calls.get(parent.call));
                    match call.and_then(|c| Some((c, super::module::attribute(&c.block.body, name)?))) {
                        Some((call, expr)) => {
                            let scope = Scope {
                                inst: Some(parent.inst),
                                file: call.file,
                                each: &parent.each,
                                vars: &Vars::None,
                            };
                            Some(self.settle(self.eval(&scope, expr)))
                        }
                        None => None,
                    }
                }
                None => {
                    if let Some(caller) = instance.caller_set.get(name) {
                        return Value::new(
                            Kind::Unknown(Arc::new(Unknown {
                                why: format!(
                                    "`var.{name}` is set by {caller}; read on its own the module does not know it"
                                ),
                                loc: decl_loc,
                                origin: None,
                            })),
                            at,
                        );
                    }
                    instance.root_values.get(name).cloned()
                }
            };
            let value = match given {
                Some(v) if v.is_null() && !decl.nullable => default(),
                Some(v) => Some(v),
                None => default(),
            };
            let Some(value) = value else {
                let why = if instance.parent.is_some() {
                    format!("`var.{name}` has no default and the module call does not set it")
                } else {
                    format!("`var.{name}` has no default and no value in a `.tfvars` file")
                };
                return Value::new(Kind::Unknown(Arc::new(Unknown { why, loc: decl_loc, origin: None })), at);
            };
            match &decl.ty {
                Some(ty) => super::types::convert(self, value, ty, decl.file),
                None => value,
            }
        })
    }

    // ----- module calls -----

    /// The instances of a module call, read on first use.
    pub fn call_instances(&self, inst: usize, call: usize) -> std::rc::Rc<CallInstances> {
        let Some(instance) = self.instance(inst) else {
            return std::rc::Rc::new(CallInstances::NotRead(Value::unknown(
                "no such module instance",
                Loc { file: 0, span: crate::source::Span::at(0) },
            )));
        };
        {
            let memo = instance.memo.borrow();
            match memo.calls.get(&call) {
                Some(State::Done(c)) => return std::rc::Rc::clone(c),
                Some(State::Busy) => {
                    let at = instance
                        .src
                        .calls
                        .get(call)
                        .map_or(Loc { file: 0, span: crate::source::Span::at(0) }, |c| loc(c.file, c.block.span()));
                    return std::rc::Rc::new(CallInstances::NotRead(Value::unknown(
                        "the module call's `count` or `for_each` refers to the module itself",
                        at,
                    )));
                }
                None => {}
            }
        }
        instance.memo.borrow_mut().calls.insert(call, State::Busy);
        let result = std::rc::Rc::new(self.instantiate_call(inst, call));
        instance.memo.borrow_mut().calls.insert(call, State::Done(std::rc::Rc::clone(&result)));
        result
    }
}

/// A value's truth, for conditions: `Ok(Err(unknown))` when unknown, `Err` when not a bool.
pub(super) fn as_bool(v: &Value) -> Result<Result<bool, Arc<Unknown>>, Fail> {
    match &v.kind {
        Kind::Bool(b) => Ok(Ok(*b)),
        Kind::String(t) if &*t.text == "true" => Ok(Ok(true)),
        Kind::String(t) if &*t.text == "false" => Ok(Ok(false)),
        Kind::Unknown(u) => Ok(Err(Arc::clone(u))),
        Kind::Partial(_) => Ok(Err(v.as_unknown().cloned().unwrap_or_else(|| unknown_arc(v, v.loc)))),
        Kind::Null => fail("a condition is null", v.loc),
        _ => fail(format!("a condition must be a bool, not {}", v.type_name()), v.loc),
    }
}

pub(super) fn as_number(v: &Value) -> Result<Result<f64, Arc<Unknown>>, Fail> {
    match &v.kind {
        Kind::Number(n) => Ok(Ok(*n)),
        Kind::String(t) => match t.text.trim().parse::<f64>() {
            Ok(n) if n.is_finite() => Ok(Ok(n)),
            _ => fail(format!("`{}` is not a number", t.text), v.loc),
        },
        Kind::Unknown(u) => Ok(Err(Arc::clone(u))),
        Kind::Partial(_) => Ok(Err(v.as_unknown().cloned().unwrap_or_else(|| unknown_arc(v, v.loc)))),
        _ => fail(format!("a number is needed, not {}", v.type_name()), v.loc),
    }
}

pub(super) fn integer(n: f64, at: Loc) -> Result<i64, Fail> {
    if n.fract() != 0.0 || n.abs() > 9.007_199_254_740_992e15 {
        return fail(format!("`{}` is not a whole number", super::value::format_number(n)), at);
    }
    #[expect(clippy::cast_possible_truncation, reason = "integral and within ±2^53, checked above")]
    Ok(n as i64)
}

/// The unknown of a value, or one made for it.
pub(super) fn unknown_arc(v: &Value, at: Loc) -> Arc<Unknown> {
    v.as_unknown()
        .cloned()
        .unwrap_or_else(|| Arc::new(Unknown { why: "not known statically".to_owned(), loc: at, origin: None }))
}

fn unknown_of(a: &Value, b: &Value, at: Loc) -> Value {
    let u = a.first_unknown().or_else(|| b.first_unknown()).cloned().unwrap_or_else(|| unknown_arc(a, at));
    Value::new(Kind::Unknown(u), at)
}

/// An unknown resource value that still says which resource it is (links follow it).
fn with_origin(v: &Value, address: &str, attribute: &str, at: Loc) -> Value {
    let why = v.as_unknown().map_or_else(|| "not known statically".to_owned(), |u| u.why.clone());
    Value::new(
        Kind::Unknown(Arc::new(Unknown {
            why,
            loc: v.loc,
            origin: Some(Origin { address: address.to_owned(), attribute: attribute.to_owned() }),
        })),
        at,
    )
}

/// `list[i]` or `map["k"]`.
pub(super) fn index_value(v: &Value, index: &Value, at: Loc) -> Eval {
    match &v.kind {
        Kind::List(items) => {
            let i = match as_number(index)? {
                Ok(n) => integer(n, at)?,
                Err(u) => return Ok(Value::new(Kind::Unknown(u), at)),
            };
            match usize::try_from(i).ok().and_then(|i| items.get(i)) {
                Some(item) => Ok(item.clone()),
                None => fail(format!("index {i} is out of range for a list of {}", items.len()), at),
            }
        }
        Kind::Object(_) => match index.to_text() {
            Ok(Some(k)) => match v.get(&k) {
                Some(found) => Ok(found.clone()),
                None => fail(format!("the map has no key `{k}`"), at),
            },
            Ok(None) => fail(format!("a map key must be a string, not {}", index.type_name()), at),
            Err(u) => Ok(Value::new(Kind::Unknown(u), at)),
        },
        Kind::Unknown(_) | Kind::Partial(_) => Ok(Value::new(v.kind.clone(), at)),
        Kind::Null => fail("cannot index null", at),
        _ => fail(format!("a {} cannot be indexed", v.type_name()), at),
    }
}

/// The (key, value) pairs a `for` expression or directive iterates: a list's (index, item), an object's
/// (key, value). `Ok(None)` when the value is not a collection.
pub(super) fn iterate(v: &Value) -> Result<Option<Vec<(Value, Value)>>, Arc<Unknown>> {
    match &v.kind {
        Kind::List(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                out.push((Value::new(Kind::Number(i as f64), item.loc), item.clone()));
            }
            Ok(Some(out))
        }
        Kind::Object(entries) => {
            Ok(Some(entries.iter().map(|e| (Value::string(Arc::clone(&e.key), e.key_loc), e.value.clone())).collect()))
        }
        Kind::Unknown(u) => Err(Arc::clone(u)),
        Kind::Partial(_) => Err(unknown_arc(v, v.loc)),
        _ => Ok(None),
    }
}
