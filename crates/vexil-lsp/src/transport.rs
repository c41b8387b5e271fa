//! LSP framing over byte streams (`Content-Length: N\r\n\r\n` + JSON), with
//! every size bounded and every malformed message answered rather than
//! fatal: a header that is not one, a body that is not JSON, JSON that is
//! not a JSON-RPC message. The server keeps reading after each.

use std::io::{self, BufRead, Write};

use lsp_server::{ErrorCode, Message, RequestId, Response};

/// The largest message read: a 16 MiB ruleset, JSON-escaped, with room.
pub const MAX_MESSAGE_BYTES: usize = 48 << 20;
/// The longest header line read.
const MAX_HEADER_LINE: usize = 1024;

/// What one read produced.
pub enum Read {
    Message(Message),
    /// A framing or JSON problem: the error response to send (id null).
    Invalid(Response),
    Eof,
}

fn invalid(code: ErrorCode, message: String) -> Read {
    Read::Invalid(Response::new_err(RequestId::from(String::new()), code as i32, message))
}

/// Reads the next message. `Err` only for I/O errors (the input is gone).
///
/// A header block that cannot be read is reported once its blank line has
/// been read; a `Content-Length:` is then looked for anywhere in a line, so
/// a body left unread (it has no newline) does not hide the message after it.
pub fn read(input: &mut impl BufRead) -> io::Result<Read> {
    let mut length: Option<usize> = None;
    let mut saw_header = false;
    let mut problem: Option<String> = None;
    loop {
        let mut line = Vec::new();
        let n =
            io::Read::take(&mut *input as &mut dyn BufRead, MAX_HEADER_LINE as u64 + 1).read_until(b'\n', &mut line)?;
        if n == 0 {
            return Ok(if saw_header {
                invalid(ErrorCode::ParseError, "the input ended inside a header".into())
            } else {
                Read::Eof
            });
        }
        if line.len() > MAX_HEADER_LINE && line.last() != Some(&b'\n') {
            skip_line(input)?;
            problem.get_or_insert_with(|| format!("a header line longer than {MAX_HEADER_LINE} bytes"));
            saw_header = true;
            continue;
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\r', '\n']);
        if text.is_empty() {
            if saw_header {
                break;
            }
            continue;
        }
        saw_header = true;
        // Resynchronise: text before `Content-Length:` is the rest of an unread body.
        let lower = text.to_ascii_lowercase();
        let text = lower.find("content-length:").map_or(text, |i| &text[i..]);
        match text.split_once(':') {
            Some((name, value)) if name.trim().eq_ignore_ascii_case("Content-Length") => {
                match value.trim().parse::<usize>() {
                    Ok(n) => length = Some(n),
                    Err(_) => {
                        problem.get_or_insert_with(|| format!("a Content-Length that is not a number: {value:?}"));
                    }
                }
            }
            Some(_) => {}
            None => {
                problem.get_or_insert_with(|| format!("a header line that is not `Name: value`: {text:?}"));
            }
        }
    }
    if let Some(problem) = problem {
        return Ok(invalid(ErrorCode::ParseError, problem));
    }
    if let Some(n) = length.filter(|&n| n > MAX_MESSAGE_BYTES) {
        // Too large: skip its body without keeping it.
        io::copy(&mut io::Read::take(&mut *input as &mut dyn BufRead, n as u64), &mut io::sink())?;
        return Ok(invalid(ErrorCode::ParseError, format!("a message of {n} bytes; the limit is {MAX_MESSAGE_BYTES}")));
    }
    let Some(length) = length else {
        return Ok(invalid(ErrorCode::ParseError, "a message without Content-Length".into()));
    };
    let mut body = vec![0; length];
    input.read_exact(&mut body)?;
    let value: serde_json::Value = match serde_json::from_slice(&body) {
        Ok(value) => value,
        Err(error) => return Ok(invalid(ErrorCode::ParseError, format!("the body is not JSON: {error}"))),
    };
    let id = value.get("id").cloned();
    match serde_json::from_value::<Message>(value) {
        Ok(message) => Ok(Read::Message(message)),
        Err(error) => {
            let message = format!("not a JSON-RPC request, response or notification: {error}");
            let id = match id {
                Some(serde_json::Value::Number(n)) => {
                    n.as_i64().and_then(|n| i32::try_from(n).ok()).map(RequestId::from)
                }
                Some(serde_json::Value::String(s)) => Some(RequestId::from(s)),
                _ => None,
            };
            Ok(Read::Invalid(Response::new_err(
                id.unwrap_or_else(|| RequestId::from(String::new())),
                ErrorCode::InvalidRequest as i32,
                message,
            )))
        }
    }
}

/// Discards input up to and including the next newline, keeping nothing.
fn skip_line(input: &mut impl BufRead) -> io::Result<()> {
    loop {
        let buffer = input.fill_buf()?;
        if buffer.is_empty() {
            return Ok(());
        }
        match buffer.iter().position(|&b| b == b'\n') {
            Some(i) => {
                input.consume(i + 1);
                return Ok(());
            }
            None => {
                let n = buffer.len();
                input.consume(n);
            }
        }
    }
}

/// Writes one message.
pub fn write(output: &mut impl Write, message: &Message) -> io::Result<()> {
    message.write(output)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    #[test]
    fn garbage_is_answered_and_reading_goes_on() {
        let input = [
            frame("{not json"),
            frame(r#"{"jsonrpc":"2.0","id":7,"bogus":true}"#),
            "No colon here\r\n\r\n".to_owned(),
            // A length that is not a number: its body stays unread and is skipped while
            // looking for the next `Content-Length:`.
            "Content-Length: x\r\n\r\n{\"jsonrpc\":\"2.0\",\"method\":\"lost\"}".to_owned(),
            frame(r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#),
            // Declared larger than the limit: refused, its (here missing) body skipped.
            "Content-Length: 99999999999\r\n\r\n".to_owned(),
        ]
        .concat();
        let mut reader = io::BufReader::new(input.as_bytes());
        let mut kinds = Vec::new();
        loop {
            match read(&mut reader) {
                Ok(Read::Message(Message::Notification(n))) => kinds.push(format!("notification {}", n.method)),
                Ok(Read::Message(_)) => kinds.push("message".into()),
                Ok(Read::Invalid(response)) => {
                    let id = if response.id == RequestId::from(7) {
                        "7"
                    } else if response.id == RequestId::from(String::new()) {
                        "none"
                    } else {
                        "?"
                    };
                    kinds.push(format!("invalid {id} {}", response.response_result.err().map_or(0, |e| e.code)));
                }
                Ok(Read::Eof) => break,
                Err(error) => {
                    kinds.push(format!("io {error}"));
                    break;
                }
            }
        }
        assert_eq!(kinds[0], "invalid none -32700");
        assert_eq!(kinds[1], "invalid 7 -32600");
        assert_eq!(kinds[2], "invalid none -32700");
        assert_eq!(kinds[3], "invalid none -32700");
        assert_eq!(kinds[4], "notification initialized");
        assert_eq!(kinds[5], "invalid none -32700");
        assert_eq!(kinds.len(), 6);
    }
}
