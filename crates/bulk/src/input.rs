//! The customers file: CSV with a header line, or a JSON array of objects, with the same fields.
//!
//! | field | |
//! |---|---|
//! | `tenantId` | the customer's tenant id (required) |
//! | `customerName` | its name, for the result file and the mail |
//! | `adminEmail` | who receives the invitation (needed when the tool mails it) |
//! | `domain` | its Microsoft 365 domain, for the mail |
//! | `language` | `ja` or `en`, for the mail (default: the run's) |
//! | `template` | the role template of this customer (default: the run's) |
//!
//! A malformed row is an error naming its row and field; the other rows are read on.

use std::collections::HashMap;

use gdap_domain::ids::TenantId;
use gdap_domain::mail::Language;
use serde::Deserialize;

/// A customer to work on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Customer {
    /// Where it is in the file: the line for CSV (the header is line 1), the position (from 1)
    /// for JSON.
    pub row: usize,
    /// Its tenant, in lowercase hyphenated form.
    pub tenant_id: String,
    /// Its name.
    pub name: Option<String>,
    /// Who receives the invitation.
    pub admin_email: Option<String>,
    /// Its Microsoft 365 domain.
    pub domain: Option<String>,
    /// The language of its mail.
    pub language: Option<Language>,
    /// Its template, when not the run's.
    pub template: Option<String>,
}

/// A row that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("row {row}: `{field}`: {message}")]
pub struct RowError {
    /// Its row.
    pub row: usize,
    /// Its tenant, when that much was readable.
    pub tenant_id: Option<String>,
    /// The field at fault.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

/// A file that cannot be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    /// Neither CSV with the known header nor a JSON array.
    #[error("{0}")]
    Format(String),
}

/// One row as written, before checks.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawRow {
    tenant_id: Option<String>,
    customer_name: Option<String>,
    admin_email: Option<String>,
    domain: Option<String>,
    language: Option<String>,
    template: Option<String>,
}

/// The rows of a file by row number, each as written or why it cannot be read.
type RawRows = Vec<(usize, Result<RawRow, String>)>;

const COLUMNS: [&str; 6] = [
    "tenantId",
    "customerName",
    "adminEmail",
    "domain",
    "language",
    "template",
];

fn error(row: usize, tenant: Option<&str>, field: &str, message: impl Into<String>) -> RowError {
    RowError {
        row,
        tenant_id: tenant.map(str::to_owned),
        field: field.to_owned(),
        message: message.into(),
    }
}

