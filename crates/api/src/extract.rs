//! Request extractors shared by the Graph handlers: JSON bodies, `If-Match`, `Prefer`, OData
//! options and the externally visible base URL.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, OriginalUri, Request};
use axum::http::header;
use axum::http::request::Parts;
use gdap_domain::query::RawQuery;
use serde_json::{Map, Value};

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Whether a media type is JSON: `application/json` or a `+json` type, in any case.
fn is_json(ct: &[u8]) -> bool {
    const JSON: &[u8] = b"application/json";
    (ct.len() >= JSON.len() && ct[..JSON.len()].eq_ignore_ascii_case(JSON))
        || ct.windows(5).any(|w| w.eq_ignore_ascii_case(b"+json"))
}

/// Largest accepted request body.
pub const MAX_BODY: usize = 1024 * 1024;

/// A JSON object body; every failure is a Graph error.
#[derive(Debug)]
pub struct JsonObject(pub Map<String, Value>);

/// The bytes of a request body declared as JSON, not yet parsed: the media type, size and
/// emptiness checked, every failure a Graph error. For handlers that read a well-formed body
/// straight into their own types and turn to [`JsonObject::parse`] for the precise message when
/// that fails.
#[derive(Debug)]
pub struct JsonBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if let Some(ct) = req.headers().get(header::CONTENT_TYPE) {
            if !is_json(ct.as_bytes()) {
                let ct = String::from_utf8_lossy(ct.as_bytes()).to_ascii_lowercase();
                return Err(ApiError::UnsupportedMediaType(format!(
                    "the request body must be JSON (`Content-Type: application/json`), not `{}`",
                    ct.chars().take(60).collect::<String>()
                )));
            }
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::TooLarge(format!("the request body is larger than {MAX_BODY} bytes"))
            } else {
                ApiError::BadRequest("the request body could not be read".into())
            }
        })?;
        if bytes.len() > MAX_BODY {
            return Err(ApiError::TooLarge(format!(
                "the request body is larger than {MAX_BODY} bytes"
            )));
        }
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(ApiError::BadRequest(
                "the request body is empty; send a JSON object".into(),
            ));
        }
        Ok(Self(bytes))
    }
}

impl JsonObject {
    /// Parses a body that must be one JSON object.
    pub fn parse(bytes: &[u8]) -> Result<Self, ApiError> {
        match serde_json::from_slice::<Value>(bytes) {
            Ok(Value::Object(map)) => Ok(Self(map)),
            Ok(_) => Err(ApiError::BadRequest(
                "the request body must be a JSON object".into(),
            )),
            Err(e) => Err(ApiError::BadRequest(format!(
                "the request body is not valid JSON: {} at line {} column {}",
                match e.classify() {
                    serde_json::error::Category::Eof => "unexpected end of input",
                    serde_json::error::Category::Syntax => "syntax error",
                    serde_json::error::Category::Data => "invalid data",
                    serde_json::error::Category::Io => "read error",
                },
                e.line(),
                e.column()
            ))),
        }
    }
}

impl<S: Send + Sync> FromRequest<S> for JsonObject {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let JsonBody(bytes) = JsonBody::from_request(req, state).await?;
        Self::parse(&bytes)
    }
}

/// A JSON object being read property by property, so each mistake gets its own message.
#[derive(Debug)]
pub struct Obj {
    map: Map<String, Value>,
    /// Path of this object for messages (`accessDetails`).
    path: String,
    /// Graph type name for messages.
    type_name: &'static str,
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl Obj {
    /// Starts reading a body of a Graph type.
    pub fn new(map: Map<String, Value>, type_name: &'static str) -> Self {
        Self {
            map,
            path: String::new(),
            type_name,
        }
    }

    fn name(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    /// Takes an optional string property (null counts as absent).
    pub fn take_str(&mut self, key: &str) -> ApiResult<Option<String>> {
        match self.map.remove(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(ApiError::BadRequest(format!(
                "`{}` must be a string, not {}",
                self.name(key),
                kind_of(&other)
            ))),
        }
    }

    /// Takes an optional boolean property (null counts as absent).
    pub fn take_bool(&mut self, key: &str) -> ApiResult<Option<bool>> {
        match self.map.remove(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(b)),
            Some(other) => Err(ApiError::BadRequest(format!(
                "`{}` must be true or false, not {}",
                self.name(key),
                kind_of(&other)
            ))),
        }
    }

    /// Takes an optional whole-number property (null counts as absent).
    pub fn take_i64(&mut self, key: &str) -> ApiResult<Option<i64>> {
        match self.map.remove(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(|| {
                ApiError::BadRequest(format!("`{}` must be a whole number", self.name(key)))
            }),
            Some(other) => Err(ApiError::BadRequest(format!(
                "`{}` must be a number, not {}",
                self.name(key),
                kind_of(&other)
            ))),
        }
    }

    /// Takes an optional array of strings with at most `max` items (null counts as absent).
    pub fn take_str_array(&mut self, key: &str, max: usize) -> ApiResult<Option<Vec<String>>> {
        match self.map.remove(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(items)) => {
                if items.len() > max {
                    return Err(ApiError::BadRequest(format!(
                        "`{}` has more than {max} items",
                        self.name(key)
                    )));
                }
                items
                    .into_iter()
                    .enumerate()
                    .map(|(i, v)| match v {
                        Value::String(s) => Ok(s),
                        other => Err(ApiError::BadRequest(format!(
                            "`{}[{i}]` must be a string, not {}",
                            self.name(key),
                            kind_of(&other)
                        ))),
                    })
                    .collect::<ApiResult<Vec<_>>>()
                    .map(Some)
            }
            Some(other) => Err(ApiError::BadRequest(format!(
                "`{}` must be an array, not {}",
                self.name(key),
                kind_of(&other)
            ))),
        }
    }

