//! Role templates: what a partner wants of every customer's admin relationship (its roles,
//! duration and renewal, and which of its security groups hold which roles), and the drift of a
//! customer's relationships and access assignments from it — what `plan` shows and `apply` mends.

pub mod drift;

use serde::Deserialize;
use time::Duration;

use crate::ids::{GroupId, RoleDefinitionId};
use crate::relationship::AutoExtend;
use crate::roles::{Catalogue, GLOBAL_ADMINISTRATOR};

pub use drift::{plan, under_way, AssignmentFacts, Drift, RelationshipFacts};

/// Why a template file is refused; each names the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// Not the template format at all.
    #[error("the template is not valid JSON of the template format: {0}")]
    Format(String),
    /// One field is wrong.
    #[error("`{field}`: {message}")]
    Field {
        /// The field, as written in the file (`roles[2]`, `assignments[0].group` …).
        field: String,
        /// What is wrong.
        message: String,
    },
}

fn field(field: impl Into<String>, message: impl Into<String>) -> TemplateError {
    TemplateError::Field {
        field: field.into(),
        message: message.into(),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct TemplateFile {
    name: String,
    duration: String,
    #[serde(default)]
    auto_extend: Option<String>,
    roles: Vec<String>,
    #[serde(default)]
    assignments: Vec<AssignmentFile>,
    #[serde(default)]
    renew_within_days: Option<i64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AssignmentFile {
    group: String,
    roles: Vec<String>,
}

/// A security group of the partner and the roles it holds in each customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupRoles {
    /// The group.
    pub group: GroupId,
    /// Its roles (a subset of the template's).
    pub roles: Vec<RoleDefinitionId>,
}

/// A checked template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    /// Its name (relationships made from it are named after it).
    pub name: String,
    /// `duration` of new relationships (ISO 8601, as Graph takes it).
    pub duration: String,
    /// Whether they extend themselves.
    pub auto_extend: AutoExtend,
    /// The roles each customer approves.
    pub roles: Vec<RoleDefinitionId>,
    /// Which groups hold which of them.
    pub assignments: Vec<GroupRoles>,
    /// A relationship ending sooner than this is renewed (30 days unless given).
    pub renew_within: Duration,
}

/// A role by template id or English display name, GDAP-eligible.
fn role(catalogue: &Catalogue, at: &str, text: &str) -> Result<RoleDefinitionId, TemplateError> {
    let found = match RoleDefinitionId::parse(text.trim()) {
        Ok(id) => catalogue.get(&id),
        Err(_) => catalogue
            .all()
            .iter()
            .find(|r| r.display_name.eq_ignore_ascii_case(text.trim())),
    }
    .ok_or_else(|| field(at, format!("`{text}` is not a built-in Entra role")))?;
    if !catalogue.gdap_eligible().any(|r| r.id == found.id) {
        return Err(field(
            at,
            format!("`{}` cannot be delegated through GDAP", found.display_name),
        ));
    }
    Ok(found.id)
}

impl Template {
    /// Reads and checks a template file (JSON).
    pub fn parse(json: &str) -> Result<Self, TemplateError> {
        let f: TemplateFile =
            serde_json::from_str(json).map_err(|e| TemplateError::Format(e.to_string()))?;
        let catalogue = Catalogue::builtin();
        let name = f.name.trim().to_owned();
        if name.is_empty() || name.chars().count() > 40 || name.chars().any(char::is_control) {
            return Err(field("name", "1 to 40 characters on one line"));
        }
        let days = crate::duration::IsoDuration::parse(&f.duration)
            .map_err(|e| field("duration", e.to_string()))?
            .total_seconds();
        if !(86_400..=crate::relationship::MAX_DURATION_DAYS * 86_400).contains(&days) {
            return Err(field("duration", "between P1D and P730D"));
        }
        let auto_extend = match &f.auto_extend {
            None => AutoExtend::Off,
            Some(t) => AutoExtend::parse(t).map_err(|e| field("autoExtend", e.to_string()))?,
        };
        if f.roles.is_empty() {
            return Err(field("roles", "name at least one role"));
        }
        let mut roles = Vec::new();
        for (i, r) in f.roles.iter().enumerate() {
            let id = role(catalogue, &format!("roles[{i}]"), r)?;
            if roles.contains(&id) {
                return Err(field(format!("roles[{i}]"), "named twice"));
            }
            roles.push(id);
        }
        let ga = RoleDefinitionId::parse(GLOBAL_ADMINISTRATOR)
            .map_err(|_| field("roles", "the catalogue lacks Global Administrator"))?;
        if auto_extend != AutoExtend::Off && roles.contains(&ga) {
            return Err(field(
                "autoExtend",
                "a relationship with Global Administrator cannot extend itself",
            ));
        }
        let mut assignments: Vec<GroupRoles> = Vec::new();
        for (i, a) in f.assignments.iter().enumerate() {
            let group = GroupId::parse(a.group.trim())
                .map_err(|_| field(format!("assignments[{i}].group"), "a security group's id"))?;
            if assignments.iter().any(|g| g.group == group) {
                return Err(field(format!("assignments[{i}].group"), "named twice"));
            }
            let mut granted = Vec::new();
            for (k, r) in a.roles.iter().enumerate() {
                let at = format!("assignments[{i}].roles[{k}]");
                let id = role(catalogue, &at, r)?;
                if !roles.contains(&id) {
                    return Err(field(at, "not among the template's `roles`"));
                }
                if !granted.contains(&id) {
                    granted.push(id);
                }
            }
            if granted.is_empty() {
                return Err(field(
                    format!("assignments[{i}].roles"),
                    "name at least one role",
                ));
            }
            assignments.push(GroupRoles {
                group,
                roles: granted,
            });
        }
        let renew = f.renew_within_days.unwrap_or(30);
        if !(1..=365).contains(&renew) {
            return Err(field("renewWithinDays", "between 1 and 365"));
        }
        Ok(Self {
            name,
            duration: f.duration,
            auto_extend,
            roles,
            assignments,
            renew_within: Duration::days(renew),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HELPDESK: &str = "729827e3-9c14-49f7-bb1b-9608f156bbb8";

    fn parse(json: &str) -> Result<Template, TemplateError> {
        Template::parse(json)
    }

    #[test]
    fn a_template_takes_role_ids_or_names_and_checks_each_field() {
        let t = parse(&format!(
            r#"{{"name": "standard", "duration": "P730D", "autoExtend": "P180D",
                "roles": ["{HELPDESK}", "User Administrator"],
                "assignments": [{{"group": "11111111-aaaa-4aaa-8aaa-000000000002", "roles": ["helpdesk administrator"]}}]}}"#
        ))
        .unwrap();
        assert_eq!(t.roles.len(), 2);
        assert_eq!(t.assignments[0].roles[0].to_string(), HELPDESK);
        assert_eq!(t.renew_within, Duration::days(30));
        let bad = |json: &str, f: &str| match parse(json) {
            Err(TemplateError::Field { field, .. }) => assert_eq!(field, f, "{json}"),
            other => panic!("{json}: {other:?}"),
        };
        bad(
            r#"{"name": "x", "duration": "P3Y", "roles": ["User Administrator"]}"#,
            "duration",
        );
        bad(
            r#"{"name": "x", "duration": "P30D", "roles": ["User Administrator", "Nobody"]}"#,
            "roles[1]",
        );
        bad(
            r#"{"name": "x", "duration": "P30D", "autoExtend": "P180D", "roles": ["Global Administrator"]}"#,
            "autoExtend",
        );
        bad(
            r#"{"name": "x", "duration": "P30D", "roles": ["User Administrator"], "assignments": [{"group": "nope", "roles": ["User Administrator"]}]}"#,
            "assignments[0].group",
        );
        bad(
            &format!(
                r#"{{"name": "x", "duration": "P30D", "roles": ["User Administrator"], "assignments": [{{"group": "11111111-aaaa-4aaa-8aaa-000000000002", "roles": ["{HELPDESK}"]}}]}}"#
            ),
            "assignments[0].roles[0]",
        );
        assert!(matches!(
            parse("{\"name\": 1}"),
            Err(TemplateError::Format(_))
        ));
    }

    #[test]
    fn a_role_gdap_cannot_delegate_is_refused_by_name() {
        let catalogue = Catalogue::builtin();
        let Some(ineligible) = catalogue
            .all()
            .iter()
            .find(|r| !catalogue.gdap_eligible().any(|e| e.id == r.id))
        else {
            return;
        };
        let json = format!(
            r#"{{"name": "x", "duration": "P30D", "roles": ["{}"]}}"#,
            ineligible.display_name
        );
        match parse(&json) {
            Err(TemplateError::Field { field, message }) => {
                assert_eq!(field, "roles[0]");
                assert!(message.contains("cannot be delegated"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }
}
