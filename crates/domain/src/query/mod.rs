//! OData query options (`$filter`, `$orderby`, `$select`, `$top`, `$skip`, `$count`, `$skiptoken`),
//! parsed and type-checked against the properties a resource exposes.

mod filter;
pub mod schemas;

pub use filter::{parse_filter, CmpOp, Filter, Literal, StrFn};

use time::OffsetDateTime;

use crate::enums::GraphEnum;
use crate::timefmt::parse_rfc3339;

/// Largest page a client can ask for.
pub const MAX_TOP: usize = 300;
/// Page size when the client does not ask.
pub const DEFAULT_TOP: usize = 300;
/// Largest `$skip`.
pub const MAX_SKIP: usize = 500;

/// A query option that cannot be understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QueryError {
    /// Syntax error in `$filter`.
    #[error("invalid `$filter`: {0}")]
    Filter(String),
    /// Unknown property in an option.
    #[error("`{property}` is not a property that `{option}` supports here; use one of {allowed}")]
    UnknownProperty {
        /// The option.
        option: &'static str,
        /// The property as written.
        property: String,
        /// What is supported.
        allowed: String,
    },
    /// A value of the wrong type for its property.
    #[error("invalid `$filter`: {0}")]
    Type(String),
    /// Bad `$top`, `$skip`, `$count`, `$orderby` syntax.
    #[error("invalid `{option}`: {reason}")]
    Option {
        /// The option.
        option: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// An option this resource does not support.
    #[error("the query option `{0}` is not supported on this resource")]
    Unsupported(String),
    /// A `$skiptoken` that was not produced by this server.
    #[error("the `$skiptoken` is not valid; follow `@odata.nextLink` exactly as returned")]
    BadSkipToken,
}

/// The type of a filterable property.
#[derive(Debug, Clone, Copy)]
pub enum FieldKind {
    /// Free text (compared case-insensitively).
    Text,
    /// An identifier (compared in lower case).
    Id,
    /// A Graph enumeration; the closure checks membership.
    Enum(&'static str, fn(&str) -> bool),
    /// An instant.
    DateTime,
    /// `true` or `false` (compared as the text `'true'` or `'false'`).
    Bool,
}

/// A property that queries can name.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// Its path as Graph writes it (`customer/tenantId`).
    pub path: &'static str,
    /// Its type.
    pub kind: FieldKind,
    /// Whether `$filter` can use it.
    pub filterable: bool,
    /// Whether `$orderby` can use it.
    pub sortable: bool,
}

impl Field {
    /// A property usable in `$filter` and `$orderby`.
    pub const fn new(path: &'static str, kind: FieldKind) -> Self {
        Self {
            path,
            kind,
            filterable: true,
            sortable: true,
        }
    }
}

/// Membership test for an enumeration, for [`FieldKind::Enum`].
pub fn is_member<E: GraphEnum>(s: &str) -> bool {
    E::from_name(s).is_some()
}

/// What a collection exposes to queries.
#[derive(Debug, Clone, Copy)]
pub struct Schema {
    /// Filterable / sortable properties.
    pub fields: &'static [Field],
    /// Property names `$select` accepts.
    pub selectable: &'static [&'static str],
    /// Whether `$orderby` is supported at all.
    pub orderby: bool,
    /// The largest `$top` (Graph's GDAP collections take 300, `users` 999).
    pub max_top: usize,
}

impl Schema {
    fn field(&self, path: &str) -> Option<usize> {
        self.fields
            .iter()
            .position(|f| f.path.eq_ignore_ascii_case(path))
    }

    fn list(&self, pred: impl Fn(&Field) -> bool) -> String {
        self.fields
            .iter()
            .filter(|f| pred(f))
            .map(|f| format!("`{}`", f.path))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A typed value in a checked filter.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Text or identifier (identifiers already lower-cased).
    Text(String),
    /// An instant.
    DateTime(OffsetDateTime),
    /// `null`.
    Null,
}

/// A filter whose properties are resolved to schema indexes and whose values are typed.
#[derive(Debug, Clone, PartialEq)]
pub enum TypedFilter {
    /// Both.
    And(Box<TypedFilter>, Box<TypedFilter>),
    /// Either.
    Or(Box<TypedFilter>, Box<TypedFilter>),
    /// Negation.
    Not(Box<TypedFilter>),
    /// Comparison of field `.0`.
    Cmp(usize, CmpOp, Value),
    /// Membership of field `.0`.
    In(usize, Vec<Value>),
    /// String function on field `.1`.
    Func(StrFn, usize, String),
}

/// Sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    /// Ascending.
    Asc,
    /// Descending.
    Desc,
}

