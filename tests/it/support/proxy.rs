//! A tiny HTTP/1.1 proxy in front of moto, for behaviour moto cannot produce on its own:
//! pagination (moto ignores MaxResults), failing regions, S3 region redirects.
//!
//! Each accepted connection gets a thread; requests are read one after another (keep-alive),
//! handed to the test's handler together with a `forward` function that sends them to moto.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One HTTP request as the proxy received it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    /// A header value, case-insensitive.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// A form (query protocol) parameter of the body, URL-decoded.
    pub fn form(&self, key: &str) -> Option<String> {
        let body = String::from_utf8_lossy(&self.body);
        body.split('&').find_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            (url_decode(k) == key).then(|| url_decode(v))
        })
    }

    /// The query-protocol `Action` (empty for other protocols).
    pub fn action(&self) -> String {
        self.form("Action").unwrap_or_default()
    }

    /// (region, service) of the SigV4 credential scope.
    pub fn scope(&self) -> (String, String) {
        credential_scope(self.header("Authorization").unwrap_or(""))
    }
}

/// (region, service) of the credential scope of a SigV4 `Authorization` header
/// (`Credential=AKID/DATE/REGION/SERVICE/aws4_request, ...`); empty where it has none.
pub fn credential_scope(authorization: &str) -> (String, String) {
    let parts: Vec<&str> = authorization
        .split("Credential=")
        .nth(1)
        .and_then(|s| s.split(',').next())
        .map(|s| s.split('/').collect())
        .unwrap_or_default();
    (
        parts.get(2).copied().unwrap_or("").to_string(),
        parts.get(3).copied().unwrap_or("").to_string(),
    )
}

fn url_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match u8::from_str_radix(&s[i + 1..i + 3], 16) {
                Ok(b) => {
                    out.push(b);
                    i += 2;
                }
                Err(_) => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// One HTTP response to send back.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// A response with an XML body.
    pub fn xml(status: u16, body: impl Into<String>) -> Response {
        Response {
            status,
            headers: vec![("Content-Type".into(), "text/xml".into())],
            body: body.into().into_bytes(),
        }
    }

    /// An EC2-style (query protocol) error.
    pub fn ec2_error(status: u16, code: &str, message: &str) -> Response {
        Response::xml(
            status,
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors><RequestID>proxy-0</RequestID></Response>"
            ),
        )
    }

    /// An EC2-style error whose message says the test proxy injected it.
    pub fn injected(status: u16, code: &str) -> Response {
        Response::ec2_error(status, code, "injected by the test proxy")
    }

    /// An STS-style (query protocol) error.
    pub fn sts_error(status: u16, code: &str, message: &str) -> Response {
        Response::xml(
            status,
            format!(
                "<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error></ErrorResponse>"
            ),
        )
    }

    /// A JSON-protocol error (CloudWatch Logs, Firehose, ...).
    pub fn json_error(status: u16, kind: &str, message: &str) -> Response {
        Response {
            status,
            headers: vec![("Content-Type".into(), "application/x-amz-json-1.1".into())],
            body: format!("{{\"__type\":\"{kind}\",\"message\":\"{message}\"}}").into_bytes(),
        }
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// The test's decision for each request: answer it, or call `forward` to get moto's answer.
pub type Handler = Arc<dyn Fn(&Request, &dyn Fn(&Request) -> Response) -> Response + Send + Sync>;

/// A running proxy; stops accepting when dropped.
pub struct Proxy {
    pub port: u16,
    stop: Arc<AtomicBool>,
    /// Requests received, in total.
    pub requests: Arc<AtomicUsize>,
    /// Connections accepted, in total.
    pub connections: Arc<AtomicUsize>,
}

impl Proxy {
    /// Start a proxy on a free loopback port in front of `upstream_port`.
    pub fn start(upstream_port: u16, handler: Handler) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let requests = Arc::new(AtomicUsize::new(0));
        let connections = Arc::new(AtomicUsize::new(0));
        let (stop2, requests2, connections2) =
            (stop.clone(), requests.clone(), connections.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                connections2.fetch_add(1, Ordering::SeqCst);
                let handler = handler.clone();
                let requests = requests2.clone();
                std::thread::spawn(move || serve(conn, upstream_port, handler, requests));
            }
        });
        Proxy {
            port,
            stop,
            requests,
            connections,
        }
    }

    /// A proxy in front of `upstream_port` that answers each request `fault` gives a response
    /// for with it, and forwards the others.
    pub fn faulty(
        upstream_port: u16,
        fault: impl Fn(&Request) -> Option<Response> + Send + Sync + 'static,
    ) -> Proxy {
        Proxy::start(
            upstream_port,
            Arc::new(move |req, forward| fault(req).unwrap_or_else(|| forward(req))),
        )
    }

    /// A proxy that answers every query-protocol `action` with an injected EC2 error.
    pub fn denying(
        upstream_port: u16,
        action: &'static str,
        status: u16,
        code: &'static str,
    ) -> Proxy {
        Proxy::faulty(upstream_port, move |req| {
            (req.action() == action).then(|| Response::injected(status, code))
        })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn serve(conn: TcpStream, upstream: u16, handler: Handler, requests: Arc<AtomicUsize>) {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(120)));
    let mut writer = match conn.try_clone() {
        Ok(w) => w,
        Err(_) => return,
    };
    let mut reader = BufReader::new(conn);
    while let Some(req) = read_request(&mut reader) {
        requests.fetch_add(1, Ordering::SeqCst);
        let forward = |r: &Request| forward(upstream, r);
        let resp = handler(&req, &forward);
        if write_response(&mut writer, &resp).is_err() {
            return;
        }
    }
}

