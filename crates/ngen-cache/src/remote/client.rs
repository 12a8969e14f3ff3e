//! The transport: get and put blobs in the two areas of Bazel's HTTP remote-cache protocol,
//! `{base}/ac/{key}` and `{base}/cas/{sha256}`.
//!
//! [`BlobStore`] is the seam: [`HttpStore`] speaks HTTP/1.1 with ureq (no TLS), tests use an
//! in-memory store. A store only moves bytes and classifies failures; what a failure means for
//! the build (remote down, uploads off) is decided in [`super::RemoteCache`].
//!
//! Timeouts: connecting, waiting for the answer's head, and every single read or write each
//! get `timeout`, so a stalled transfer is cut off while a large image on a slow but moving
//! link still gets through. Connections are kept alive between requests. Proxies come from
//! `HTTP_PROXY`/`NO_PROXY` as usual.
//!
//! Depends on ureq and thiserror.

use std::time::Duration;

/// Which half of the protocol a key lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    /// The action cache: key → action entry.
    Ac,
    /// Content-addressed storage: SHA-256 → bytes.
    Cas,
}

impl Area {
    /// The path segment.
    pub fn as_str(self) -> &'static str {
        match self {
            Area::Ac => "ac",
            Area::Cas => "cas",
        }
    }
}

/// Why a request did not give an answer we can use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// No answer: refused, reset, timed out, unresolvable host.
    #[error("{0}")]
    Unreachable(String),
    /// The server answered with an error status.
    #[error("HTTP {0}")]
    Status(u16),
    /// The answer is longer than the caller allowed.
    #[error("the answer is longer than {0} bytes")]
    TooLong(u64),
}

/// A remote cache as a pair of key-value areas.
pub trait BlobStore: Send + Sync {
    /// The bytes under `key`, `None` when absent (404); at most `max_len` bytes are accepted.
    fn get(&self, area: Area, key: &str, max_len: u64) -> Result<Option<Vec<u8>>, StoreError>;
    /// Stores `bytes` under `key`.
    fn put(&self, area: Area, key: &str, bytes: &[u8]) -> Result<(), StoreError>;
}

/// A Bazel HTTP remote cache at a base URL.
pub struct HttpStore {
    base: String,
    agent: ureq::Agent,
    authorization: Option<String>,
    timeout: Duration,
}

impl std::fmt::Debug for HttpStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The token stays out of debug output.
        f.debug_struct("HttpStore")
            .field("base", &self.base)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl HttpStore {
    /// A store at `base` (`http://host:port/prefix`, no trailing slash); `token`, when given,
    /// is sent as `Authorization: Bearer <token>`.
    pub fn new(base: &str, timeout: Duration, token: Option<&str>) -> HttpStore {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(timeout))
            .timeout_recv_response(Some(timeout))
            .timeout_per_read(Some(timeout))
            .timeout_per_write(Some(timeout))
            .user_agent(concat!("ngen-build/", env!("CARGO_PKG_VERSION")))
            .build();
        HttpStore {
            base: base.trim_end_matches('/').to_string(),
            agent: config.into(),
            authorization: token.map(|t| format!("Bearer {t}")),
            timeout,
        }
    }

    fn url(&self, area: Area, key: &str) -> String {
        format!("{}/{}/{key}", self.base, area.as_str())
    }
}

fn transport(e: ureq::Error) -> StoreError {
    match e {
        ureq::Error::BodyExceedsLimit(n) => StoreError::TooLong(n),
        ureq::Error::StatusCode(s) => StoreError::Status(s),
        other => StoreError::Unreachable(other.to_string()),
    }
}

impl BlobStore for HttpStore {
    fn get(&self, area: Area, key: &str, max_len: u64) -> Result<Option<Vec<u8>>, StoreError> {
        let mut request = self.agent.get(self.url(area, key));
        if let Some(a) = &self.authorization {
            request = request.header("Authorization", a);
        }
        let response = request.call().map_err(transport)?;
        match response.status().as_u16() {
            200 => response
                .into_body()
                .with_config()
                .limit(max_len)
                .read_to_vec()
                .map(Some)
                .map_err(transport),
            404 => Ok(None),
            status => Err(StoreError::Status(status)),
        }
    }

    fn put(&self, area: Area, key: &str, bytes: &[u8]) -> Result<(), StoreError> {
        let mut request = self
            .agent
            .put(self.url(area, key))
            .header("Content-Type", "application/octet-stream");
        if let Some(a) = &self.authorization {
            request = request.header("Authorization", a);
        }
        let response = request.send(bytes).map_err(transport)?;
        match response.status().as_u16() {
            200..=299 => Ok(()),
            status => Err(StoreError::Status(status)),
        }
    }
}
