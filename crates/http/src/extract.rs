//! Request extractors shared by the Graph handlers: JSON bodies, `If-Match`, `Prefer`, OData
//! options and the externally visible base URL.

use axum::body::Bytes;
use axum::body::HttpBody;
use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use gdap_domain::query::RawQuery;
use serde_json::{Map, Value};

use crate::error::{ApiError, ApiResult};
use gdap_app::state::AppState;

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

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        json_bytes(req, MAX_BODY).await.map(Self)
    }
}

/// Largest body of the few requests that carry a file's worth of data (a bulk job's customers).
pub const MAX_LARGE_BODY: usize = 16 * 1024 * 1024;

/// A JSON body of up to [`MAX_LARGE_BODY`] bytes, as [`JsonBody`] otherwise. Only for callers
/// already authenticated: take it after the caller's extractor.
#[derive(Debug)]
pub struct LargeJsonBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for LargeJsonBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        json_bytes(req, MAX_LARGE_BODY).await.map(Self)
    }
}

async fn json_bytes(req: Request, limit: usize) -> ApiResult<Bytes> {
    {
        if let Some(ct) = req.headers().get(header::CONTENT_TYPE) {
            if !is_json(ct.as_bytes()) {
                let ct = String::from_utf8_lossy(ct.as_bytes()).to_ascii_lowercase();
                return Err(ApiError::UnsupportedMediaType(format!(
                    "the request body must be JSON (`Content-Type: application/json`), not `{}`",
                    ct.chars().take(60).collect::<String>()
                )));
            }
        }
        let bytes = read_body_up_to(req, limit).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(ApiError::BadRequest(
                "the request body is empty; send a JSON object".into(),
            ));
        }
        Ok(bytes)
    }
}

/// Reads a whole request body of at most [`MAX_BODY`] bytes.
#[cfg(test)]
async fn read_body(req: Request) -> ApiResult<Bytes> {
    read_body_up_to(req, MAX_BODY).await
}

/// Reads a whole request body of at most `limit` bytes. A body that arrives in one piece (the
/// usual case) is kept as it came, without copying or the buffering of the general extractor.
async fn read_body_up_to(req: Request, limit: usize) -> ApiResult<Bytes> {
    let too_large = || ApiError::TooLarge(format!("the request body is larger than {limit} bytes"));
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    let mut body = req.into_body();
    let mut whole: Option<Bytes> = None;
    let mut joined: Vec<u8> = Vec::new();
    while let Some(frame) =
        std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx)).await
    {
        let frame =
            frame.map_err(|_| ApiError::BadRequest("the request body could not be read".into()))?;
        let Ok(data) = frame.into_data() else {
            continue; // trailers
        };
        if whole.as_ref().map_or(0, Bytes::len) + joined.len() + data.len() > limit {
            return Err(too_large());
        }
        match whole.take() {
            None if joined.is_empty() => whole = Some(data),
            first => {
                if let Some(first) = first {
                    joined.extend_from_slice(&first);
                }
                joined.extend_from_slice(&data);
            }
        }
    }
    Ok(whole.unwrap_or_else(|| Bytes::from(joined)))
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

/// The `If-Match` header, when sent.
#[derive(Debug, Clone)]
pub struct IfMatch(pub Option<String>);

impl IfMatch {
    /// The precondition it states, for a use case to check.
    pub fn precondition(&self) -> gdap_app::concurrency::IfMatch {
        gdap_app::concurrency::IfMatch(self.0.clone())
    }

    /// Requires the header (V8) and checks it against the current ETag.
    pub fn check(&self, current: &str) -> ApiResult<()> {
        Ok(self.precondition().check(current)?)
    }

    /// Checks the header only when it was sent.
    pub fn check_if_present(&self, current: &str) -> ApiResult<()> {
        Ok(self.precondition().check_if_present(current)?)
    }
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
        let original = match parts.extensions.get::<ClientUri>() {
            Some(ClientUri(u)) => u.clone(),
            None => parts.uri.clone(),
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

/// The address a request came from: the peer of its connection (the unspecified address when
/// the server runs without connection information, as in-process embeddings may).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

impl ClientIp {
    /// The client address of a request's parts.
    pub fn of(parts: &Parts) -> Self {
        Self(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip()),
        )
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self::of(parts))
    }
}

/// Parses a relationship id of a path (`{guid}-{partnerTenantId}`), with Graph's message.
pub fn relationship_id(raw: &str) -> ApiResult<gdap_domain::ids::RelationshipId> {
    Ok(gdap_app::relationships::relationship_id(raw)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;
    use std::pin::Pin;
    use std::task::{Context, Poll};

    /// A body that arrives in the given pieces, without a declared length.
    struct Pieces(VecDeque<Bytes>);

    impl HttpBody for Pieces {
        type Data = Bytes;
        type Error = std::convert::Infallible;

        fn poll_frame(
            mut self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
        ) -> Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
            Poll::Ready(self.0.pop_front().map(|b| Ok(http_body::Frame::data(b))))
        }
    }

    fn request(pieces: &[&'static [u8]]) -> Request {
        Request::new(axum::body::Body::new(Pieces(
            pieces.iter().map(|p| Bytes::from_static(p)).collect(),
        )))
    }

    #[tokio::test]
    async fn a_body_in_one_piece_is_kept_as_it_came() {
        let piece: &'static [u8] = br#"{"a": 1}"#;
        let read = read_body(request(&[piece])).await.expect("body");
        assert_eq!(read.as_ptr(), piece.as_ptr(), "not copied");
    }

    #[tokio::test]
    async fn a_body_in_pieces_is_joined_in_order() {
        let read = read_body(request(&[b"{\"a\"", b": ", b"1}"]))
            .await
            .expect("body");
        assert_eq!(&read[..], br#"{"a": 1}"#);
        assert!(read_body(request(&[])).await.expect("empty").is_empty());
    }

    #[tokio::test]
    async fn a_body_over_the_limit_is_refused_whether_declared_or_not() {
        let big: &'static [u8] = Box::leak(vec![b' '; MAX_BODY / 2 + 1].into_boxed_slice());
        let streamed = read_body(request(&[big, big])).await;
        assert!(
            matches!(streamed, Err(ApiError::TooLarge(_))),
            "{streamed:?}"
        );
        let mut declared = request(&[b"{}"]);
        declared.headers_mut().insert(
            header::CONTENT_LENGTH,
            axum::http::HeaderValue::from(MAX_BODY as u64 + 1),
        );
        let declared = read_body(declared).await;
        assert!(
            matches!(declared, Err(ApiError::TooLarge(_))),
            "{declared:?}"
        );
    }

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

/// `s` as one segment of a URL path: every byte but the unreserved ones percent-encoded (a
/// space as `%20`, never `+`, which a path keeps as it is).
pub fn path_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod path_segment_tests {
    #[test]
    fn a_path_segment_encodes_spaces_slashes_and_non_ascii_by_percent() {
        assert_eq!(super::path_segment("Spring order/2"), "Spring%20order%2F2");
        assert_eq!(super::path_segment("注文"), "%E6%B3%A8%E6%96%87");
        assert_eq!(super::path_segment("a-b_c.d~e"), "a-b_c.d~e");
    }
}
