//! Generic listing: `$filter` compiled to SQL, keyset paging with opaque skip tokens, `$count`.

use crate::db::{Db, Row};
use crate::sql::{Param, Sql};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use gdap_domain::query::{CmpOp, Dir, ListQuery, Schema, StrFn, TypedFilter, Value};
use gdap_domain::timefmt::to_micros;
use gdap_store::StoreError;
use serde::{Deserialize, Serialize};

/// How a property is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColKind {
    /// Text compared as stored (ids, enum names).
    Text,
    /// Text compared in lower case; the expression already yields lower case.
    Lower,
    /// Integer (instants in microseconds).
    Int,
}

/// The column behind a schema property.
#[derive(Debug, Clone, Copy)]
pub struct Col {
    /// The property path, as in the schema.
    pub path: &'static str,
    /// SQL expression to filter on (may be NULL).
    pub expr: &'static str,
    /// SQL expression to sort on (never NULL).
    pub sort: &'static str,
    /// Storage type.
    pub kind: ColKind,
}

/// Where a listing reads from.
pub struct Source<'a> {
    /// The schema the query was checked against.
    pub schema: &'a Schema,
    /// Columns, one per schema field (matched by path).
    pub cols: &'a [Col],
    /// Column list to select.
    pub select: &'a str,
    /// `FROM …` text (a table or a sub-select), with its own parameters.
    pub from: Sql,
    /// Conditions that scope the listing (tenant, relationship), with parameters.
    pub scope: Vec<(&'a str, Param)>,
    /// Unique tie-breaker column, sorted ascending last.
    pub id: &'a str,
    /// Default sort when `$orderby` is absent.
    pub default_order: &'a [(&'a str, Dir)],
}

#[derive(Serialize, Deserialize)]
struct Cursor {
    /// Signature of the sort order, so a token is not reused with another `$orderby`.
    o: String,
    /// Sort key values of the last row.
    k: Vec<Key>,
    /// Id of the last row.
    i: String,
}

#[derive(Serialize, Deserialize, Clone, PartialEq)]
#[serde(untagged)]
enum Key {
    I(i64),
    T(String),
}

fn col<'a>(src: &'a Source<'_>, field: usize) -> Result<&'a Col, StoreError> {
    let path = src
        .schema
        .fields
        .get(field)
        .map(|f| f.path)
        .unwrap_or_default();
    src.cols
        .iter()
        .find(|c| c.path == path)
        .ok_or_else(|| StoreError::Internal(format!("no column for `{path}`")))
}

fn value_param(c: &Col, v: &Value) -> Param {
    match v {
        Value::Text(s) if c.kind == ColKind::Lower => Param::Text(s.to_lowercase()),
        Value::Text(s) => Param::Text(s.clone()),
        Value::DateTime(t) => Param::Int(to_micros(*t)),
        Value::Null => Param::OptText(None),
    }
}

