//! Where webhooks may deliver: absolute http(s) URLs whose addresses are public. Loopback,
//! private (RFC 1918, ULA), link-local (cloud metadata), CGNAT, multicast, unspecified and other
//! special-purpose addresses are refused unless the configuration allows private targets. The
//! delivery side resolves names itself and connects only to an address checked here, so a DNS
//! answer cannot smuggle in a private address (rebinding).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use url::{Host, Url};

/// Parses a webhook URL: absolute, `http` or `https`, with a host, without credentials or a
/// fragment. A literal private address (or `localhost`) is refused unless `allow_private`.
/// Errors are `(code, message)`.
pub fn parse_url(raw: &str, allow_private: bool) -> Result<Url, (&'static str, &'static str)> {
    let u = Url::parse(raw).map_err(|_| ("invalid_url", "must be an absolute http(s) URL"))?;
    if !matches!(u.scheme(), "http" | "https") {
        return Err(("invalid_url", "must be an absolute http(s) URL"));
    }
    if !u.username().is_empty() || u.password().is_some() {
        return Err((
            "invalid_url",
            "must not hold credentials (verify the signature instead)",
        ));
    }
    if u.fragment().is_some() {
        return Err(("invalid_url", "must not have a fragment"));
    }
    let private = match u.host() {
        None => return Err(("invalid_url", "must have a host")),
        Some(Host::Ipv4(ip)) => is_forbidden(IpAddr::V4(ip)),
        Some(Host::Ipv6(ip)) => is_forbidden(IpAddr::V6(ip)),
        Some(Host::Domain(d)) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            d == "localhost" || d.ends_with(".localhost")
        }
    };
    if private && !allow_private {
        return Err((
            "private_address",
            "points at a loopback, private or link-local address, which the server does not deliver to",
        ));
    }
    Ok(u)
}

/// The URL's host as an IP address, when it is one.
pub fn literal_ip(u: &Url) -> Option<IpAddr> {
    match u.host()? {
        Host::Ipv4(ip) => Some(IpAddr::V4(ip)),
        Host::Ipv6(ip) => Some(IpAddr::V6(ip)),
        Host::Domain(_) => None,
    }
}

/// Is this an address webhooks must not reach (without `allow_private_targets`)?
pub fn is_forbidden(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => forbidden_v6(v6),
    }
}

fn forbidden_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    ip.is_unspecified()
        || a == 0 // "this network"
        || ip.is_loopback()
        || ip.is_private() // 10/8, 172.16/12, 192.168/16
        || ip.is_link_local() // 169.254/16, cloud metadata
        || (a == 100 && (64..128).contains(&b)) // CGNAT 100.64/10
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 192 && b == 0 && c == 2) // documentation
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || (a == 198 && b == 51 && c == 100)
        || (a == 203 && b == 0 && c == 113)
        || ip.is_multicast()
        || a >= 240 // reserved and broadcast
}

fn forbidden_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    if let Some(v4) = ip.to_ipv4_mapped() {
        return forbidden_v4(v4);
    }
    // NAT64 (64:ff9b::/96) and the deprecated IPv4-compatible form (::a.b.c.d) embed IPv4.
    if (s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0]) || s[0..6] == [0; 6] {
        let v4 = Ipv4Addr::new(
            (s[6] >> 8) as u8,
            (s[6] & 0xff) as u8,
            (s[7] >> 8) as u8,
            (s[7] & 0xff) as u8,
        );
        if ip.is_unspecified() || ip.is_loopback() || forbidden_v4(v4) {
            return true;
        }
    }
    ip.is_unspecified()
        || ip.is_loopback()
        || (s[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
        || (s[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
        || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated)
        || (s[0] & 0xff00) == 0xff00 // multicast
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn private_and_special_addresses_are_refused() {
        for bad in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fd00:ec2::254",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "ff02::1",
        ] {
            assert!(is_forbidden(ip(bad)), "{bad} must be refused");
        }
        for good in [
            "93.184.216.34",
            "8.8.8.8",
            "172.32.0.1",
            "100.128.0.1",
            "2606:4700:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            assert!(!is_forbidden(ip(good)), "{good} is public");
        }
    }

    #[test]
    fn urls_are_checked() {
        assert!(parse_url("https://hooks.example.com/in", false).is_ok());
        assert_eq!(
            parse_url("http://[::1]:8080/", false).unwrap_err().0,
            "private_address"
        );
        assert_eq!(
            parse_url("http://localhost/", false).unwrap_err().0,
            "private_address"
        );
        assert!(parse_url("http://localhost/", true).is_ok());
        assert_eq!(
            parse_url("http://169.254.169.254/latest", false)
                .unwrap_err()
                .0,
            "private_address"
        );
        for bad in [
            "hooks.example.com/in",
            "ftp://hooks.example.com",
            "http://u:p@hooks.example.com/",
            "https://hooks.example.com/#x",
            "/relative",
        ] {
            assert_eq!(parse_url(bad, true).unwrap_err().0, "invalid_url", "{bad}");
        }
    }
}
