//! Typed request bodies: a body is a type that derives `Deserialize` (and `ToSchema`, for the
//! OpenAPI document) and refuses unknown properties; [`Body`] reads it, ignoring what Graph
//! ignores (OData annotations such as `@odata.type`, which the SDKs send, nulls, and the read-only
//! properties a client echoes back), and turns serde's error and its path into a message that
//! names the property, in Graph's envelope.

use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::ApiError;
use crate::extract::JsonObject;

/// A Graph request body.
pub trait GraphBody: DeserializeOwned {
    /// Its Graph type, for messages (`delegatedAdminRelationship`).
    const TYPE: &'static str;
    /// Read-only properties of the type that a client may send back; they are ignored.
    const READ_ONLY: &'static [&'static str] = &[];
    /// Annotations the type reads at its top level (`@odata.id` of a reference); all others
    /// are ignored.
    const ANNOTATIONS: &'static [&'static str] = &[];
}

/// A request body of type `T`, read and checked.
#[derive(Debug, Clone)]
pub struct Body<T>(pub T);

impl<T: GraphBody> Body<T> {
    /// Reads a body from a parsed JSON object.
    pub fn read(mut map: Map<String, Value>) -> Result<Self, ApiError> {
        map.retain(|k, _| !T::READ_ONLY.contains(&k.as_str()));
        let kept: Map<String, Value> = T::ANNOTATIONS
            .iter()
            .filter_map(|a| map.remove_entry(*a))
            .collect();
        let mut value = without_annotations(Value::Object(map));
        if let Value::Object(m) = &mut value {
            m.extend(kept);
        }
        serde_path_to_error::deserialize(value)
            .map(Self)
            .map_err(|e| ApiError::BadRequest(message(T::TYPE, &e)))
    }
}

impl<S: Send + Sync, T: GraphBody> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let JsonObject(map) = JsonObject::from_request(req, state).await?;
        Self::read(map)
    }
}

/// The body without OData annotations (any property whose name holds `@`) and without nulls,
/// which Graph reads as absent, at every depth.
fn without_annotations(v: Value) -> Value {
    match v {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(k, v)| !k.contains('@') && !v.is_null())
                .map(|(k, v)| (k, without_annotations(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(without_annotations).collect()),
        other => other,
    }
}

/// Graph's message for a body serde refused: which property, and what is wrong with it.
fn message(type_name: &str, e: &serde_path_to_error::Error<serde_json::Error>) -> String {
    let path = e.path().to_string();
    let at = |name: &str| {
        if path == "." {
            name.to_owned()
        } else {
            format!("{path}.{name}")
        }
    };
    let inner = e.inner().to_string();
    if let Some(field) = between(&inner, "missing field `", "`") {
        return format!("`{}` is required", at(field));
    }
    if let Some(field) = between(&inner, "unknown field `", "`") {
        // The path already ends with the unknown property.
        let parent = path
            .strip_suffix(field)
            .map(|p| p.trim_end_matches('.'))
            .unwrap_or(&path);
        return if parent.is_empty() || parent == "." {
            format!("property `{field}` does not exist on type `microsoft.graph.{type_name}`")
        } else {
            format!("property `{parent}.{field}` does not exist on `{parent}`")
        };
    }
    if let Some(rest) = inner.strip_prefix("invalid type: ") {
        if let Some((got, expected)) = rest.split_once(", expected ") {
            return format!(
                "`{path}` must be {}, not {}",
                expected_kind(expected),
                got_kind(got)
            );
        }
    }
    if let Some(rest) = inner.strip_prefix("invalid length ") {
        return format!("`{path}` has the wrong number of items: {rest}");
    }
    if path == "." {
        format!("the request body is not a valid `{type_name}`: {inner}")
    } else {
        format!("`{path}`: {inner}")
    }
}

fn between<'a>(s: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let rest = s.split_once(start)?.1;
    Some(rest.split_once(end)?.0)
}

/// What serde expected, in Graph's words.
fn expected_kind(expected: &str) -> String {
    if expected.starts_with("struct ") || expected == "a map" {
        "an object".into()
    } else if expected == "a sequence" {
        "an array".into()
    } else if expected == "a boolean" {
        "true or false".into()
    } else if ["i64", "i32", "u64", "u32", "u16", "u8", "usize"].contains(&expected) {
        "a whole number".into()
    } else if expected.starts_with("variant identifier") || expected.starts_with("enum ") {
        "one of the allowed values".into()
    } else {
        expected.to_owned()
    }
}

/// What was sent instead, in Graph's words.
fn got_kind(got: &str) -> &'static str {
    if got.starts_with("integer") || got.starts_with("floating point") {
        "a number"
    } else if got.starts_with("string") {
        "a string"
    } else if got.starts_with("boolean") {
        "a boolean"
    } else if got.starts_with("sequence") {
        "an array"
    } else if got.starts_with("map") {
        "an object"
    } else {
        "null"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Debug, PartialEq, serde::Deserialize)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    struct Inner {
        role_definition_id: String,
    }

    #[derive(Debug, PartialEq, serde::Deserialize)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    struct Outer {
        display_name: String,
        count: Option<i64>,
        roles: Option<Vec<Inner>>,
    }

    impl GraphBody for Outer {
        const TYPE: &'static str = "outer";
        const READ_ONLY: &'static [&'static str] = &["id"];
    }

    fn read(v: Value) -> Result<Outer, String> {
        let Value::Object(map) = v else {
            return Err("not an object".into());
        };
        Body::<Outer>::read(map)
            .map(|b| b.0)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn annotations_nulls_and_read_only_properties_are_ignored() {
        let o = read(
            json!({"@odata.type": "#microsoft.graph.outer", "displayName": "x",
            "count": null, "id": "ignored", "roles": [{"roleDefinitionId": "r", "@odata.type": "t"}]}),
        );
        assert!(o.is_ok_and(|o| o.display_name == "x" && o.count.is_none()));
    }

    #[test]
    fn each_mistake_names_its_property() {
        assert_eq!(
            read(json!({"displayName": "x", "colour": 1})),
            Err("property `colour` does not exist on type `microsoft.graph.outer`".into())
        );
        assert_eq!(
            read(json!({"displayName": 5})),
            Err("`displayName` must be a string, not a number".into())
        );
        assert_eq!(
            read(json!({"count": 1})),
            Err("`displayName` is required".into())
        );
        assert_eq!(
            read(json!({"displayName": "x", "roles": [{"roleDefinitionId": "r"}, 7]})),
            Err("`roles[1]` must be an object, not a number".into())
        );
        assert_eq!(
            read(json!({"displayName": "x", "roles": [{}]})),
            Err("`roles[0].roleDefinitionId` is required".into())
        );
        assert_eq!(
            read(json!({"displayName": "x", "roles": [{"roleDefinitionId": "r", "x": 1}]})),
            Err("property `roles[0].x` does not exist on `roles[0]`".into())
        );
        assert_eq!(
            read(json!({"displayName": "x", "count": "many"})),
            Err("`count` must be a whole number, not a string".into())
        );
    }
}
