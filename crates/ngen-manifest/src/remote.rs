//! The remote-cache settings of `ngen.toml` (`[remote-cache]`) once validated, and the URL
//! check shared with the command line (`--remote-cache URL`, `NGEN_REMOTE_CACHE`), so a URL is
//! accepted or refused with the same words wherever it comes from.
//!
//! The remote cache speaks Bazel's HTTP remote-cache protocol (`GET`/`PUT {url}/ac/{key}` and
//! `{url}/cas/{sha256}`); see docs/build-tool.md. Plain HTTP only: the client is built without
//! TLS, so an `https://` URL is refused with advice rather than failing at the first request.
//!
//! Depends on std only.

/// Default for `timeout-ms`: connecting and waiting for an answer each give up after this.
pub const DEFAULT_TIMEOUT_MS: u64 = 5_000;

/// `[remote-cache]` as validated (the command line and environment may still override `url`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteCacheSettings {
    /// Base URL without a trailing slash, when the manifest names one.
    pub url: Option<String>,
    /// Upload fresh compiles (default false: read-only).
    pub upload: bool,
    /// Connect and read timeout in milliseconds.
    pub timeout_ms: u64,
}

impl Default for RemoteCacheSettings {
    fn default() -> Self {
        RemoteCacheSettings {
            url: None,
            upload: false,
            timeout_ms: DEFAULT_TIMEOUT_MS,
        }
    }
}

/// Checks a remote-cache base URL and returns it without trailing slashes.
///
/// Accepted: `http://host[:port][/prefix]`. The error says what is wrong in a phrase that
/// fits after "remote-cache URL `…` ".
pub fn check_url(url: &str) -> Result<String, String> {
    let lower = url.to_ascii_lowercase();
    if lower.starts_with("https://") {
        return Err(
            "uses https, which this build does not speak (no TLS): use an http:// URL, \
                    e.g. a cache on the runners' network or a local TLS-terminating proxy"
                .into(),
        );
    }
    if !lower.starts_with("http://") {
        return Err("must start with http:// (e.g. http://cache.example:8080/ngen)".into());
    }
    let rest = url["http://".len()..].trim_end_matches('/');
    if let Some(c) = rest
        .chars()
        .find(|c| c.is_whitespace() || c.is_control() || matches!(c, '?' | '#'))
    {
        return Err(format!(
            "contains {c:?}: give a base URL only (keys are appended as /ac/… and /cas/…)"
        ));
    }
    let authority = rest.split('/').next().unwrap_or_default();
    if authority.contains('@') {
        return Err(
            "carries credentials: set NGEN_REMOTE_CACHE_TOKEN instead (sent as a Bearer token)"
                .into(),
        );
    }
    // `[v6 address]:port` or `host:port`; the port is optional.
    let (host, port) = match authority.strip_prefix('[') {
        Some(v6) => match v6.split_once(']') {
            Some((h, after)) => (h, after.strip_prefix(':')),
            None => ("", None),
        },
        None => match authority.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        },
    };
    if host.is_empty() {
        return Err("names no host".into());
    }
    if let Some(p) = port
        && p.parse::<u16>().map_or(true, |p| p == 0)
    {
        return Err(format!("has an invalid port `{p}`"));
    }
    Ok(format!("{}{rest}", &url[.."http://".len()]))
}

#[cfg(test)]
mod tests {
    use super::check_url;

    #[test]
    fn accepts_http_with_port_and_prefix_and_trims_slashes() {
        assert_eq!(
            check_url("http://127.0.0.1:8080/cache/").as_deref(),
            Ok("http://127.0.0.1:8080/cache")
        );
        assert_eq!(check_url("HTTP://cache").as_deref(), Ok("HTTP://cache"));
        assert_eq!(
            check_url("http://[::1]:9/x").as_deref(),
            Ok("http://[::1]:9/x")
        );
        assert_eq!(check_url("http://[::1]").as_deref(), Ok("http://[::1]"));
    }

    #[test]
    fn refuses_what_the_client_cannot_use() {
        for (url, words) in [
            ("https://cache", "https"),
            ("ftp://cache", "must start with http://"),
            ("cache:8080", "must start with http://"),
            ("http://", "no host"),
            ("http://:80/x", "no host"),
            ("http://h:99999", "invalid port"),
            ("http://h:0", "invalid port"),
            ("http://h:x", "invalid port"),
            ("http://u:p@h/", "credentials"),
            ("http://h/a b", "contains"),
            ("http://h/?q=1", "contains"),
        ] {
            let e = check_url(url).expect_err(url);
            assert!(e.contains(words), "{url}: {e}");
        }
    }
}