/// A field's text, trimmed; empty counts as absent.
fn text(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

fn check(row: usize, raw: RawRow) -> Result<Customer, RowError> {
    let tenant = text(raw.tenant_id).ok_or_else(|| error(row, None, "tenantId", "missing"))?;
    let tenant_id = TenantId::parse(&tenant)
        .map_err(|_| {
            error(
                row,
                None,
                "tenantId",
                format!("`{tenant}` is not a tenant id (a GUID)"),
            )
        })?
        .to_string();
    let at = Some(tenant_id.as_str());
    let one_line = |field: &str,
                    v: Option<String>,
                    max: usize|
     -> Result<Option<String>, RowError> {
        match text(v) {
            Some(s) if s.chars().any(char::is_control) || s.chars().count() > max => Err(error(
                row,
                at,
                field,
                format!("one line of at most {max} characters"),
            )),
            other => Ok(other),
        }
    };
    let admin_email = one_line("adminEmail", raw.admin_email, 254)?;
    if let Some(mail) = &admin_email {
        let valid = mail
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'))
            && !mail.contains(char::is_whitespace);
        if !valid {
            return Err(error(
                row,
                at,
                "adminEmail",
                format!("`{mail}` is not an e-mail address"),
            ));
        }
    }
    let language = match text(raw.language) {
        None => None,
        Some(l) => Some(
            Language::parse(&l)
                .ok_or_else(|| error(row, at, "language", format!("`{l}`: `ja` or `en`")))?,
        ),
    };
    let name = one_line("customerName", raw.customer_name, 256)?;
    let domain = one_line("domain", raw.domain, 253)?;
    let template = one_line("template", raw.template, 40)?;
    Ok(Customer {
        row,
        tenant_id,
        name,
        admin_email,
        domain,
        language,
        template,
    })
}

fn csv_rows(text: &str) -> Result<RawRows, InputError> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(text.as_bytes());
    let header = reader
        .headers()
        .map_err(|e| InputError::Format(format!("the header line: {e}")))?
        .clone();
    let mut columns = Vec::new();
    for name in header.iter() {
        let known = COLUMNS
            .iter()
            .find(|c| c.eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                InputError::Format(format!(
                    "unknown column `{name}` in the header line; the columns are {}",
                    COLUMNS.join(", ")
                ))
            })?;
        columns.push(*known);
    }
    if !columns.contains(&"tenantId") {
        return Err(InputError::Format(
            "the header line has no `tenantId` column".into(),
        ));
    }
    // The line an editor shows, from the byte offset (the reader's own count skips blank lines).
    let line_at = |p: Option<&csv::Position>| {
        p.map_or(0, |p| {
            let mut at = usize::try_from(p.byte())
                .unwrap_or(usize::MAX)
                .min(text.len());
            // The position may be that of blank lines skipped before the record.
            while matches!(text.as_bytes().get(at), Some(b'\n' | b'\r')) {
                at += 1;
            }
            text.as_bytes()[..at]
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                + 1
        })
    };
    let mut out = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                out.push((line_at(e.position()), Err(e.to_string())));
                continue;
            }
        };
        let line = line_at(record.position());
        if record.iter().all(str::is_empty) {
            continue;
        }
        if record.len() != columns.len() {
            out.push((
                line,
                Err(format!(
                    "{} fields where the header has {}",
                    record.len(),
                    columns.len()
                )),
            ));
            continue;
        }
        let mut raw = RawRow::default();
        for (column, value) in columns.iter().zip(record.iter()) {
            let v = Some(value.to_owned());
            match *column {
                "tenantId" => raw.tenant_id = v,
                "customerName" => raw.customer_name = v,
                "adminEmail" => raw.admin_email = v,
                "domain" => raw.domain = v,
                "language" => raw.language = v,
                _ => raw.template = v,
            }
        }
        out.push((line, Ok(raw)));
    }
    Ok(out)
}

fn json_rows(text: &str) -> Result<RawRows, InputError> {
    let items: Vec<serde_json::Value> = serde_json::from_str(text)
        .map_err(|e| InputError::Format(format!("not a JSON array of customers: {e}")))?;
    Ok(items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            (
                i + 1,
                serde_json::from_value::<RawRow>(item).map_err(|e| e.to_string()),
            )
        })
        .collect())
}

/// The role templates of a file, by name.
#[derive(Debug, Default)]
pub struct Templates {
    /// Those that check.
    pub checked: HashMap<String, gdap_domain::template::Template>,
    /// Those that do not, with why: only their rows fail.
    pub broken: HashMap<String, String>,
}

impl Templates {
    /// The name of the file's only template, which rows naming none use.
    pub fn only(&self) -> Option<String> {
        let mut names = self.checked.keys().chain(self.broken.keys());
        match (names.next(), names.next()) {
            (Some(only), None) => Some(only.clone()),
            _ => None,
        }
    }
}

/// Reads a templates file: one template (JSON), or an array of them. A template that does not
/// check is kept as its error; a file that is not JSON, an item without a name or a name used
/// twice is an error of the whole file.
pub fn templates(text: &str) -> Result<Templates, String> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let items = match value {
        serde_json::Value::Array(items) => items,
        one => vec![one],
    };
    let mut out = Templates::default();
    for (i, item) in items.iter().enumerate() {
        let name = item["name"]
            .as_str()
            .map(|n| n.trim().to_owned())
            .ok_or_else(|| format!("templates[{i}]: no `name`"))?;
        if out.checked.contains_key(&name) || out.broken.contains_key(&name) {
            return Err(format!("templates[{i}]: the name `{name}` is used twice"));
        }
        match gdap_domain::template::Template::parse(&item.to_string()) {
            Ok(t) => {
                out.checked.insert(name, t);
            }
            Err(e) => {
                out.broken.insert(name, e.to_string());
            }
        }
    }
    Ok(out)
}

