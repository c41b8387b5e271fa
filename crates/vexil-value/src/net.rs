use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::error::ValueError;

/// An IPv4 or IPv6 address, as `std` parses it.
///
/// `std` is strict, which is what we want for values that must parse alike
/// everywhere: IPv4 is exactly four decimal octets with no leading zeros
/// (`01.2.3.4` is rejected, so no octal ambiguity), and no shorthand forms
/// (`10.1`, `0x7f.1`). IPv6 takes every RFC 4291 text form, hex in either
/// case, including an embedded IPv4 tail (`::ffff:1.2.3.4`, which is an IPv6
/// address). Zone ids (`fe80::1%eth0`), brackets and whitespace are rejected.
pub fn parse_ip(s: &str) -> Result<IpAddr, ValueError> {
    s.parse().map_err(|_| ValueError::ip(s, ip_hint(s)))
}

fn ip_hint(s: &str) -> &'static str {
    if s.contains('%') {
        "zone ids (%…) are not supported"
    } else if s.starts_with('[') {
        "write the address without brackets"
    } else if s.trim() != s {
        "remove the surrounding whitespace"
    } else {
        "expected an IPv4 address like 192.0.2.1 or an IPv6 address like 2001:db8::1"
    }
}

/// An address range `network/prefix` whose host bits are all zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// `10.0.0.0/8`, `fd00::/8`. The prefix is plain decimal (no sign, no
    /// leading zeros), at most 32 for IPv4 and 128 for IPv6. Host bits must
    /// be zero: a range written with a host address is almost always a
    /// mistake about what it covers, so it is rejected with the network
    /// address as a suggestion rather than silently masked.
    pub fn parse(s: &str) -> Result<Cidr, ValueError> {
        let err = |reason: String| ValueError::cidr(s, reason);
        let Some((addr_text, prefix_text)) = s.split_once('/') else {
            return Err(err("expected an address range like 10.0.0.0/8 (the \"/prefix\" is missing)".into()));
        };
        let addr: IpAddr = addr_text
            .parse()
            .map_err(|_| err(format!("{addr_text:?} is not an IP address; {}", ip_hint(addr_text))))?;
        let max = match addr {
            IpAddr::V4(_) => 32,
            IpAddr::V6(_) => 128,
        };
        let prefix = parse_prefix(prefix_text)
            .filter(|p| *p <= max)
            .ok_or_else(|| err(format!("the prefix must be a decimal number from 0 to {max}")))?;
        let network = mask(addr, prefix);
        if network != addr {
            return Err(err(format!("host bits must be zero; did you mean {network}/{prefix}?")));
        }
        Ok(Cidr { addr, prefix })
    }

    /// Whether `ip` is in the range. Families never mix: an IPv6 address,
    /// `::ffff:a.b.c.d` included, is never in an IPv4 range and vice versa.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let same_family = matches!((self.addr, ip), (IpAddr::V4(_), IpAddr::V4(_)) | (IpAddr::V6(_), IpAddr::V6(_)));
        same_family && mask(ip, self.prefix) == self.addr
    }

    pub fn addr(&self) -> IpAddr {
        self.addr
    }

    pub fn prefix(&self) -> u8 {
        self.prefix
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// At most three digits, so the value cannot overflow and "0032" or "+8"
/// are rejected.
fn parse_prefix(text: &str) -> Option<u8> {
    let digits_only = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    let leading_zero = text.len() > 1 && text.starts_with('0');
    if !digits_only || leading_zero || text.len() > 3 {
        return None;
    }
    text.parse().ok()
}

/// `ip` with every bit past `prefix` cleared.
fn mask(ip: IpAddr, prefix: u8) -> IpAddr {
    // `checked_shl` returns None for a shift by the full width (prefix 0),
    // where the mask is empty.
    match ip {
        IpAddr::V4(a) => {
            let m = u32::MAX.checked_shl(32 - u32::from(prefix.min(32))).unwrap_or(0);
            IpAddr::V4(Ipv4Addr::from(u32::from(a) & m))
        }
        IpAddr::V6(a) => {
            let m = u128::MAX.checked_shl(128 - u32::from(prefix.min(128))).unwrap_or(0);
            IpAddr::V6(Ipv6Addr::from(u128::from(a) & m))
        }
    }
}

#[cfg(test)]
mod tests;