    /// Takes a required string property.
    pub fn require_str(&mut self, key: &str) -> ApiResult<String> {
        self.take_str(key)?
            .ok_or_else(|| ApiError::BadRequest(format!("`{}` is required", self.name(key))))
    }

    /// Takes an optional object property.
    pub fn take_obj(&mut self, key: &str, type_name: &'static str) -> ApiResult<Option<Obj>> {
        match self.map.remove(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Object(map)) => Ok(Some(Obj {
                map,
                path: self.name(key),
                type_name,
            })),
            Some(other) => Err(ApiError::BadRequest(format!(
                "`{}` must be an object, not {}",
                self.name(key),
                kind_of(&other)
            ))),
        }
    }

    /// Takes an optional array of objects.
    pub fn take_obj_array(
        &mut self,
        key: &str,
        type_name: &'static str,
    ) -> ApiResult<Option<Vec<Obj>>> {
        match self.map.remove(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(items)) => {
                if items.len() > 500 {
                    return Err(ApiError::BadRequest(format!(
                        "`{}` has too many items",
                        self.name(key)
                    )));
                }
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.into_iter().enumerate() {
                    match item {
                        Value::Object(map) => out.push(Obj {
                            map,
                            path: format!("{}[{i}]", self.name(key)),
                            type_name,
                        }),
                        other => {
                            return Err(ApiError::BadRequest(format!(
                                "`{}[{i}]` must be an object, not {}",
                                self.name(key),
                                kind_of(&other)
                            )))
                        }
                    }
                }
                Ok(Some(out))
            }
            Some(other) => Err(ApiError::BadRequest(format!(
                "`{}` must be an array, not {}",
                self.name(key),
                kind_of(&other)
            ))),
        }
    }

    /// Ends reading: read-only properties are ignored, annotations (`@odata.type` …) too, and any
    /// other leftover property is an error naming it.
    pub fn finish(mut self, read_only: &[&str]) -> ApiResult<()> {
        self.map
            .retain(|k, _| !k.contains('@') && !read_only.contains(&k.as_str()));
        match self.map.keys().next() {
            None => Ok(()),
            Some(k) => Err(ApiError::BadRequest(format!(
                "property `{}` does not exist on type `microsoft.graph.{}`",
                self.name(&k.chars().take(60).collect::<String>()),
                self.type_name
            ))),
        }
    }
}

/// The `If-Match` header, when sent.
#[derive(Debug, Clone)]
pub struct IfMatch(pub Option<String>);

impl IfMatch {
    /// Requires the header (V8) and checks it against the current ETag.
    pub fn check(&self, current: &str) -> ApiResult<()> {
        let Some(sent) = &self.0 else {
            return Err(ApiError::PreconditionRequired(
                "this request needs an `If-Match` header with the object's current `@odata.etag`"
                    .into(),
            ));
        };
        if sent.trim() == "*" || strip_weak(sent) == strip_weak(current) {
            Ok(())
        } else {
            Err(ApiError::PreconditionFailed(
                "the `If-Match` ETag does not match the object's current `@odata.etag`; read it again and retry".into(),
            ))
        }
    }

    /// Checks the header only when it was sent.
    pub fn check_if_present(&self, current: &str) -> ApiResult<()> {
        if self.0.is_some() {
            self.check(current)
        } else {
            Ok(())
        }
    }
}

fn strip_weak(s: &str) -> &str {
    let s = s.trim();
    s.strip_prefix("W/").unwrap_or(s)
}

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(
            parts
                .headers
                .get(header::IF_MATCH)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
        ))
    }
}