/// A checked list request.
#[derive(Debug, Clone)]
pub struct ListQuery {
    /// `$filter`.
    pub filter: Option<TypedFilter>,
    /// `$orderby`, as (field index, direction).
    pub order: Vec<(usize, Dir)>,
    /// Page size.
    pub top: usize,
    /// Rows to skip before the page (`$skip`).
    pub skip: usize,
    /// Whether `@odata.count` is wanted.
    pub count: bool,
    /// Opaque continuation from a previous page.
    pub skip_token: Option<String>,
    /// `$select`, canonical names; empty = all.
    pub select: Vec<&'static str>,
}

impl Default for ListQuery {
    fn default() -> Self {
        Self {
            filter: None,
            order: Vec::new(),
            top: DEFAULT_TOP,
            skip: 0,
            count: false,
            skip_token: None,
            select: Vec::new(),
        }
    }
}

/// Raw query options as they arrive (already URL-decoded), keyed without case sensitivity.
#[derive(Debug, Clone, Default)]
pub struct RawQuery {
    /// `(name, value)` pairs.
    pub pairs: Vec<(String, String)>,
}

impl RawQuery {
    /// The value of an option, by its name in any case.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| {
                k.eq_ignore_ascii_case(name)
                    || k.strip_prefix('$')
                        .is_some_and(|k| k.eq_ignore_ascii_case(&name[1..]))
            })
            .map(|(_, v)| v.as_str())
    }
}

/// Parses and checks the options of a collection request.
pub fn parse_list_query(
    schema: &Schema,
    raw: &RawQuery,
    allow_expand: bool,
) -> Result<ListQuery, QueryError> {
    for (k, _) in &raw.pairs {
        let known = [
            "$filter",
            "$orderby",
            "$select",
            "$top",
            "$skip",
            "$count",
            "$skiptoken",
            "$expand",
        ];
        let k_l = k.to_ascii_lowercase();
        if k_l.starts_with('$') && !known.contains(&k_l.as_str()) {
            return Err(QueryError::Unsupported(k.clone()));
        }
        if k_l == "$expand" && !allow_expand {
            return Err(QueryError::Unsupported(k.clone()));
        }
        if k_l == "$orderby" && !schema.orderby {
            return Err(QueryError::Unsupported(k.clone()));
        }
    }
    let mut q = ListQuery::default();
    if let Some(f) = raw.get("$filter") {
        q.filter = Some(check(schema, parse_filter(f)?)?);
    }
    if let Some(o) = raw.get("$orderby") {
        q.order = parse_orderby(schema, o)?;
    }
    if let Some(t) = raw.get("$top") {
        q.top = match t.trim().parse::<usize>() {
            Ok(n) if (1..=schema.max_top).contains(&n) => n,
            _ => {
                return Err(QueryError::Option {
                    option: "$top",
                    reason: format!(
                        "`{}` must be a whole number from 1 to {}",
                        short(t),
                        schema.max_top
                    ),
                })
            }
        };
    }
    if let Some(s) = raw.get("$skip") {
        q.skip = match s.trim().parse::<usize>() {
            Ok(n) if n <= MAX_SKIP => n,
            _ => {
                return Err(QueryError::Option {
                    option: "$skip",
                    reason: format!("`{}` must be a whole number from 0 to {MAX_SKIP}", short(s)),
                })
            }
        };
    }
    if let Some(c) = raw.get("$count") {
        q.count = match c.trim().to_ascii_lowercase().as_str() {
            "true" => true,
            "false" => false,
            _ => {
                return Err(QueryError::Option {
                    option: "$count",
                    reason: format!("`{}` must be `true` or `false`", short(c)),
                })
            }
        };
    }
    q.skip_token = raw.get("$skiptoken").map(str::to_owned);
    if let Some(s) = raw.get("$select") {
        q.select = parse_select(schema, s)?;
    }
    Ok(q)
}

/// Parses `$select` for a single item.
pub fn parse_item_query(
    schema: &Schema,
    raw: &RawQuery,
    allow_expand: bool,
) -> Result<Vec<&'static str>, QueryError> {
    for (k, _) in &raw.pairs {
        let k_l = k.to_ascii_lowercase();
        if k_l.starts_with('$') && k_l != "$select" && !(allow_expand && k_l == "$expand") {
            return Err(QueryError::Unsupported(k.clone()));
        }
    }
    match raw.get("$select") {
        Some(s) => parse_select(schema, s),
        None => Ok(Vec::new()),
    }
}

fn short(s: &str) -> String {
    s.chars().take(40).collect()
}