fn compile(src: &Source<'_>, f: &TypedFilter, sql: &mut Sql) -> Result<(), StoreError> {
    match f {
        TypedFilter::And(a, b) | TypedFilter::Or(a, b) => {
            sql.push("(");
            compile(src, a, sql)?;
            sql.push(if matches!(f, TypedFilter::And(..)) {
                " AND "
            } else {
                " OR "
            });
            compile(src, b, sql)?;
            sql.push(")");
        }
        TypedFilter::Not(a) => {
            sql.push("NOT (");
            compile(src, a, sql)?;
            sql.push(")");
        }
        TypedFilter::Cmp(i, op, v) => {
            let c = col(src, *i)?;
            if *v == Value::Null {
                sql.push(match op {
                    CmpOp::Eq => "(",
                    CmpOp::Ne => "(",
                    _ => "(1=0 AND ",
                });
                sql.push(c.expr);
                sql.push(if *op == CmpOp::Ne {
                    " IS NOT NULL)"
                } else {
                    " IS NULL)"
                });
                return Ok(());
            }
            if *op == CmpOp::Ne {
                sql.push("(")
                    .push(c.expr)
                    .push(" IS NULL OR ")
                    .push(c.expr)
                    .push(" <> ");
                sql.bind(value_param(c, v));
                sql.push(")");
                return Ok(());
            }
            let o = match op {
                CmpOp::Eq => " = ",
                CmpOp::Lt => " < ",
                CmpOp::Le => " <= ",
                CmpOp::Gt => " > ",
                CmpOp::Ge => " >= ",
                CmpOp::Ne => " <> ",
            };
            sql.push(c.expr).push(o);
            sql.bind(value_param(c, v));
        }
        TypedFilter::In(i, vs) => {
            let c = col(src, *i)?;
            let has_null = vs.contains(&Value::Null);
            let vals: Vec<_> = vs.iter().filter(|v| **v != Value::Null).collect();
            sql.push("(");
            if vals.is_empty() {
                sql.push("1=0");
            } else {
                sql.push(c.expr).push(" IN (");
                for (n, v) in vals.iter().enumerate() {
                    if n > 0 {
                        sql.push(", ");
                    }
                    sql.bind(value_param(c, v));
                }
                sql.push(")");
            }
            if has_null {
                sql.push(" OR ").push(c.expr).push(" IS NULL");
            }
            sql.push(")");
        }
        TypedFilter::Func(func, i, text) => {
            let c = col(src, *i)?;
            let esc: String = text
                .to_lowercase()
                .chars()
                .flat_map(|ch| match ch {
                    '%' | '_' | '\\' => vec!['\\', ch],
                    other => vec![other],
                })
                .collect();
            let pattern = match func {
                StrFn::StartsWith => format!("{esc}%"),
                StrFn::EndsWith => format!("%{esc}"),
                StrFn::Contains => format!("%{esc}%"),
            };
            sql.push(c.expr).push(" LIKE ");
            sql.text(pattern);
            sql.push(" ESCAPE '\\'");
        }
    }
    Ok(())
}

/// Sort keys in force: requested order, or the default, always ending with the id.
fn order<'a>(
    src: &'a Source<'_>,
    q: &ListQuery,
) -> Result<Vec<(&'a str, ColKind, Dir)>, StoreError> {
    let mut keys = Vec::new();
    if q.order.is_empty() {
        for (expr, dir) in src.default_order {
            let kind = src
                .cols
                .iter()
                .find(|c| c.sort == *expr)
                .map_or(ColKind::Int, |c| c.kind);
            keys.push((*expr, kind, *dir));
        }
    } else {
        for (i, dir) in &q.order {
            let c = col(src, *i)?;
            keys.push((c.sort, c.kind, *dir));
        }
    }
    keys.retain(|(e, _, _)| *e != src.id);
    keys.push((src.id, ColKind::Text, Dir::Asc));
    Ok(keys)
}

fn signature(keys: &[(&str, ColKind, Dir)]) -> String {
    keys.iter()
        .map(|(e, _, d)| format!("{e}:{}", if *d == Dir::Asc { 'a' } else { 'd' }))
        .collect::<Vec<_>>()
        .join(",")
}

fn where_clause(src: &Source<'_>, q: &ListQuery, sql: &mut Sql) -> Result<(), StoreError> {
    sql.push(" WHERE 1=1");
    for (cond, p) in &src.scope {
        sql.push(" AND ").push(cond).push(" = ");
        sql.bind(p.clone());
    }
    if let Some(f) = &q.filter {
        sql.push(" AND ");
        compile(src, f, sql)?;
    }
    Ok(())
}