/// `Prefer: include-unknown-enum-members`.
#[derive(Debug, Clone, Copy)]
pub struct Prefer {
    /// Whether evolvable enum members may be shown and accepted.
    pub unknown_members: bool,
}

impl<S: Send + Sync> FromRequestParts<S> for Prefer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let unknown_members = parts.headers.get_all("prefer").iter().any(|v| {
            v.to_str().unwrap_or_default().split(',').any(|p| {
                p.trim()
                    .eq_ignore_ascii_case("include-unknown-enum-members")
            })
        });
        Ok(Self { unknown_members })
    }
}

/// The OData options of the request.
#[derive(Debug, Clone)]
pub struct OData(pub RawQuery);

impl<S: Send + Sync> FromRequestParts<S> for OData {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let q = parts.uri.query().unwrap_or_default();
        if q.len() > 8192 {
            return Err(ApiError::BadRequest("the query string is too long".into()));
        }
        let pairs = url::form_urlencoded::parse(q.as_bytes())
            .into_owned()
            .collect();
        Ok(Self(RawQuery { pairs }))
    }
}

/// The externally visible URL prefix of the API version in use (`https://host/v1.0`), plus the
/// original request URI for building next links.
#[derive(Debug, Clone)]
pub struct Base {
    /// `https://host`.
    pub origin: String,
    /// `v1.0` or `beta`.
    pub version: String,
    /// Path and query as the client sent them.
    pub original: axum::http::Uri,
}

impl Base {
    /// `https://host/v1.0`.
    pub fn root(&self) -> String {
        format!("{}/{}", self.origin, self.version)
    }

    /// `https://host/v1.0/tenantRelationships/$metadata#{fragment}`.
    pub fn context(&self, fragment: &str) -> String {
        format!("{}/tenantRelationships/$metadata#{fragment}", self.root())
    }

    /// The request URL with `$skiptoken` set to `token` (and any old one removed).
    pub fn next_link(&self, token: &str) -> String {
        let mut ser = url::form_urlencoded::Serializer::new(String::new());
        if let Some(q) = self.original.query() {
            for (k, v) in url::form_urlencoded::parse(q.as_bytes()) {
                if !k.eq_ignore_ascii_case("$skiptoken") && !k.eq_ignore_ascii_case("$skip") {
                    ser.append_pair(&k, &v);
                }
            }
        }
        ser.append_pair("$skiptoken", token);
        format!("{}{}?{}", self.origin, self.original.path(), ser.finish())
    }
}

/// The URI exactly as the client sent it, before path normalisation.
#[derive(Debug, Clone)]
pub struct ClientUri(pub axum::http::Uri);

/// The origin (`scheme://host[:port]`) clients see.
pub fn origin(state: &AppState, parts: &Parts) -> String {
    if let Some(u) = &state.config.public_url {
        return u.trim_end_matches('/').to_owned();
    }
    // HTTP/1.1 names the host in `Host`; HTTP/2 in the `:authority` pseudo-header, which arrives
    // as the URI's authority (kept by the path normaliser as the client's URI).
    let authority = parts
        .extensions
        .get::<ClientUri>()
        .and_then(|u| u.0.authority())
        .or_else(|| parts.uri.authority())
        .map(|a| a.as_str());
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or(authority)
        .filter(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-.:[]".contains(c))
        })
        .unwrap_or("localhost");
    let scheme = if state.config.tls { "https" } else { "http" };
    format!("{scheme}://{host}")
}

impl FromRequestParts<AppState> for Base {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let original = match (
            parts.extensions.get::<ClientUri>(),
            parts.extensions.get::<OriginalUri>(),
        ) {
            (Some(ClientUri(u)), _) | (None, Some(OriginalUri(u))) => u.clone(),
            (None, None) => parts.uri.clone(),
        };
        let version = original
            .path()
            .trim_start_matches('/')
            .split('/')
            .next()
            .filter(|v| v.eq_ignore_ascii_case("beta"))
            .map_or("v1.0", |_| "beta")
            .to_owned();
        Ok(Self {
            origin: origin(state, parts),
            version,
            original,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_media_types_are_recognised_in_any_case_and_others_are_not() {
        for ct in [
            "application/json",
            "application/json; charset=utf-8",
            "Application/JSON",
            "application/merge-patch+json",
            "application/vnd.api+JSON",
        ] {
            assert!(is_json(ct.as_bytes()), "{ct}");
        }
        for ct in [
            "text/plain",
            "application/xml",
            "application/jso",
            "",
            "json",
        ] {
            assert!(!is_json(ct.as_bytes()), "{ct}");
        }
    }
}