fn parse_select(schema: &Schema, s: &str) -> Result<Vec<&'static str>, QueryError> {
    let mut out = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let name = schema
            .selectable
            .iter()
            .find(|n| n.eq_ignore_ascii_case(part))
            .ok_or_else(|| QueryError::UnknownProperty {
                option: "$select",
                property: short(part),
                allowed: schema
                    .selectable
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
            })?;
        if !out.contains(name) {
            out.push(*name);
        }
    }
    Ok(out)
}

fn parse_orderby(schema: &Schema, s: &str) -> Result<Vec<(usize, Dir)>, QueryError> {
    let mut out = Vec::new();
    for part in s.split(',').map(str::trim) {
        let mut words = part.split_whitespace();
        let Some(path) = words.next() else {
            return Err(QueryError::Option {
                option: "$orderby",
                reason: "an empty sort key".to_owned(),
            });
        };
        let dir = match words.next().map(str::to_ascii_lowercase).as_deref() {
            None | Some("asc") => Dir::Asc,
            Some("desc") => Dir::Desc,
            Some(other) => {
                return Err(QueryError::Option {
                    option: "$orderby",
                    reason: format!("`{}` must be `asc` or `desc`", short(other)),
                })
            }
        };
        if words.next().is_some() {
            return Err(QueryError::Option {
                option: "$orderby",
                reason: format!("`{}` has extra words", short(part)),
            });
        }
        let idx = schema
            .field(path)
            .filter(|&i| schema.fields[i].sortable)
            .ok_or_else(|| QueryError::UnknownProperty {
                option: "$orderby",
                property: short(path),
                allowed: schema.list(|f| f.sortable),
            })?;
        if out.iter().any(|(i, _)| *i == idx) {
            continue;
        }
        out.push((idx, dir));
        if out.len() > 4 {
            return Err(QueryError::Option {
                option: "$orderby",
                reason: "at most four sort keys are supported".to_owned(),
            });
        }
    }
    Ok(out)
}

/// Resolves property names and types the values of a parsed filter.
pub fn check(schema: &Schema, f: Filter) -> Result<TypedFilter, QueryError> {
    Ok(match f {
        Filter::And(a, b) => {
            TypedFilter::And(Box::new(check(schema, *a)?), Box::new(check(schema, *b)?))
        }
        Filter::Or(a, b) => {
            TypedFilter::Or(Box::new(check(schema, *a)?), Box::new(check(schema, *b)?))
        }
        Filter::Not(a) => TypedFilter::Not(Box::new(check(schema, *a)?)),
        Filter::Cmp(path, op, lit) => {
            let i = resolve(schema, &path)?;
            let kind = schema.fields[i].kind;
            if !matches!(op, CmpOp::Eq | CmpOp::Ne)
                && matches!(kind, FieldKind::Enum(..) | FieldKind::Id)
            {
                return Err(QueryError::Type(format!(
                    "`{}` can only be compared with `eq`, `ne` or `in`",
                    schema.fields[i].path
                )));
            }
            TypedFilter::Cmp(i, op, value(schema, i, lit)?)
        }
        Filter::In(path, lits) => {
            let i = resolve(schema, &path)?;
            let vals = lits
                .into_iter()
                .map(|l| value(schema, i, l))
                .collect::<Result<_, _>>()?;
            TypedFilter::In(i, vals)
        }
        Filter::Func(func, path, text) => {
            let i = resolve(schema, &path)?;
            if !matches!(schema.fields[i].kind, FieldKind::Text) {
                return Err(QueryError::Type(format!(
                    "string functions only apply to text properties, not `{}`",
                    schema.fields[i].path
                )));
            }
            TypedFilter::Func(func, i, text)
        }
    })
}

fn resolve(schema: &Schema, path: &str) -> Result<usize, QueryError> {
    schema
        .field(path)
        .filter(|&i| schema.fields[i].filterable)
        .ok_or_else(|| QueryError::UnknownProperty {
            option: "$filter",
            property: short(path),
            allowed: schema.list(|f| f.filterable),
        })
}