fn read_head<R: BufRead>(r: &mut R) -> Option<(String, Vec<(String, String)>)> {
    let mut first = String::new();
    if r.read_line(&mut first).ok()? == 0 {
        return None;
    }
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    Some((first.trim_end().to_string(), headers))
}

fn read_body<R: BufRead>(r: &mut R, headers: &[(String, String)], to_eof: bool) -> Vec<u8> {
    let get = |n: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(n))
            .map(|(_, v)| v.to_ascii_lowercase())
    };
    let mut body = Vec::new();
    if get("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
        loop {
            let mut size = String::new();
            if r.read_line(&mut size).unwrap_or(0) == 0 {
                break;
            }
            let n = usize::from_str_radix(size.trim().split(';').next().unwrap_or("0"), 16)
                .unwrap_or(0);
            if n == 0 {
                let mut end = String::new();
                let _ = r.read_line(&mut end);
                break;
            }
            let mut chunk = vec![0; n];
            if r.read_exact(&mut chunk).is_err() {
                break;
            }
            body.extend(chunk);
            let mut crlf = String::new();
            let _ = r.read_line(&mut crlf);
        }
    } else if let Some(len) = get("content-length").and_then(|v| v.parse::<usize>().ok()) {
        body.resize(len, 0);
        let _ = r.read_exact(&mut body);
    } else if to_eof {
        let _ = r.read_to_end(&mut body);
    }
    body
}

fn read_request<R: BufRead>(r: &mut R) -> Option<Request> {
    let (first, headers) = read_head(r)?;
    let mut parts = first.split_whitespace();
    let method = parts.next()?.to_string();
    let path = parts.next()?.to_string();
    let body = read_body(r, &headers, false);
    Some(Request {
        method,
        path,
        headers,
        body,
    })
}

/// Send a request to moto (one connection per request) and read its whole answer.
pub fn forward(upstream: u16, req: &Request) -> Response {
    let fail = |e: String| Response::ec2_error(502, "ProxyError", &e);
    let mut s = match TcpStream::connect(("127.0.0.1", upstream)) {
        Ok(s) => s,
        Err(e) => return fail(e.to_string()),
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(120)));
    let head = message_head(
        format!("{} {} HTTP/1.1", req.method, req.path),
        &req.headers,
        req.body.len(),
        "close",
    );
    if s.write_all(head.as_bytes())
        .and_then(|_| s.write_all(&req.body))
        .is_err()
    {
        return fail("write to upstream failed".into());
    }
    let mut r = BufReader::new(s);
    let Some((status_line, headers)) = read_head(&mut r) else {
        return fail("no response from upstream".into());
    };
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(502);
    let body = if req.method == "HEAD" {
        Vec::new()
    } else {
        read_body(&mut r, &headers, true)
    };
    let headers = headers
        .into_iter()
        .filter(|(k, _)| !is_framing(k))
        .collect();
    Response {
        status,
        headers,
        body,
    }
}

/// A header the proxy sets itself: the framing of a message (its length, its connection).
fn is_framing(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n == "connection" || n == "content-length" || n == "transfer-encoding"
}

/// The head of a message: its first line, its headers but the framing ones, and the framing
/// of a body of `len` bytes on a connection kept as `connection` says.
fn message_head(
    first: String,
    headers: &[(String, String)],
    len: usize,
    connection: &str,
) -> String {
    let mut head = first + "\r\n";
    for (k, v) in headers.iter().filter(|(k, _)| !is_framing(k)) {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {len}\r\nConnection: {connection}\r\n\r\n"
    ));
    head
}

fn write_response(w: &mut TcpStream, resp: &Response) -> std::io::Result<()> {
    let head = message_head(
        format!("HTTP/1.1 {} X", resp.status),
        &resp.headers,
        resp.body.len(),
        "keep-alive",
    );
    w.write_all(head.as_bytes())?;
    w.write_all(&resp.body)?;
    w.flush()
}

/// What the paginating handler did.
#[derive(Debug, Default)]
pub struct PageStats {
    /// operation -> pages served (first pages included)
    pub pages: Mutex<HashMap<String, usize>>,
    /// operation -> MaxResults values the client sent
    pub max_results: Mutex<HashMap<String, Vec<String>>>,
}

impl PageStats {
    /// Pages served for an operation.
    pub fn pages(&self, op: &str) -> usize {
        self.pages.lock().unwrap().get(op).copied().unwrap_or(0)
    }
}

