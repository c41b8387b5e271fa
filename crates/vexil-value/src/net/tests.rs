use super::*;

fn ip(s: &str) -> IpAddr {
    match parse_ip(s) {
        Ok(ip) => ip,
        Err(e) => panic!("{e}"),
    }
}

fn cidr(s: &str) -> Cidr {
    match Cidr::parse(s) {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    }
}

fn cidr_reason(s: &str) -> String {
    match Cidr::parse(s) {
        Ok(c) => panic!("{s} parsed as {c}"),
        Err(ValueError::Cidr { reason, .. }) => reason,
        Err(e) => panic!("wrong variant {e:?}"),
    }
}

#[test]
fn std_accepts() {
    assert_eq!(ip("1.2.3.4"), IpAddr::V4(Ipv4Addr::new(1, 2, 3, 4)));
    assert_eq!(ip("0.0.0.0"), IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    assert_eq!(ip("255.255.255.255"), IpAddr::V4(Ipv4Addr::BROADCAST));
    assert_eq!(ip("::1"), IpAddr::V6(Ipv6Addr::LOCALHOST));
    assert_eq!(ip("::"), IpAddr::V6(Ipv6Addr::UNSPECIFIED));
    assert_eq!(ip("2001:DB8::1"), ip("2001:db8::1"));
    assert_eq!(ip("2001:0db8:0000:0000:0000:0000:0000:0001"), ip("2001:db8::1"));
    // An IPv4-mapped address is IPv6, whatever it looks like.
    assert_eq!(ip("::ffff:1.2.3.4"), IpAddr::V6(Ipv4Addr::new(1, 2, 3, 4).to_ipv6_mapped()));
    assert!(ip("::FFFF:1.2.3.4").is_ipv6());
    assert!(ip("::1.2.3.4").is_ipv6());
    assert_eq!(ip("::ffff:1.2.3.4").to_string(), "::ffff:1.2.3.4");
}

#[test]
fn std_rejects() {
    for s in [
        "",
        "01.2.3.4",
        "1.2.3.04",
        "1.2.3",
        "10.1",
        "1.2.3.4.5",
        "1.2.3.256",
        "0x7f.0.0.1",
        "-1.2.3.4",
        "fe80::1%eth0",
        "fe80::1%1",
        "[::1]",
        " 1.2.3.4",
        "1.2.3.4 ",
        "1.2.3.4/32",
        ":::",
        "1::2::3",
        "12345::",
        "g::1",
        "localhost",
        "１.2.3.4",
    ] {
        assert!(parse_ip(s).is_err(), "{s:?} should be rejected");
    }
}

#[test]
fn ip_error_messages() {
    let msg = |s: &str| parse_ip(s).map_err(|e| e.to_string()).err();
    assert_eq!(
        msg("1.2.3").as_deref(),
        Some(
            r#"invalid ip address "1.2.3": expected an IPv4 address like 192.0.2.1 or an IPv6 address like 2001:db8::1"#
        )
    );
    assert_eq!(
        msg("fe80::1%eth0").as_deref(),
        Some(r#"invalid ip address "fe80::1%eth0": zone ids (%…) are not supported"#)
    );
    assert_eq!(msg("[::1]").as_deref(), Some(r#"invalid ip address "[::1]": write the address without brackets"#));
    assert_eq!(msg(" 1.2.3.4").as_deref(), Some(r#"invalid ip address " 1.2.3.4": remove the surrounding whitespace"#));
}

#[test]
fn cidr_parses_and_displays() {
    for s in [
        "10.0.0.0/8",
        "0.0.0.0/0",
        "1.2.3.4/32",
        "192.168.0.0/16",
        "fd00::/8",
        "::/0",
        "::1/128",
        "2001:db8::/32",
        "::ffff:0.0.0.0/96",
    ] {
        assert_eq!(cidr(s).to_string(), s);
    }
    let c = cidr("10.0.0.0/8");
    assert_eq!(c.addr(), ip("10.0.0.0"));
    assert_eq!(c.prefix(), 8);
    // Display is std's canonical address text, not the input's.
    assert_eq!(cidr("FD00:0::/8").to_string(), "fd00::/8");
}

#[test]
fn cidr_host_bits_must_be_zero() {
    assert_eq!(cidr_reason("10.0.0.1/8"), "host bits must be zero; did you mean 10.0.0.0/8?");
    assert_eq!(cidr_reason("192.168.1.77/20"), "host bits must be zero; did you mean 192.168.0.0/20?");
    assert_eq!(cidr_reason("1.2.3.4/0"), "host bits must be zero; did you mean 0.0.0.0/0?");
    assert_eq!(cidr_reason("fd00::1/8"), "host bits must be zero; did you mean fd00::/8?");
    assert_eq!(cidr_reason("2001:db8::1/127"), "host bits must be zero; did you mean 2001:db8::/127?");
    assert_eq!(
        Cidr::parse("10.0.0.1/8").map_err(|e| e.to_string()),
        Err(r#"invalid CIDR range "10.0.0.1/8": host bits must be zero; did you mean 10.0.0.0/8?"#.to_owned())
    );
}

#[test]
fn cidr_rejections() {
    let missing = "expected an address range like 10.0.0.0/8 (the \"/prefix\" is missing)";
    let v4 = "the prefix must be a decimal number from 0 to 32";
    let v6 = "the prefix must be a decimal number from 0 to 128";
    for (s, reason) in [
        ("10.0.0.0", missing),
        ("", missing),
        ("10.0.0.0/33", v4),
        ("10.0.0.0/", v4),
        ("10.0.0.0/08", v4),
        ("10.0.0.0/00", v4),
        ("10.0.0.0/+8", v4),
        ("10.0.0.0/-0", v4),
        ("10.0.0.0/ 8", v4),
        ("10.0.0.0/8 ", v4),
        ("10.0.0.0/8/8", v4),
        ("10.0.0.0/0032", v4),
        ("10.0.0.0/256", v4),
        ("10.0.0.0/99999999999999999999", v4),
        ("::/129", v6),
        ("::/0128", v6),
        (
            "10.0.0/8",
            "\"10.0.0\" is not an IP address; expected an IPv4 address like 192.0.2.1 or an IPv6 address like 2001:db8::1",
        ),
        (
            "/8",
            "\"\" is not an IP address; expected an IPv4 address like 192.0.2.1 or an IPv6 address like 2001:db8::1",
        ),
        ("fe80::%eth0/64", "\"fe80::%eth0\" is not an IP address; zone ids (%…) are not supported"),
    ] {
        assert_eq!(cidr_reason(s), reason, "{s}");
    }
}

#[test]
fn cidr_contains() {
    let net = cidr("10.0.0.0/8");
    assert!(net.contains(ip("10.0.0.0")));
    assert!(net.contains(ip("10.255.255.255")));
    assert!(!net.contains(ip("11.0.0.0")));
    assert!(!net.contains(ip("9.255.255.255")));
    let host = cidr("192.0.2.7/32");
    assert!(host.contains(ip("192.0.2.7")));
    assert!(!host.contains(ip("192.0.2.6")));
    let odd = cidr("192.168.0.0/23");
    assert!(odd.contains(ip("192.168.1.255")));
    assert!(!odd.contains(ip("192.168.2.0")));
    let v6 = cidr("fd00::/8");
    assert!(v6.contains(ip("fd12:3456::1")));
    assert!(!v6.contains(ip("fe00::1")));
    assert!(cidr("::1/128").contains(ip("::1")));
    assert!(cidr("::/0").contains(ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")));
    assert!(cidr("0.0.0.0/0").contains(ip("255.255.255.255")));
}

#[test]
fn families_never_mix() {
    assert!(!cidr("0.0.0.0/0").contains(ip("::")));
    assert!(!cidr("0.0.0.0/0").contains(ip("::1")));
    assert!(!cidr("::/0").contains(ip("0.0.0.0")));
    assert!(!cidr("1.2.3.0/24").contains(ip("::ffff:1.2.3.4")));
    assert!(!cidr("1.2.3.0/24").contains(ip("::1.2.3.4")));
    assert!(cidr("::ffff:0.0.0.0/96").contains(ip("::ffff:1.2.3.4")));
    assert!(!cidr("::ffff:0.0.0.0/96").contains(ip("1.2.3.4")));
}

#[test]
fn cidr_equality_and_hash_are_structural() {
    use std::collections::HashSet;
    let set: HashSet<Cidr> = ["10.0.0.0/8", "10.0.0.0/8", "10.0.0.0/16", "fd00::/8"].map(cidr).into();
    assert_eq!(set.len(), 3);
    assert_eq!(cidr("fd00::/8"), cidr("FD00:0:0::/8"));
}
