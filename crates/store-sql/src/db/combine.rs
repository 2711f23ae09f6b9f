//! One round trip per write on PostgreSQL: the statements of a transaction folded into a single
//! statement of data-modifying `WITH` clauses. A single statement is atomic by itself, every clause
//! runs exactly once whether or not its result is read, and a version-checked clause that did not
//! touch exactly one row aborts the whole statement through `gdap_expect_one` (error code
//! [`CONFLICT_CODE`]). Clauses share one snapshot and cannot see each other's rows, so only
//! inserts, updates and plain selects are folded: a transaction with a delete or schema change
//! runs statement by statement.

use super::Step;
use crate::sql::Sql;

/// The SQLSTATE `gdap_expect_one` raises when a checked clause did not affect exactly one row.
pub const CONFLICT_CODE: &str = "GD409";

/// PostgreSQL's limit on the parameters of one statement, with room to spare.
const MAX_PARAMS: usize = 30_000;

/// The statement kinds that may share a statement.
fn foldable(sql: &str) -> bool {
    ["INSERT ", "UPDATE ", "SELECT "]
        .iter()
        .any(|k| sql.starts_with(k))
}

/// The table a data-modifying statement writes to.
pub fn target_table(sql: &str) -> Option<&str> {
    let rest = sql
        .strip_prefix("INSERT INTO ")
        .or_else(|| sql.strip_prefix("UPDATE "))
        .or_else(|| sql.strip_prefix("DELETE FROM "))?;
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    Some(&rest[..end])
}

/// Appends `text` to `out` with every `$n` placeholder outside string literals moved up by
/// `offset`.
fn renumbered(out: &mut String, text: &str, offset: usize) {
    let mut in_literal = false;
    let mut chars = text.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        out.push(c);
        match c {
            '\'' => in_literal = !in_literal,
            '$' if !in_literal => {
                let mut n = String::new();
                while let Some(&(_, d)) = chars.peek().filter(|(_, d)| d.is_ascii_digit()) {
                    n.push(d);
                    chars.next();
                }
                match n.parse::<usize>() {
                    Ok(n) => out.push_str(&(n + offset).to_string()),
                    Err(_) => out.push_str(&n),
                }
            }
            _ => {}
        }
    }
}

/// The single statement equivalent to running `steps` in one transaction, or `None` where they
/// cannot share one (fewer than two, a delete or schema change, too many parameters).
pub fn combine(steps: &[Step]) -> Option<Sql> {
    let params: usize = steps.iter().map(|s| s.sql.params.len()).sum();
    if steps.len() < 2 || params > MAX_PARAMS || !steps.iter().all(|s| foldable(&s.sql.text)) {
        return None;
    }
    let mut text = String::with_capacity(steps.iter().map(|s| s.sql.text.len() + 40).sum());
    let mut all = Vec::with_capacity(params);
    text.push_str("WITH ");
    for (i, step) in steps.iter().enumerate() {
        if i > 0 {
            text.push_str(", ");
        }
        text.push_str(&format!("s{i} AS ("));
        renumbered(&mut text, &step.sql.text, all.len());
        if !step.sql.text.starts_with("SELECT ") {
            text.push_str(" RETURNING 1");
        }
        text.push(')');
        all.extend(step.sql.params.iter().cloned());
    }
    text.push_str(" SELECT ");
    for (i, step) in steps.iter().enumerate() {
        if i > 0 {
            text.push_str(", ");
        }
        if step.checked {
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