/// Reads a customers file (JSON when it starts with `[`, CSV otherwise): each row checked, a
/// tenant listed twice refused at its second row.
pub fn parse(text: &str) -> Result<Vec<Result<Customer, RowError>>, InputError> {
    let text = text.trim_start_matches('\u{feff}');
    let raw = if text.trim_start().starts_with('[') {
        json_rows(text)?
    } else {
        csv_rows(text)?
    };
    let mut seen: HashMap<String, usize> = HashMap::new();
    Ok(raw
        .into_iter()
        .map(|(row, r)| {
            let c = r
                .map_err(|message| error(row, None, "row", message))
                .and_then(|raw| check(row, raw))?;
            if let Some(first) = seen.insert(c.tenant_id.clone(), row) {
                seen.insert(c.tenant_id.clone(), first);
                return Err(error(
                    row,
                    Some(&c.tenant_id),
                    "tenantId",
                    format!("listed already at row {first}"),
                ));
            }
            Ok(c)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const T1: &str = "4b827261-d21f-4aa9-b7db-7fa1f56fb163";
    const T2: &str = "5c827261-d21f-4aa9-b7db-7fa1f56fb164";

    #[test]
    fn a_csv_file_is_read_row_by_row_and_a_bad_row_names_its_line_and_field() {
        let csv = format!(
            "TenantId,customerName,adminEmail,language\n\
             {T1},\"Contoso, Inc.\",admin@contoso.example,ja\n\
             not-a-guid,Fabrikam,admin@fabrikam.example,en\n\
             {T2},Tailspin,nobody,en\n\
             \n\
             {},Again,a@b.example,en\n\
             {T2},Short\n",
            T1.to_uppercase()
        );
        let rows = parse(&csv).unwrap();
        let first = rows[0].as_ref().unwrap();
        assert_eq!((first.row, first.tenant_id.as_str()), (2, T1));
        assert_eq!(first.name.as_deref(), Some("Contoso, Inc."));
        assert_eq!(first.language, Some(Language::Ja));
        let err = |i: usize| rows[i].as_ref().unwrap_err().clone();
        assert_eq!((err(1).row, err(1).field.as_str()), (3, "tenantId"));
        assert_eq!((err(2).row, err(2).field.as_str()), (4, "adminEmail"));
        assert_eq!((err(3).row, err(3).field.as_str()), (6, "tenantId"));
        assert!(err(3).message.contains("row 2"), "{}", err(3));
        assert_eq!((err(4).row, err(4).field.as_str()), (7, "row"));
        assert_eq!(rows.len(), 5);
    }

    #[test]
    fn a_json_file_takes_the_same_fields_and_refuses_unknown_ones() {
        let json = format!(
            r#"[{{"tenantId": "{T1}", "template": "standard"}},
                {{"tenantId": "{T2}", "adminMail": "x@y.example"}},
                {{"tenantId": "{T2}", "language": "fr"}}]"#
        );
        let rows = parse(&json).unwrap();
        assert_eq!(
            rows[0].as_ref().unwrap().template.as_deref(),
            Some("standard")
        );
        let e = rows[1].as_ref().unwrap_err();
        assert_eq!((e.row, e.field.as_str()), (2, "row"));
        assert!(e.message.contains("adminMail"), "{e}");
        let e = rows[2].as_ref().unwrap_err();
        assert_eq!((e.row, e.field.as_str()), (3, "language"));
    }

    #[test]
    fn a_header_without_tenant_ids_or_with_an_unknown_column_refuses_the_file() {
        assert!(parse("customerName\nContoso\n").is_err());
        let e = parse("tenantId,colour\nx,y\n").unwrap_err();
        assert!(e.to_string().contains("`colour`"), "{e}");
        assert!(parse("[1, 2").is_err());
    }
}
