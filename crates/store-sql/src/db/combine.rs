//! One round trip per write on PostgreSQL: the statements of a transaction folded into a single
//! statement of data-modifying `WITH` clauses. A single statement is atomic by itself, every clause
//! runs exactly once whether or not its result is read, and a version-checked clause that did not
//! touch exactly one row aborts the whole statement through `gdap_expect_one` (error code
//! [`CONFLICT_CODE`]). Clauses share one snapshot and cannot see each other's rows, so only
//! inserts, updates and plain selects are folded: a transaction with a delete or schema change
//! runs statement by statement.

//!
//! Why this is not left to plain transactions: creating and locking relationships through two nodes
//! on one PostgreSQL measured 1,662 and 1,755 a second folded (with group commit) against 1,109 and
//! 1,079 with `BEGIN`, each statement and `COMMIT` (the same build, alternating runs), which holds the
//! target of 1,000 a second by a few per cent only. The statements are gdap's own, so their form
//! (`INSERT INTO t (…) VALUES (…)`, `UPDATE t`, `DELETE FROM t`, `SELECT`) is read from their text
//! here and nowhere else.
use std::collections::HashMap;

use super::Step;
use crate::sql::{renumbered, Sql};

/// The SQLSTATE `gdap_expect_one` raises when a checked clause did not affect exactly one row.
pub const CONFLICT_CODE: &str = "GD409";

/// PostgreSQL's limit on the parameters of one statement, with room to spare.
const MAX_PARAMS: usize = 30_000;

/// The most statements folded into one. Planning a statement costs more than in proportion to
/// its clauses, and a statement of a length seen once is planned afresh and prepared for nothing;
/// a longer transaction is run as several folded statements of [`CHUNK`] clauses.
pub const MAX_CLAUSES: usize = 96;

/// The clauses of each statement a long transaction is cut into (so the same few statements
/// recur and stay prepared).
pub const CHUNK: usize = 32;

/// The statement kinds that may share a statement.
pub fn foldable(sql: &str) -> bool {
    ["INSERT ", "UPDATE ", "SELECT "]
        .iter()
        .any(|k| sql.starts_with(k))
}

