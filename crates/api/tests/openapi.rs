//! The OpenAPI document describes every body: each request body and each 2xx response that has
//! one names real properties, and every operation documents Graph's refusals.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code fails loudly on broken assumptions"
)]

use serde_json::Value;

/// The schema a media type's `schema` resolves to, following one `$ref`.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let name = r.rsplit('/').next().unwrap();
            &doc["components"]["schemas"][name]
        }
        None => schema,
    }
}

/// Whether a schema says something: properties, items, a union, or a scalar type.
fn is_real(doc: &Value, schema: &Value) -> bool {
    let s = resolve(doc, schema);
    s.get("properties")
        .and_then(Value::as_object)
        .is_some_and(|p| !p.is_empty())
        || s.get("oneOf").is_some()
        || s.get("items").is_some_and(|i| is_real(doc, i))
        || s.get("type")
            .and_then(Value::as_str)
            .is_some_and(|t| t != "object")
}

#[test]
fn every_request_body_and_every_2xx_response_has_a_schema_with_properties() {
    let doc: Value = serde_json::from_str(&gdap_api::openapi::document()).unwrap();
    let mut missing = Vec::new();
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            operations += 1;
            if let Some(body) = op.get("requestBody") {
                let ok = body["content"]
                    .as_object()
                    .is_some_and(|c| c.values().all(|m| is_real(&doc, &m["schema"])));
                if !ok {
                    missing.push(format!("{method} {path}: request body"));
                }
            }
            for (status, res) in op["responses"].as_object().unwrap() {
                if !status.starts_with('2') || status == "204" {
                    continue;
                }
                // A 202 carries an empty object and names the operation in `Location`.
                let ok = status == "202"
                    || res["content"].as_object().is_some_and(|c| {
                        !c.is_empty() && c.values().all(|m| is_real(&doc, &m["schema"]))
                    });
                if !ok {
                    missing.push(format!("{method} {path}: {status} response"));
                }
            }
            // Discovery documents and the user realm answer any request.
            if !path.contains("discovery")
                && !path.contains("userrealm")
                && !op["responses"].as_object().unwrap().contains_key("400")
            {
                missing.push(format!("{method} {path}: no documented 400"));
            }
        }
    }
    assert!(
        operations >= 50,
        "every operation is documented: {operations}"
    );
    assert!(missing.is_empty(), "bodies without a schema: {missing:#?}");
}