/// The XML element holding the items of each paginated EC2 listing.
fn item_set(action: &str) -> Option<&'static str> {
    match action {
        "DescribeVpcs" => Some("vpcSet"),
        "DescribeSubnets" => Some("subnetSet"),
        "DescribeFlowLogs" => Some("flowLogSet"),
        _ => None,
    }
}

/// Split the top-level `<item>` elements of `inner` (nested items stay inside their parent).
fn top_level_items(inner: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut depth = 0usize;
    let mut start = 0usize;
    let mut i = 0usize;
    while i < inner.len() {
        let rest = &inner[i..];
        if rest.starts_with("<item>") {
            if depth == 0 {
                start = i;
            }
            depth += 1;
            i += "<item>".len();
        } else if rest.starts_with("</item>") {
            depth -= 1;
            i += "</item>".len();
            if depth == 0 {
                items.push(inner[start..i].to_string());
            }
        } else {
            i += rest.chars().next().map(char::len_utf8).unwrap_or(1);
        }
    }
    items
}

/// Build page bodies from a full moto answer: `(prefix, items, suffix)` → pages with nextTokens.
fn split_pages(body: &str, set: &str, page_size: usize, token_base: &str) -> Option<Vec<String>> {
    let open = format!("<{set}>");
    let close = format!("</{set}>");
    let a = body.find(&open)?;
    let b = body[a..].find(&close)? + a;
    let items = top_level_items(&body[a + open.len()..b]);
    let prefix = &body[..a];
    let mut suffix = body[b + close.len()..].to_string();
    // Drop any nextToken moto wrote itself.
    if let (Some(x), Some(y)) = (suffix.find("<nextToken>"), suffix.find("</nextToken>")) {
        suffix.replace_range(x..y + "</nextToken>".len(), "");
    }
    let chunks: Vec<&[String]> = if items.is_empty() {
        vec![&[]]
    } else {
        items.chunks(page_size.max(1)).collect()
    };
    let n = chunks.len();
    Some(
        chunks
            .iter()
            .enumerate()
            .map(|(i, chunk)| {
                let token = if i + 1 < n {
                    format!("<nextToken>{token_base}-{}</nextToken>", i + 1)
                } else {
                    String::new()
                };
                let end = suffix.rfind("</").unwrap_or(suffix.len());
                format!(
                    "{prefix}{open}{}{close}{}{token}{}",
                    chunk.concat(),
                    &suffix[..end],
                    &suffix[end..]
                )
            })
            .collect(),
    )
}

/// A handler that serves DescribeVpcs / DescribeSubnets / DescribeFlowLogs in pages of
/// `page_size` items with NextToken, from one full moto answer per listing.
pub fn paginating(page_size: usize) -> (Handler, Arc<PageStats>) {
    let stats = Arc::new(PageStats::default());
    let stored: Arc<Mutex<HashMap<String, String>>> = Arc::default();
    let counter = Arc::new(AtomicUsize::new(0));
    let s2 = stats.clone();
    let handler: Handler = Arc::new(move |req, forward| {
        let action = req.form("Action").unwrap_or_default();
        let Some(set) = item_set(&action) else {
            return forward(req);
        };
        if let Some(mr) = req.form("MaxResults") {
            s2.max_results
                .lock()
                .unwrap()
                .entry(action.clone())
                .or_default()
                .push(mr);
        }
        *s2.pages.lock().unwrap().entry(action.clone()).or_default() += 1;
        if let Some(token) = req.form("NextToken") {
            return match stored.lock().unwrap().remove(&token) {
                Some(page) => Response::xml(200, page),
                None => Response::ec2_error(400, "InvalidNextToken", "unknown token"),
            };
        }
        let full = forward(req);
        if full.status != 200 {
            return full;
        }
        let base = format!("tok{}", counter.fetch_add(1, Ordering::SeqCst));
        let Some(mut pages) = split_pages(&full.text(), set, page_size, &base) else {
            return full;
        };
        let first = pages.remove(0);
        let mut st = stored.lock().unwrap();
        for (i, p) in pages.into_iter().enumerate() {
            st.insert(format!("{base}-{}", i + 1), p);
        }
        Response::xml(200, first)
    });
    (handler, stats)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_top_level_items_only() {
        let body = "<R><vpcSet><item><a/><tagSet><item>x</item></tagSet></item><item>2</item><item>3</item></vpcSet><nextToken>m</nextToken></R>";
        let pages = split_pages(body, "vpcSet", 2, "t").unwrap();
        assert_eq!(pages.len(), 2);
        assert_eq!(
            pages[0],
            "<R><vpcSet><item><a/><tagSet><item>x</item></tagSet></item><item>2</item></vpcSet><nextToken>t-1</nextToken></R>"
        );
        assert_eq!(pages[1], "<R><vpcSet><item>3</item></vpcSet></R>");
        assert_eq!(url_decode("a%2Fb+c"), "a/b c");
    }
}
