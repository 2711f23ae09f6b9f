//! Parser for the OData `$filter` subset that Graph GDAP clients use.
//!
//! Grammar (keywords case-insensitive):
//! ```text
//! expr    := and ("or" and)*
//! and     := unary ("and" unary)*
//! unary   := "not" unary | primary
//! primary := "(" expr ")" | path op literal | path "in" "(" literal ("," literal)* ")"
//!          | ("startswith" | "endswith" | "contains") "(" path "," literal ")"
//! op      := eq | ne | lt | le | gt | ge
//! literal := 'text' ('' escapes a quote) | number | true | false | null | date-time | GUID
//! ```

use time::OffsetDateTime;

use super::QueryError;
use crate::timefmt::parse_rfc3339;

/// Longest `$filter` accepted, in bytes.
pub const MAX_FILTER_LEN: usize = 4096;
/// Deepest nesting of parentheses and `not`.
pub const MAX_DEPTH: usize = 32;
/// Most values in one `in (...)` list.
pub const MAX_IN_VALUES: usize = 300;

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    /// `eq`
    Eq,
    /// `ne`
    Ne,
    /// `lt`
    Lt,
    /// `le`
    Le,
    /// `gt`
    Gt,
    /// `ge`
    Ge,
}

/// A string function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StrFn {
    /// `startswith(p, 'x')`
    StartsWith,
    /// `endswith(p, 'x')`
    EndsWith,
    /// `contains(p, 'x')`
    Contains,
}

/// A literal value.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// `'text'`
    Str(String),
    /// An integer.
    Int(i64),
    /// `true` / `false`
    Bool(bool),
    /// `null`
    Null,
    /// An unquoted RFC 3339 date-time.
    DateTime(OffsetDateTime),
}

/// A parsed filter expression over property paths (`status`, `customer/tenantId` …).
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// Both.
    And(Box<Filter>, Box<Filter>),
    /// Either.
    Or(Box<Filter>, Box<Filter>),
    /// Negation.
    Not(Box<Filter>),
    /// `path op literal`.
    Cmp(String, CmpOp, Literal),
    /// `path in (a, b, …)`.
    In(String, Vec<Literal>),
    /// `fn(path, 'text')`.
    Func(StrFn, String, String),
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Int(i64),
    DateTime(OffsetDateTime),
    LParen,
    RParen,
    Comma,
}

fn lex(s: &str) -> Result<Vec<Tok>, QueryError> {
    let bad = |why: &str| QueryError::Filter(why.to_owned());
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b' ' | b'\t' | b'\r' | b'\n' => i += 1,
            b'(' => {
                out.push(Tok::LParen);
                i += 1;
            }
            b')' => {
                out.push(Tok::RParen);
                i += 1;
            }
            b',' => {
                out.push(Tok::Comma);
                i += 1;
            }
            b'\'' => {
                let mut text = String::new();
                i += 1;
                loop {
                    let Some(rest) = s.get(i..) else {
                        return Err(bad("a quoted string is not closed"));
                    };
                    match rest.find('\'') {
                        None => return Err(bad("a quoted string is not closed")),
                        Some(j) => {
                            text.push_str(&rest[..j]);
                            i += j + 1;
                            if b.get(i) == Some(&b'\'') {
                                text.push('\'');
                                i += 1;
                            } else {
                                break;
                            }
                        }
                    }
                }
                out.push(Tok::Str(text));
            }
            _ if c.is_ascii_alphanumeric() || c == b'_' || c == b'@' || c == b'-' || c == b'+' => {
                let start = i;
                while i < b.len()
                    && (b[i].is_ascii_alphanumeric()
                        || matches!(b[i], b'_' | b'/' | b'.' | b':' | b'-' | b'+' | b'@'))
                {
                    i += 1;
                }
                let word = &s[start..i];
                out.push(classify(word));
            }
            _ => {
                let ch = s[i..].chars().next().unwrap_or('?');
                return Err(QueryError::Filter(format!("unexpected character `{ch}`")));
            }
        }
    }
    Ok(out)
}

fn classify(word: &str) -> Tok {
    if let Ok(n) = word.parse::<i64>() {
        return Tok::Int(n);
    }
    if word.len() >= 20 && word.as_bytes().get(4) == Some(&b'-') && word.contains('T') {
        if let Some(t) = parse_rfc3339(word) {
            return Tok::DateTime(t);
        }
    }
    if uuid::Uuid::try_parse(word).is_ok() && word.len() == 36 {
        return Tok::Str(word.to_owned());
    }
    Tok::Ident(word.to_owned())
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
    depth: usize,
}