/// Runs a page query; `map` turns a row into an item. Returns items, next token and count.
pub async fn list<T>(
    db: &dyn Db,
    src: Source<'_>,
    q: &ListQuery,
    map: impl Fn(&Row) -> Result<T, StoreError>,
) -> Result<(Vec<T>, Option<String>, Option<u64>), StoreError> {
    let top = q.top.max(1);
    let keys = order(&src, q)?;
    let sig = signature(&keys);
    let mut sql = Sql::new("SELECT ");
    sql.push(src.select);
    for (n, (e, _, _)) in keys.iter().enumerate() {
        sql.push(&format!(", {e} AS k{n}"));
    }
    sql.push(" FROM ");
    sql.append(&src.from);
    where_clause(&src, q, &mut sql)?;

    if let Some(token) = &q.skip_token {
        let cursor = decode(token)?;
        if cursor.o != sig || cursor.k.len() != keys.len() - 1 {
            return Err(StoreError::BadSkipToken);
        }
        let mut vals: Vec<Param> = cursor
            .k
            .iter()
            .zip(&keys)
            .map(|(k, (_, kind, _))| match (k, kind) {
                (Key::I(n), ColKind::Int) => Ok(Param::Int(*n)),
                (Key::T(s), ColKind::Text | ColKind::Lower) => Ok(Param::Text(s.clone())),
                _ => Err(StoreError::BadSkipToken),
            })
            .collect::<Result<_, _>>()?;
        vals.push(Param::Text(cursor.i));
        // k0 >= v0 AND ((k0 > v0) OR (k0 = v0 AND k1 > v1) OR …), comparisons flipped for descending
        // keys. The leading bound lets the engine start an index range at the cursor; without it a
        // prepared statement's OR chain scans from the first row.
        sql.push(" AND ")
            .push(keys[0].0)
            .push(if keys[0].2 == Dir::Asc {
                " >= "
            } else {
                " <= "
            });
        sql.bind(vals[0].clone());
        sql.push(" AND (");
        for n in 0..keys.len() {
            if n > 0 {
                sql.push(" OR ");
            }
            sql.push("(");
            for (m, val) in vals.iter().enumerate().take(n) {
                sql.push(keys[m].0).push(" = ");
                sql.bind(val.clone());
                sql.push(" AND ");
            }
            sql.push(keys[n].0)
                .push(if keys[n].2 == Dir::Asc { " > " } else { " < " });
            sql.bind(vals[n].clone());
            sql.push(")");
        }
        sql.push(")");
    }
    sql.push(" ORDER BY ");
    for (n, (e, _, d)) in keys.iter().enumerate() {
        if n > 0 {
            sql.push(", ");
        }
        sql.push(e)
            .push(if *d == Dir::Asc { " ASC" } else { " DESC" });
    }
    let limit = i64::try_from(top + 1).unwrap_or(301);
    sql.push(" LIMIT ");
    sql.int(limit);
    if q.skip > 0 && q.skip_token.is_none() {
        sql.push(" OFFSET ");
        sql.int(i64::try_from(q.skip).unwrap_or(0));
    }
    let rows = db.query(sql).await?;
    let more = rows.len() > top;
    let mut items = Vec::with_capacity(rows.len().min(top));
    for row in rows.iter().take(top) {
        items.push(map(row)?);
    }
    let next = if more {
        let last = &rows[top - 1];
        let mut k = Vec::new();
        for (n, (_, kind, _)) in keys.iter().enumerate().take(keys.len() - 1) {
            let name = format!("k{n}");
            k.push(match kind {
                ColKind::Int => Key::I(last.int(&name)?),
                _ => Key::T(last.text(&name)?),
            });
        }
        let i = last.text(&format!("k{}", keys.len() - 1))?;
        Some(encode(&Cursor { o: sig, k, i }))
    } else {
        None
    };
    let count = if q.count {
        let mut c = Sql::new("SELECT COUNT(*) AS n FROM ");
        c.append(&src.from);
        where_clause(&src, q, &mut c)?;
        let rows = db.query(c).await?;
        let n = rows.first().map(|r| r.int("n")).transpose()?.unwrap_or(0);
        Some(u64::try_from(n).unwrap_or(0))
    } else {
        None
    };
    Ok((items, next, count))
}

fn encode(c: &Cursor) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(c).unwrap_or_default())
}

fn decode(token: &str) -> Result<Cursor, StoreError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(token.trim())
        .map_err(|_| StoreError::BadSkipToken)?;
    serde_json::from_slice(&bytes).map_err(|_| StoreError::BadSkipToken)
}