/// The table name at the start of `s`.
fn identifier(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// The table a data-modifying statement writes to.
pub fn target_table(sql: &str) -> Option<&str> {
    let rest = sql
        .strip_prefix("INSERT INTO ")
        .or_else(|| sql.strip_prefix("UPDATE "))
        .or_else(|| sql.strip_prefix("DELETE FROM "))?;
    Some(identifier(rest))
}

/// The tables a statement reads (`… FROM t`), besides the one it writes.
fn tables_read(sql: &str) -> impl Iterator<Item = &str> {
    sql.match_indices(" FROM ")
        .map(move |(i, m)| identifier(&sql[i + m.len()..]))
        .filter(|t| !t.is_empty())
}

/// Whether no statement depends on the effect of another: one statement works on the snapshot
/// from before any of its clauses ran, so an update of a row another clause inserts, a second
/// upsert of one key, an unchecked update beside another write of its table, or a clause reading
/// a table another writes would not do what running them in turn does. (Version-checked updates
/// of one table may share a statement: touching one row twice fails either way.)
pub fn self_contained(steps: &[Step]) -> bool {
    #[derive(Default)]
    struct Writes {
        inserts: usize,
        upserts: usize,
        checked: usize,
        unchecked: usize,
    }
    let mut by_table: HashMap<&str, Writes> = HashMap::new();
    for s in steps {
        let text = &s.sql.text;
        let Some(table) = target_table(text) else {
            continue;
        };
        let w = by_table.entry(table).or_default();
        match (text.starts_with("INSERT "), s.checked) {
            (true, _) if text.contains(" DO UPDATE ") => w.upserts += 1,
            (true, _) => w.inserts += 1,
            (false, true) => w.checked += 1,
            (false, false) => w.unchecked += 1,
        }
    }
    let writes_ok = by_table.values().all(|w| {
        let all = w.inserts + w.upserts + w.checked + w.unchecked;
        !(w.checked + w.unchecked > 0 && w.inserts + w.upserts > 0)
            && w.upserts <= 1
            && (w.unchecked == 0 || all == 1)
    });
    writes_ok
        && steps.iter().all(|s| {
            let own = target_table(&s.sql.text);
            tables_read(&s.sql.text).all(|t| Some(t) == own || !by_table.contains_key(t))
        })
}

/// One clause of a folded statement: a step, or several plain inserts of the same columns merged
/// into one multi-row insert. Its placeholders are numbered from `$1`.
struct Clause {
    text: String,
    params: Vec<crate::sql::Param>,
    checked: bool,
}

/// The part of a plain single-row insert that inserts of the same columns share, and its row:
/// `INSERT INTO t (a, b) VALUES ` and `($1, $2)`. `None` for anything else (an upsert, an insert
/// from a query, a checked statement).
fn insert_row(step: &Step) -> Option<(&str, &str)> {
    let text = &step.sql.text;
    if step.checked || !text.starts_with("INSERT INTO ") || text.contains(" ON CONFLICT ") {
        return None;
    }
    let at = text.find(" VALUES (")? + " VALUES ".len();
    let (head, row) = text.split_at(at);
    (row.ends_with(')') && !row.contains(" SELECT ")).then_some((head, row))
}

/// `steps` as clauses, plain inserts of the same columns merged into one (each merged clause is
/// one table node for the database to set up instead of one per row).
fn clauses(steps: &[Step]) -> Vec<Clause> {
    let mut out: Vec<Clause> = Vec::with_capacity(steps.len());
    let mut merged: HashMap<(&str, &str), usize> = HashMap::new();
    for step in steps {
        if let Some(key) = insert_row(step) {
            if let Some(&i) = merged.get(&key) {
                let c = &mut out[i];
                c.text.push_str(", ");
                renumbered(&mut c.text, key.1, c.params.len());
                c.params.extend(step.sql.params.iter().cloned());
                continue;
            }
            merged.insert(key, out.len());
        }
        out.push(Clause {
            text: step.sql.text.clone(),
            params: step.sql.params.clone(),
            checked: step.checked,
        });
    }
    out
}

/// The single statement equivalent to running `steps` in one transaction, or `None` where they
/// cannot share one (fewer than two or more than [`MAX_CLAUSES`], a delete or schema change,
/// statements that depend on each other, too many parameters).
pub fn combine(steps: &[Step]) -> Option<Sql> {
    let params: usize = steps.iter().map(|s| s.sql.params.len()).sum();
    if steps.len() < 2
        || steps.len() > MAX_CLAUSES
        || params > MAX_PARAMS
        || !steps.iter().all(|s| foldable(&s.sql.text))
        || !self_contained(steps)
    {
        return None;
    }
    let clauses = clauses(steps);
    let mut text = String::with_capacity(clauses.iter().map(|c| c.text.len() + 40).sum());
    let mut all = Vec::with_capacity(params);
    text.push_str("WITH ");
    for (i, c) in clauses.iter().enumerate() {
        if i > 0 {
            text.push_str(", ");
        }
        text.push_str(&format!("s{i} AS ("));
        renumbered(&mut text, &c.text, all.len());
        if !c.text.starts_with("SELECT ") {
            text.push_str(" RETURNING 1");
        }
        text.push(')');
        all.extend(c.params.iter().cloned());
    }
    text.push_str(" SELECT ");
    for (i, c) in clauses.iter().enumerate() {
        if i > 0 {
            text.push_str(", ");
        }
        if c.checked {
            text.push_str(&format!("gdap_expect_one((SELECT count(*) FROM s{i}))"));
        } else {
            text.push_str(&format!("(SELECT count(*) FROM s{i})"));
        }
    }
    Some(Sql { text, params: all })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::Param;

    fn step(text: &str, params: &[i64], checked: bool) -> Step {
        let mut sql = Sql::new(text);
        sql.params = params.iter().map(|n| Param::Int(*n)).collect();
        Step {
            sql,
            checked,
            on_unique: None,
        }
    }

    #[test]
    fn placeholders_of_later_statements_follow_those_of_earlier_ones() {
        let sql = combine(&[
            step("INSERT INTO a (x, y) VALUES ($1, $2)", &[1, 2], false),
            step(
                "UPDATE b SET x = $1 WHERE id = $2 AND version = $3",
                &[3, 4, 5],
                true,
            ),
            step("SELECT pg_notify('gdap_changes', '')", &[], false),
        ])
        .expect("foldable");
        assert_eq!(
            sql.text,
            "WITH s0 AS (INSERT INTO a (x, y) VALUES ($1, $2) RETURNING 1), \
             s1 AS (UPDATE b SET x = $3 WHERE id = $4 AND version = $5 RETURNING 1), \
             s2 AS (SELECT pg_notify('gdap_changes', '')) \
             SELECT (SELECT count(*) FROM s0), gdap_expect_one((SELECT count(*) FROM s1)), \
             (SELECT count(*) FROM s2)"
        );
        assert_eq!(sql.params.len(), 5);
    }

    #[test]
    fn plain_inserts_of_the_same_columns_become_one_multi_row_insert() {
        let sql = combine(&[
            step("INSERT INTO a (x, y) VALUES ($1, $2)", &[1, 2], false),
            step(
                "UPDATE b SET x = $1 WHERE id = $2 AND version = $3",
                &[3, 4, 5],
                true,
            ),
            step("INSERT INTO a (x, y) VALUES ($1, $2)", &[6, 7], false),
            step("INSERT INTO a (x) VALUES ($1)", &[8], false),
            step("INSERT INTO a (x, y) VALUES ($1, 'lit')", &[9], false),
        ])
        .expect("foldable");
        assert_eq!(
            sql.text,
            "WITH s0 AS (INSERT INTO a (x, y) VALUES ($1, $2), ($3, $4) RETURNING 1), \
             s1 AS (UPDATE b SET x = $5 WHERE id = $6 AND version = $7 RETURNING 1), \
             s2 AS (INSERT INTO a (x) VALUES ($8) RETURNING 1), \
             s3 AS (INSERT INTO a (x, y) VALUES ($9, 'lit') RETURNING 1) \
             SELECT (SELECT count(*) FROM s0), gdap_expect_one((SELECT count(*) FROM s1)), \
             (SELECT count(*) FROM s2), (SELECT count(*) FROM s3)"
        );
        let ints: Vec<i64> = sql
            .params
            .iter()
            .map(|p| match p {
                Param::Int(n) => *n,
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(ints, [1, 2, 6, 7, 3, 4, 5, 8, 9]);
    }

    #[test]
    fn dollar_signs_inside_string_literals_are_left_alone() {
        let sql = combine(&[
            step("INSERT INTO a (x) VALUES ($1)", &[1], false),
            step("INSERT INTO b (x, y) VALUES ('it''s $1', $1)", &[2], false),
        ])
        .expect("foldable");
        assert!(sql.text.contains("VALUES ('it''s $1', $2)"), "{}", sql.text);
    }

    #[test]
    fn deletes_schema_changes_and_single_statements_are_not_folded() {
        let insert = step("INSERT INTO a (x) VALUES ($1)", &[1], false);
        assert!(combine(std::slice::from_ref(&insert)).is_none());
        assert!(combine(&[insert.clone(), step("DELETE FROM a", &[], false)]).is_none());
        assert!(combine(&[step("CREATE TABLE t (x INT)", &[], false), insert]).is_none());
    }

    #[test]
    fn statements_that_depend_on_each_other_are_not_folded() {
        let insert = step("INSERT INTO a (id) VALUES ($1)", &[1], false);
        let update = step(
            "UPDATE a SET x = $1 WHERE id = $2 AND version = $3",
            &[1, 2, 3],
            true,
        );
        let upsert = step(
            "INSERT INTO s (k) VALUES ($1) ON CONFLICT (k) DO UPDATE SET v = 1",
            &[1],
            false,
        );
        let unchecked = step("UPDATE a SET x = $1", &[1], false);
        let reads_a = step(
            "INSERT INTO m (g, u) SELECT $1, id FROM a WHERE id = $2",
            &[1, 2],
            false,
        );
        // An update cannot see a row inserted beside it; two upserts of one key, an unchecked
        // update beside another write, a read of a written table: all differ from running in turn.
        assert!(combine(&[insert.clone(), update.clone()]).is_none());
        assert!(combine(&[upsert.clone(), upsert.clone()]).is_none());
        assert!(combine(&[unchecked, update.clone()]).is_none());
        assert!(combine(&[insert.clone(), reads_a.clone()]).is_none());
        // Independent writes, and checked updates of one table, may share a statement.
        assert!(combine(&[insert.clone(), insert.clone(), upsert]).is_some());
        assert!(combine(&[update.clone(), update]).is_some());
        assert!(combine(&[reads_a, step("INSERT INTO b (x) VALUES ($1)", &[1], false)]).is_some());
    }

    #[test]
    fn the_written_table_is_read_from_the_statement() {
        assert_eq!(
            target_table("INSERT INTO relationships (id) VALUES ($1)"),
            Some("relationships")
        );
        assert_eq!(
            target_table("UPDATE audit_log SET x = 1"),
            Some("audit_log")
        );
        assert_eq!(
            target_table("DELETE FROM group_members WHERE x"),
            Some("group_members")
        );
        assert_eq!(target_table("SELECT 1"), None);
    }
}