fn kw(t: Option<&Tok>, k: &str) -> bool {
    matches!(t, Some(Tok::Ident(w)) if w.eq_ignore_ascii_case(k))
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn expect(&mut self, want: &Tok, what: &str) -> Result<(), QueryError> {
        match self.next() {
            Some(t) if t == *want => Ok(()),
            _ => Err(QueryError::Filter(format!("expected {what}"))),
        }
    }

    fn enter(&mut self) -> Result<(), QueryError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(QueryError::Filter(format!(
                "the expression nests deeper than {MAX_DEPTH} levels"
            )));
        }
        Ok(())
    }

    fn expr(&mut self) -> Result<Filter, QueryError> {
        let mut left = self.and()?;
        while kw(self.peek(), "or") {
            self.pos += 1;
            let right = self.and()?;
            left = Filter::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Filter, QueryError> {
        let mut left = self.unary()?;
        while kw(self.peek(), "and") {
            self.pos += 1;
            let right = self.unary()?;
            left = Filter::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Filter, QueryError> {
        if kw(self.peek(), "not") {
            self.pos += 1;
            self.enter()?;
            let inner = self.unary()?;
            self.depth -= 1;
            return Ok(Filter::Not(Box::new(inner)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Filter, QueryError> {
        match self.next() {
            Some(Tok::LParen) => {
                self.enter()?;
                let e = self.expr()?;
                self.depth -= 1;
                self.expect(&Tok::RParen, "`)`")?;
                Ok(e)
            }
            Some(Tok::Ident(word)) => {
                let func = match word.to_ascii_lowercase().as_str() {
                    "startswith" => Some(StrFn::StartsWith),
                    "endswith" => Some(StrFn::EndsWith),
                    "contains" => Some(StrFn::Contains),
                    _ => None,
                };
                if let (Some(f), Some(Tok::LParen)) = (func, self.peek()) {
                    self.pos += 1;
                    let path = match self.next() {
                        Some(Tok::Ident(p)) => p,
                        _ => {
                            return Err(QueryError::Filter(format!(
                                "`{word}` needs a property name first"
                            )))
                        }
                    };
                    self.expect(&Tok::Comma, "`,`")?;
                    let text = match self.next() {
                        Some(Tok::Str(s)) => s,
                        _ => {
                            return Err(QueryError::Filter(format!(
                                "`{word}` needs a quoted string second"
                            )))
                        }
                    };
                    self.expect(&Tok::RParen, "`)`")?;
                    return Ok(Filter::Func(f, path, text));
                }
                self.comparison(word)
            }
            Some(_) => Err(QueryError::Filter(
                "expected a property name or `(`".to_owned(),
            )),
            None => Err(QueryError::Filter(
                "the expression ends too early".to_owned(),
            )),
        }
    }

    fn comparison(&mut self, path: String) -> Result<Filter, QueryError> {
        let op = match self.next() {
            Some(Tok::Ident(w)) => w.to_ascii_lowercase(),
            _ => {
                return Err(QueryError::Filter(format!(
                    "expected an operator after `{path}`"
                )))
            }
        };
        let op = match op.as_str() {
            "eq" => CmpOp::Eq,
            "ne" => CmpOp::Ne,
            "lt" => CmpOp::Lt,
            "le" => CmpOp::Le,
            "gt" => CmpOp::Gt,
            "ge" => CmpOp::Ge,
            "in" => {
                self.expect(&Tok::LParen, "`(` after `in`")?;
                let mut values = vec![self.literal()?];
                while self.peek() == Some(&Tok::Comma) {
                    self.pos += 1;
                    values.push(self.literal()?);
                    if values.len() > MAX_IN_VALUES {
                        return Err(QueryError::Filter(format!(
                            "an `in` list holds at most {MAX_IN_VALUES} values"
                        )));
                    }
                }
                self.expect(&Tok::RParen, "`)` to close the `in` list")?;
                return Ok(Filter::In(path, values));
            }
            other => {
                return Err(QueryError::Filter(format!(
                    "`{other}` is not a supported operator; use eq, ne, lt, le, gt, ge or in"
                )))
            }
        };
        Ok(Filter::Cmp(path, op, self.literal()?))
    }

    fn literal(&mut self) -> Result<Literal, QueryError> {
        match self.next() {
            Some(Tok::Str(s)) => Ok(Literal::Str(s)),
            Some(Tok::Int(n)) => Ok(Literal::Int(n)),
            Some(Tok::DateTime(t)) => Ok(Literal::DateTime(t)),
            Some(Tok::Ident(w)) if w.eq_ignore_ascii_case("true") => Ok(Literal::Bool(true)),
            Some(Tok::Ident(w)) if w.eq_ignore_ascii_case("false") => Ok(Literal::Bool(false)),
            Some(Tok::Ident(w)) if w.eq_ignore_ascii_case("null") => Ok(Literal::Null),
            Some(Tok::Ident(w)) => Err(QueryError::Filter(format!(
                "`{w}` is not a value; quote text values like 'active'"
            ))),
            _ => Err(QueryError::Filter("expected a value".to_owned())),
        }
    }
}

/// Parses a `$filter` expression.
pub fn parse_filter(s: &str) -> Result<Filter, QueryError> {
    if s.len() > MAX_FILTER_LEN {
        return Err(QueryError::Filter(format!(
            "the expression is longer than {MAX_FILTER_LEN} characters"
        )));
    }
    if s.trim().is_empty() {
        return Err(QueryError::Filter("the expression is empty".to_owned()));
    }
    let toks = lex(s)?;
    let mut p = Parser {
        toks,
        pos: 0,
        depth: 0,
    };
    let e = p.expr()?;
    if p.pos < p.toks.len() {
        return Err(QueryError::Filter(
            "unexpected text after the end of the expression".to_owned(),
        ));
    }
    Ok(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filters_used_in_the_wild_parse() {
        let f = parse_filter(
            "status eq 'active' and customer/tenantId eq '4fdbff88-9d6b-42e0-9713-45c922ba8001'",
        )
        .unwrap();
        assert!(matches!(f, Filter::And(_, _)));
        let f = parse_filter("(status eq 'active') AND (customer/tenantId eq 'x')").unwrap();
        assert!(matches!(f, Filter::And(_, _)));
        let f = parse_filter("AccessContainer/AccessContainerId eq '869713c9-0b28-4d08-8949-ae07ae1bf528' and Status eq 'active'").unwrap();
        assert!(matches!(f, Filter::And(_, _)));
        let f = parse_filter("status in ('active','expired')").unwrap();
        assert_eq!(
            f,
            Filter::In(
                "status".into(),
                vec![
                    Literal::Str("active".into()),
                    Literal::Str("expired".into())
                ]
            )
        );
        let f = parse_filter("endDateTime lt 2025-01-01T00:00:00Z").unwrap();
        assert!(matches!(f, Filter::Cmp(_, CmpOp::Lt, Literal::DateTime(_))));
        let f = parse_filter("startswith(displayName,'Con''toso')").unwrap();
        assert_eq!(
            f,
            Filter::Func(StrFn::StartsWith, "displayName".into(), "Con'toso".into())
        );
        let f = parse_filter("not (status eq 'active' or status ne 'expired')").unwrap();
        assert!(matches!(f, Filter::Not(_)));
    }

    #[test]
    fn and_binds_tighter_than_or() {
        let f = parse_filter("a eq 'x' or b eq 'y' and c eq 'z'").unwrap();
        let Filter::Or(_, right) = f else {
            panic!("expected or at the top")
        };
        assert!(matches!(*right, Filter::And(_, _)));
    }

    #[test]
    fn broken_filters_are_refused_with_a_reason() {
        for bad in [
            "",
            "status",
            "status eq",
            "status eq active",
            "status eq 'active",
            "(status eq 'a'",
            "status like 'a'",
            "status eq 'a' extra",
            "status in ()",
            "startswith(displayName)",
            "status eq 'a' and",
            "§",
        ] {
            assert!(parse_filter(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn deep_nesting_is_refused_rather_than_overflowing_the_stack() {
        let deep = format!("{}status eq 'a'{}", "(".repeat(100), ")".repeat(100));
        assert!(parse_filter(&deep).is_err());
        let nots = format!("{}status eq 'a'", "not ".repeat(100));
        assert!(parse_filter(&nots).is_err());
    }
}
