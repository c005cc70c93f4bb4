//! A tiny blocking HTTP/1.1 client over `std::net::TcpStream`, enough to
//! drive the server exactly (keep-alive, `Connection: close`, malformed
//! requests) without a client library.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// A parsed response.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    /// The value of header `name` (case-insensitive), if present once or more.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// One client connection.
pub struct Client {
    reader: BufReader<TcpStream>,
}

impl Client {
    /// Connects, with a read timeout so a broken server fails the test instead of hanging it.
    pub fn connect(addr: SocketAddr) -> Client {
        let stream = TcpStream::connect(addr).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        Client {
            reader: BufReader::new(stream),
        }
    }

    /// Writes raw bytes.
    pub fn send_raw(&mut self, raw: &str) {
        self.reader
            .get_mut()
            .write_all(raw.as_bytes())
            .expect("write");
    }

    /// Writes a request without reading the answer.
    pub fn send(&mut self, method: &str, target: &str, extra_headers: &str) {
        self.send_raw(&format!(
            "{method} {target} HTTP/1.1\r\nHost: test\r\n{extra_headers}\r\n"
        ));
    }

    /// Sends a request and reads its answer.
    pub fn request(&mut self, method: &str, target: &str, extra_headers: &str) -> Reply {
        self.send(method, target, extra_headers);
        self.read_reply()
    }

    /// Reads one response (the server always sends a Content-Length).
    pub fn read_reply(&mut self) -> Reply {
        let mut line = String::new();
        self.reader.read_line(&mut line).expect("status line");
        assert!(line.starts_with("HTTP/1.1 "), "bad status line {line:?}");
        let status: u16 = line[9..12].parse().expect("status code");
        let mut headers = Vec::new();
        loop {
            line.clear();
            self.reader.read_line(&mut line).expect("header line");
            let l = line.trim_end_matches(['\r', '\n']);
            if l.is_empty() {
                break;
            }
            let (k, v) = l.split_once(':').expect("header has a colon");
            headers.push((k.trim().to_owned(), v.trim().to_owned()));
        }
        let mut reply = Reply {
            status,
            headers,
            body: Vec::new(),
        };
        if status != 204 && status != 304 {
            let len: usize = reply
                .header("content-length")
                .expect("content-length")
                .parse()
                .expect("content-length is a number");
            reply.body = vec![0; len];
            self.reader.read_exact(&mut reply.body).expect("body");
        }
        reply
    }

    /// The socket, for raw reads (nothing must be buffered yet).
    pub fn stream(&mut self) -> &mut TcpStream {
        assert!(self.reader.buffer().is_empty(), "bytes are buffered");
        self.reader.get_mut()
    }

    /// Whether the server has closed the connection (reads EOF or a reset).
    pub fn closed_by_server(&mut self) -> bool {
        let mut byte = [0u8; 1];
        match self.reader.read(&mut byte) {
            Ok(0) => true,
            Ok(_) => false,
            Err(e) => e.kind() == std::io::ErrorKind::ConnectionReset,
        }
    }
}

/// One GET on a fresh connection.
/// An in-process server on `127.0.0.1:0` with the default config.
pub fn start() -> fanout_server::Server {
    fanout_server::Server::start(fanout_server::Config::default()).expect("server starts")
}

pub fn get(addr: SocketAddr, target: &str) -> Reply {
    Client::connect(addr).request("GET", target, "")
}

/// Polls `cond` until it holds, failing the test after 10 s. For conditions
/// inside the server that no response reports (a handler is now sleeping).
pub fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::yield_now();
    }
}

/// How a raw read ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// The server closed the connection (FIN).
    Eof,
    /// The server reset the connection (RST).
    Reset,
    /// Nothing more arrived within the read timeout.
    TimedOut,
    /// Some other read error.
    Other(ErrorKind),
}

/// Reads until the server closes or resets the connection, or nothing
/// arrives for `idle`; returns the bytes read and how it ended.
pub fn read_until_end(stream: &mut TcpStream, idle: Duration) -> (Vec<u8>, End) {
    stream.set_read_timeout(Some(idle)).unwrap();
    let mut out = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return (out, End::Eof),
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => {
                let end = match e.kind() {
                    ErrorKind::ConnectionReset => End::Reset,
                    ErrorKind::WouldBlock | ErrorKind::TimedOut => End::TimedOut,
                    kind => End::Other(kind),
                };
                return (out, end);
            }
        }
    }
}

/// A GET with `Connection: close` on a fresh connection, read raw until the
/// end: a complete answer ends with [`End::Eof`].
pub fn raw_get(addr: SocketAddr, target: &str, idle: Duration) -> (Vec<u8>, End) {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .write_all(
            format!("GET {target} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .expect("write");
    read_until_end(&mut stream, idle)
}

/// A raw response split into status, headers and the bytes after the head.
pub fn split_head(raw: &[u8]) -> (u16, Vec<(String, String)>, &[u8]) {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no complete head in {:?}", String::from_utf8_lossy(raw)));
    let head = std::str::from_utf8(&raw[..end]).expect("head is UTF-8");
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap();
    assert!(status_line.starts_with("HTTP/1.1 "), "{status_line:?}");
    let status = status_line[9..12].parse().expect("status code");
    let headers = lines
        .map(|l| {
            let (k, v) = l.split_once(':').expect("header has a colon");
            (k.trim().to_ascii_lowercase(), v.trim().to_owned())
        })
        .collect();
    (status, headers, &raw[end + 4..])
}

/// The value of header `name` (lower case) in [`split_head`]'s headers.
pub fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}