fn value(schema: &Schema, i: usize, lit: Literal) -> Result<Value, QueryError> {
    let field = &schema.fields[i];
    match (field.kind, lit) {
        (_, Literal::Null) => Ok(Value::Null),
        (FieldKind::Text, Literal::Str(s)) => Ok(Value::Text(s)),
        (FieldKind::Id, Literal::Str(s)) => Ok(Value::Text(s.to_ascii_lowercase())),
        (FieldKind::Enum(kind, ok), Literal::Str(s)) => {
            if ok(&s) {
                Ok(Value::Text(s))
            } else {
                Err(QueryError::Type(format!(
                    "`{}` is not a valid {kind}",
                    short(&s)
                )))
            }
        }
        (FieldKind::DateTime, Literal::DateTime(t)) => Ok(Value::DateTime(t)),
        (FieldKind::Bool, Literal::Bool(b)) => Ok(Value::Text(b.to_string())),
        (FieldKind::DateTime, Literal::Str(s)) => {
            parse_rfc3339(&s).map(Value::DateTime).ok_or_else(|| {
                QueryError::Type(format!(
                    "`{}` is not a date-time such as 2025-01-01T00:00:00Z",
                    short(&s)
                ))
            })
        }
        (_, other) => Err(QueryError::Type(format!(
            "`{}` cannot be compared with {}",
            field.path,
            match other {
                Literal::Int(n) => format!("the number {n}"),
                Literal::Bool(b) => format!("`{b}`"),
                Literal::DateTime(_) => "a date-time".to_owned(),
                _ => "that value".to_owned(),
            }
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enums::RelationshipStatus;

    const FIELDS: &[Field] = &[
        Field::new(
            "status",
            FieldKind::Enum("relationship status", is_member::<RelationshipStatus>),
        ),
        Field::new("displayName", FieldKind::Text),
        Field::new("customer/tenantId", FieldKind::Id),
        Field::new("endDateTime", FieldKind::DateTime),
    ];
    const SCHEMA: Schema = Schema {
        fields: FIELDS,
        selectable: &["id", "displayName", "status", "@odata.etag"],
        orderby: true,
        max_top: MAX_TOP,
    };

    fn raw(pairs: &[(&str, &str)]) -> RawQuery {
        RawQuery {
            pairs: pairs
                .iter()
                .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
                .collect(),
        }
    }

    #[test]
    fn a_full_query_is_checked_against_the_schema() {
        let q = parse_list_query(
            &SCHEMA,
            &raw(&[
                (
                    "$filter",
                    "Status eq 'active' and CUSTOMER/TENANTID eq 'ABC'",
                ),
                ("$orderby", "displayName desc"),
                ("$top", "100"),
                ("$count", "true"),
                ("$select", "id,Status,@odata.etag"),
            ]),
            false,
        )
        .unwrap();
        assert_eq!(q.top, 100);
        assert!(q.count);
        assert_eq!(q.order, vec![(1, Dir::Desc)]);
        assert_eq!(q.select, vec!["id", "status", "@odata.etag"]);
        let Some(TypedFilter::And(_, b)) = q.filter else {
            panic!()
        };
        assert_eq!(
            *b,
            TypedFilter::Cmp(2, CmpOp::Eq, Value::Text("abc".into()))
        );
    }

    #[test]
    fn unknown_properties_and_values_are_named_in_the_error() {
        let e =
            parse_list_query(&SCHEMA, &raw(&[("$filter", "colour eq 'red'")]), false).unwrap_err();
        assert!(e.to_string().contains("`colour`"), "{e}");
        let e = parse_list_query(&SCHEMA, &raw(&[("$filter", "status eq 'sleeping'")]), false)
            .unwrap_err();
        assert!(
            e.to_string()
                .contains("`sleeping` is not a valid relationship status"),
            "{e}"
        );
        let e = parse_list_query(&SCHEMA, &raw(&[("$filter", "status lt 'active'")]), false)
            .unwrap_err();
        assert!(e.to_string().contains("`eq`"), "{e}");
        let e = parse_list_query(
            &SCHEMA,
            &raw(&[("$filter", "endDateTime lt 'soon'")]),
            false,
        )
        .unwrap_err();
        assert!(e.to_string().contains("date-time"), "{e}");
        let e = parse_list_query(&SCHEMA, &raw(&[("$top", "301")]), false).unwrap_err();
        assert!(e.to_string().contains("1 to 300"), "{e}");
        let e = parse_list_query(&SCHEMA, &raw(&[("$search", "x")]), false).unwrap_err();
        assert_eq!(e, QueryError::Unsupported("$search".into()));
        let e = parse_list_query(&SCHEMA, &raw(&[("$select", "secret")]), false).unwrap_err();
        assert!(e.to_string().contains("`secret`"), "{e}");
    }
}

#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn the_filter_parser_never_panics(s in "\\PC{0,120}") {
            let _ = parse_filter(&s);
        }

        #[test]
        fn the_filter_parser_never_panics_on_filter_like_input(
            s in "[a-zA-Z/ ()',0-9:.-]{0,160}"
        ) {
            let _ = parse_filter(&s);
        }
    }
}
