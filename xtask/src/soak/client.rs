//! A small HTTP/1.1 client on std's `TcpStream`, enough for the soak: one keep-alive
//! connection per worker, answers read whole with their headers, and the raw socket for the
//! clients that misbehave on purpose.

use std::io::{self, BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// One answer: its status, headers (names in lower case) and body.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(header, _)| header == name)
            .map(|(_, value)| value.as_str())
    }
}

/// A keep-alive connection to one server, opened again when the server closed it.
#[derive(Debug)]
pub struct Client {
    addr: SocketAddr,
    timeout: Duration,
    connection: Option<BufReader<TcpStream>>,
}

impl Client {
    /// `timeout` bounds each read and write: longer than any answer the soak allows.
    pub fn new(addr: SocketAddr, timeout: Duration) -> Self {
        Self {
            addr,
            timeout,
            connection: None,
        }
    }

    /// Writes a whole request and reads the whole answer. A kept-alive connection that the
    /// server closed between two requests is opened again once, as browsers do, when nothing
    /// of the answer came back.
    pub fn exchange(&mut self, request: &[u8]) -> io::Result<Answer> {
        let reused = self.connection.is_some();
        match self.try_exchange(request) {
            Err(error) if reused && error.kind() == io::ErrorKind::UnexpectedEof => {
                self.try_exchange(request)
            }
            answer => answer,
        }
    }

    fn try_exchange(&mut self, request: &[u8]) -> io::Result<Answer> {
        let connection = match &mut self.connection {
            Some(connection) => connection,
            None => self
                .connection
                .insert(BufReader::new(connect(self.addr, self.timeout)?)),
        };
        let answer = connection
            .get_mut()
            .write_all(request)
            .and_then(|()| read_answer(connection));
        match answer {
            Ok((answer, keep_alive)) => {
                if !keep_alive {
                    self.connection = None;
                }
                Ok(answer)
            }
            Err(error) => {
                self.connection = None;
                // A reset or a broken pipe on a reused connection is the same story as an EOF.
                Err(match error.kind() {
                    io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe => {
                        io::Error::from(io::ErrorKind::UnexpectedEof)
                    }
                    _ => error,
                })
            }
        }
    }
}

pub fn connect(addr: SocketAddr, timeout: Duration) -> io::Result<TcpStream> {
    let stream = TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    Ok(stream)
}

/// The answer, and whether the connection stays open. Bodies come with `Content-Length`,
/// chunked, or until the server closes.
pub fn read_answer(reader: &mut impl BufRead) -> io::Result<(Answer, bool)> {
    let bad = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_owned());
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Err(io::Error::from(io::ErrorKind::UnexpectedEof));
    }
    let status = line
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse::<u16>().ok())
        .ok_or_else(|| bad("not an HTTP/1.1 status line"))?;
    let mut headers = Vec::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Err(io::Error::from(io::ErrorKind::UnexpectedEof));
        }
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header
            .split_once(':')
            .ok_or_else(|| bad("a header line without a colon"))?;
        headers.push((name.to_ascii_lowercase(), value.trim().to_owned()));
    }
    let value = |name: &str| {
        headers
            .iter()
            .find(|(header, _)| header == name)
            .map(|(_, value)| value.as_str())
    };
    let mut keep_alive = !value("connection").is_some_and(|v| v.eq_ignore_ascii_case("close"));
    let chunked = value("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked"));
    let length = value("content-length")
        .map(|v| v.parse::<usize>().map_err(|_| bad("bad Content-Length")))
        .transpose()?;
    let mut body = Vec::new();
    if chunked {
        loop {
            line.clear();
            reader.read_line(&mut line)?;
            let size = line.trim_end().split(';').next().unwrap_or_default();
            let size = usize::from_str_radix(size.trim(), 16).map_err(|_| bad("bad chunk size"))?;
            if size == 0 {
                // Trailers, then the blank line.
                loop {
                    line.clear();
                    if reader.read_line(&mut line)? == 0 || line.trim_end().is_empty() {
                        break;
                    }
                }
                break;
            }
            let start = body.len();
            body.resize(start + size, 0);
            reader.read_exact(&mut body[start..])?;
            let mut crlf = [0; 2];
            reader.read_exact(&mut crlf)?;
        }
    } else if let Some(length) = length {
        body.resize(length, 0);
        reader.read_exact(&mut body)?;
    } else if status != 204 && status != 304 {
        reader.read_to_end(&mut body)?;
        keep_alive = false;
    }
    Ok((
        Answer {
            status,
            headers,
            body,
        },
        keep_alive,
    ))
}

#[cfg(test)]
mod tests {
    use super::read_answer;
    use std::io::Cursor;

    #[test]
    fn reads_a_sized_answer_and_keeps_the_connection() {
        let text =
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\ncontent-length: 2\r\n\r\n{}NEXT";
        let mut reader = Cursor::new(text.as_bytes());
        let (answer, keep_alive) = read_answer(&mut reader).expect("a valid answer");
        assert_eq!(
            (answer.status, answer.body.as_slice(), keep_alive),
            (200, &b"{}"[..], true)
        );
        assert_eq!(answer.header("content-type"), Some("application/json"));
        assert_eq!(reader.position() as usize, text.len() - 4);
    }

    #[test]
    fn reads_a_chunked_answer_and_a_closing_one() {
        let chunked = "HTTP/1.1 422 Unprocessable\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n";
        let (answer, _) =
            read_answer(&mut Cursor::new(chunked.as_bytes())).expect("a chunked answer");
        assert_eq!(
            (answer.status, answer.body.as_slice()),
            (422, &b"abcde"[..])
        );

        let closing = "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nrest";
        let (answer, keep_alive) =
            read_answer(&mut Cursor::new(closing.as_bytes())).expect("a closing answer");
        assert_eq!((answer.body.as_slice(), keep_alive), (&b"rest"[..], false));
    }

    #[test]
    fn rejects_what_is_not_http() {
        assert!(read_answer(&mut Cursor::new(&b"SSH-2.0-OpenSSH\r\n"[..])).is_err());
        assert!(read_answer(&mut Cursor::new(&b""[..])).is_err());
    }
}
