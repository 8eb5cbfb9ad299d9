//! Values of the `IpAddress` / `NotIpAddress` condition operators
//! (reference §6.1): CIDR blocks in policies and single addresses in the
//! request context (`aws:SourceIp`, `aws:VpcSourceIp`, ...).

use std::fmt;
use std::hash::{Hash, Hasher};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// An IPv4 or IPv6 CIDR block from a policy value.
///
/// Equality and hashing consider only the block (network and prefix), so
/// `203.0.113.5/24 == 203.0.113.0/24`; [`Cidr::had_host_bits`] remembers
/// whether the written address had bits set beyond the prefix.
#[derive(Clone, Copy, Debug)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
    had_host_bits: bool,
}

impl Cidr {
    /// Parses `address/prefix` or a bare address.
    ///
    /// * IPv4: dotted quad with prefix 0-32; IPv6: any RFC 4291 text form
    ///   (including `::` compression and an embedded dotted quad) with prefix
    ///   0-128. A bare address is a single host (/32 or /128); AWS documents
    ///   /32 for IPv4 and does not document IPv6, so we presume /128 as the
    ///   only consistent choice.
    /// * Host bits beyond the prefix (`203.0.113.5/24`) are accepted and
    ///   masked off. AWS documents this through Access Analyzer's
    ///   `IMPROVE_IP_RANGE` finding, which says such bits are ignored; the
    ///   linter can report them via [`Cidr::had_host_bits`].
    /// * IPv4 octets with leading zeros (`010.0.0.1`) are rejected, as the
    ///   standard library's parser does. AWS does not document them; we
    ///   reject them because some parsers read them as octal, so the
    ///   intended network is ambiguous.
    /// * The prefix is ASCII decimal digits with no sign and no leading
    ///   zero (`/08` is rejected). AWS does not document this; we choose the
    ///   canonical spelling for the same reason as the octets.
    /// * Whitespace anywhere, IPv6 zone identifiers (`%eth0`) and bracketed
    ///   IPv6 (`[::1]`) are rejected: none of them is a CIDR block.
    pub fn parse(s: &str) -> Option<Cidr> {
        let (addr, prefix) = match s.split_once('/') {
            Some((addr, prefix)) => (parse_addr(addr)?, Some(parse_prefix(prefix)?)),
            None => (parse_addr(s)?, None),
        };
        let max = max_prefix(addr);
        let prefix = prefix.unwrap_or(max);
        if prefix > max {
            return None;
        }
        let network = mask(addr, prefix);
        Some(Cidr { network, prefix, had_host_bits: network != addr })
    }

    /// Whether `addr` lies in this block.
    ///
    /// AWS does not document cross-family matching; we choose none: an IPv4
    /// address never matches an IPv6 block and vice versa, including
    /// IPv4-mapped IPv6 (`::ffff:1.2.3.4`) against IPv4 blocks, because
    /// matching across families would need a rule AWS has not stated and the
    /// simplest honest model is to compare like with like.
    pub fn contains(&self, addr: IpAddr) -> bool {
        match (self.network, addr) {
            (IpAddr::V4(_), IpAddr::V4(_)) | (IpAddr::V6(_), IpAddr::V6(_)) => mask(addr, self.prefix) == self.network,
            _ => false,
        }
    }

    /// The network address (host bits cleared).
    pub fn network(&self) -> IpAddr {
        self.network
    }

    /// The prefix length.
    pub fn prefix_len(&self) -> u8 {
        self.prefix
    }

    /// Whether the written address had bits set beyond the prefix.
    pub fn had_host_bits(&self) -> bool {
        self.had_host_bits
    }

    /// Whether the whole block lies inside private or local address space:
    /// RFC 1918 (`10/8`, `172.16/12`, `192.168/16`), loopback (`127/8`,
    /// `::1`), link-local (`169.254/16`, `fe80::/10`) or unique local
    /// (`fc00::/7`). Those addresses never appear in `aws:SourceIp`
    /// (Access Analyzer `PRIVATE_IP_ADDRESS`).
    ///
    /// A block that merely overlaps private space (such as `0.0.0.0/0`) is
    /// not private. Shared address space (`100.64/10`) and IPv4-mapped IPv6
    /// forms of private IPv4 addresses are not included: AWS does not
    /// document which ranges its finding uses, and we keep to the ranges
    /// named above for consistency with the no-cross-family rule.
    pub fn is_private(&self) -> bool {
        let blocks: &[(IpAddr, u8)] = match self.network {
            IpAddr::V4(_) => &[
                (IpAddr::V4(Ipv4Addr::new(10, 0, 0, 0)), 8),
                (IpAddr::V4(Ipv4Addr::new(172, 16, 0, 0)), 12),
                (IpAddr::V4(Ipv4Addr::new(192, 168, 0, 0)), 16),
                (IpAddr::V4(Ipv4Addr::new(127, 0, 0, 0)), 8),
                (IpAddr::V4(Ipv4Addr::new(169, 254, 0, 0)), 16),
            ],
            IpAddr::V6(_) => &[
                (IpAddr::V6(Ipv6Addr::LOCALHOST), 128),
                (IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0)), 10),
                (IpAddr::V6(Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0)), 7),
            ],
        };
        blocks.iter().any(|&(network, prefix)| self.prefix >= prefix && mask(self.network, prefix) == network)
    }
}

impl PartialEq for Cidr {
    fn eq(&self, other: &Self) -> bool {
        (self.network, self.prefix) == (other.network, other.prefix)
    }
}

impl Eq for Cidr {}

impl Hash for Cidr {
    fn hash<H: Hasher>(&self, state: &mut H) {
        (self.network, self.prefix).hash(state);
    }
}

/// Canonical `network/prefix`, the spelling the linter suggests.
impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

/// Parses a context value: one bare IPv4 or IPv6 address.
///
/// AWS does not document whether a context value may carry a prefix; we
/// reject `1.2.3.4/32`, because AWS fills `aws:SourceIp` with the single
/// address of the caller, and a block on the context side would make
/// "contains" ambiguous (any overlap, or full containment?).
pub fn parse_addr(s: &str) -> Option<IpAddr> {
    // `IpAddr::from_str` already rejects whitespace, zones, brackets,
    // prefixes and IPv4 octets with leading zeros.
    s.parse().ok()
}

fn parse_prefix(s: &str) -> Option<u8> {
    let canonical =
        !s.is_empty() && s.len() <= 3 && s.bytes().all(|b| b.is_ascii_digit()) && !(s.len() > 1 && s.starts_with('0'));
    if !canonical {
        return None;
    }
    s.parse().ok()
}

fn max_prefix(addr: IpAddr) -> u8 {
    match addr {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    }
}

/// `addr` with every bit after the first `prefix` bits cleared.
fn mask(addr: IpAddr, prefix: u8) -> IpAddr {
    match addr {
        IpAddr::V4(a) => {
            let keep = u32::MAX.checked_shl(32 - u32::from(prefix.min(32))).unwrap_or(0);
            IpAddr::V4(Ipv4Addr::from(u32::from(a) & keep))
        }
        IpAddr::V6(a) => {
            let keep = u128::MAX.checked_shl(128 - u32::from(prefix.min(128))).unwrap_or(0);
            IpAddr::V6(Ipv6Addr::from(u128::from(a) & keep))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn cidr(s: &str) -> Cidr {
        Cidr::parse(s).unwrap_or_else(|| panic!("{s:?} should parse"))
    }

    fn addr(s: &str) -> IpAddr {
        parse_addr(s).unwrap_or_else(|| panic!("{s:?} should parse"))
    }

    /// Canonical display, prefix length, whether host bits were written.
    type Parsed = (&'static str, u8, bool);

    #[test]
    fn parse_table() {
        #[rustfmt::skip]
        let rows: &[(&str, Option<Parsed>)] = &[
            // (input, Some((canonical display, prefix, had host bits)))
            // IPv4 with prefix.
            ("203.0.113.0/24", Some(("203.0.113.0/24", 24, false))),
            ("0.0.0.0/0", Some(("0.0.0.0/0", 0, false))),
            ("203.0.113.7/32", Some(("203.0.113.7/32", 32, false))),
            // Host bits beyond the prefix are masked and remembered.
            ("203.0.113.5/24", Some(("203.0.113.0/24", 24, true))),
            ("255.255.255.255/0", Some(("0.0.0.0/0", 0, true))),
            // Bare address is a single host.
            ("203.0.113.7", Some(("203.0.113.7/32", 32, false))),
            ("2001:db8::1", Some(("2001:db8::1/128", 128, false))),
            // IPv6 `::` notation and prefixes up to 128.
            ("2001:db8::/32", Some(("2001:db8::/32", 32, false))),
            ("::/0", Some(("::/0", 0, false))),
            ("2001:DB8:0:0:0:0:0:1/128", Some(("2001:db8::1/128", 128, false))),
            ("2001:db8::1/64", Some(("2001:db8::/64", 64, true))),
            // IPv4-mapped IPv6 stays IPv6.
            ("::ffff:192.0.2.1", Some(("::ffff:192.0.2.1/128", 128, false))),
            // Prefix out of range.
            ("203.0.113.0/33", None),
            ("2001:db8::/129", None),
            ("2001:db8::/1000", None),
            // Prefix spelling: digits only, no sign, no leading zero, not empty.
            ("203.0.113.0/", None),
            ("203.0.113.0/+24", None),
            ("203.0.113.0/-1", None),
            ("203.0.113.0/024", None),
            ("203.0.113.0/ 24", None),
            ("10.0.0.0/8/8", None),
            // Leading zeros in IPv4 octets are rejected.
            ("010.0.0.1", None),
            ("10.0.0.01/32", None),
            // Whitespace, zones, brackets, malformed addresses.
            (" 10.0.0.1", None),
            ("10.0.0.1 ", None),
            ("fe80::1%eth0", None),
            ("[::1]", None),
            ("[::1]/128", None),
            ("1.2.3", None),
            ("1.2.3.4.5", None),
            ("256.0.0.0", None),
            ("", None),
            ("/24", None),
            ("example.com", None),
        ];
        for (s, want) in rows {
            let got = Cidr::parse(s).map(|c| (c.to_string(), c.prefix_len(), c.had_host_bits()));
            let want = want.map(|(d, p, h)| (d.to_string(), p, h));
            assert_eq!(got, want, "Cidr::parse({s:?})");
        }
    }

    #[test]
    fn contains_table() {
        #[rustfmt::skip]
        let rows: &[(&str, &str, bool)] = &[
            // Inside and outside an IPv4 block, including its edges.
            ("203.0.113.0/24", "203.0.113.0", true),
            ("203.0.113.0/24", "203.0.113.255", true),
            ("203.0.113.0/24", "203.0.114.0", false),
            ("203.0.113.0/24", "203.0.112.255", false),
            // Masked host bits do not narrow the block.
            ("203.0.113.5/24", "203.0.113.200", true),
            // /0 contains every address of its family.
            ("0.0.0.0/0", "198.51.100.1", true),
            ("::/0", "2001:db8::1", true),
            // A bare address is exactly one host.
            ("203.0.113.7", "203.0.113.7", true),
            ("203.0.113.7", "203.0.113.8", false),
            ("2001:db8::1", "2001:db8::1", true),
            ("2001:db8::1", "2001:db8::2", false),
            // Odd prefix lengths split octets.
            ("10.0.0.0/9", "10.127.255.255", true),
            ("10.0.0.0/9", "10.128.0.0", false),
            ("2001:db8::/33", "2001:db8:7fff::1", true),
            ("2001:db8::/33", "2001:db8:8000::1", false),
            // No cross-family matching, even for IPv4-mapped IPv6.
            ("0.0.0.0/0", "::ffff:192.0.2.1", false),
            ("::/0", "192.0.2.1", false),
            ("::ffff:192.0.2.0/120", "192.0.2.1", false),
            ("192.0.2.0/24", "::ffff:192.0.2.1", false),
            ("::ffff:192.0.2.0/120", "::ffff:192.0.2.1", true),
        ];
        for (block, a, want) in rows {
            assert_eq!(cidr(block).contains(addr(a)), *want, "{block} contains {a}");
        }
    }

    #[test]
    fn parse_addr_table() {
        #[rustfmt::skip]
        let rows: &[(&str, bool)] = &[
            ("192.0.2.1", true),          // IPv4
            ("2001:db8::1", true),        // IPv6
            ("::ffff:192.0.2.1", true),   // IPv4-mapped IPv6
            ("192.0.2.1/32", false),      // context values carry no prefix
            ("2001:db8::1/128", false),   // same for IPv6
            ("192.0.2.01", false),        // leading zero octet
            (" 192.0.2.1", false),        // whitespace
            ("", false),                  // empty
        ];
        for (s, ok) in rows {
            assert_eq!(parse_addr(s).is_some(), *ok, "parse_addr({s:?})");
        }
    }

    #[test]
    fn is_private_table() {
        #[rustfmt::skip]
        let rows: &[(&str, bool)] = &[
            // RFC 1918 blocks and sub-blocks.
            ("10.0.0.0/8", true),
            ("10.1.2.3", true),
            ("172.16.0.0/12", true),
            ("172.31.255.255", true),
            ("172.32.0.0", false),
            ("172.15.255.255", false),
            ("192.168.1.0/24", true),
            // Wider than a private block, or merely overlapping it: not private.
            ("10.0.0.0/7", false),
            ("172.0.0.0/8", false),
            ("0.0.0.0/0", false),
            // Loopback and link-local.
            ("127.0.0.1", true),
            ("169.254.169.254", true),
            ("::1", true),
            ("fe80::1", true),
            ("fe80::/10", true),
            ("fec0::/10", false),
            // Unique local addresses.
            ("fc00::/7", true),
            ("fd12:3456::/48", true),
            ("fe00::/7", false),
            // Public and documentation addresses.
            ("203.0.113.0/24", false),
            ("8.8.8.8", false),
            ("2001:db8::/32", false),
            ("::/0", false),
            // Not included: shared address space and IPv4-mapped private addresses.
            ("100.64.0.0/10", false),
            ("::ffff:10.0.0.1", false),
        ];
        for (s, want) in rows {
            assert_eq!(cidr(s).is_private(), *want, "is_private({s:?})");
        }
    }

    #[test]
    fn equality_ignores_written_host_bits() {
        assert_eq!(cidr("203.0.113.5/24"), cidr("203.0.113.0/24"));
        assert_ne!(cidr("203.0.113.0/24"), cidr("203.0.113.0/25"));
        assert_ne!(cidr("0.0.0.0/0"), cidr("::/0"));
        let hash = |c: Cidr| {
            use std::collections::hash_map::DefaultHasher;
            let mut h = DefaultHasher::new();
            c.hash(&mut h);
            h.finish()
        };
        assert_eq!(hash(cidr("203.0.113.5/24")), hash(cidr("203.0.113.0/24")));
    }

    proptest! {
        #[test]
        fn v4_contains_matches_prefix_compare(net in any::<u32>(), a in any::<u32>(), p in 0u8..=32) {
            let block = cidr(&format!("{}/{p}", Ipv4Addr::from(net)));
            let shift = 32 - u32::from(p);
            let want = net.checked_shr(shift).unwrap_or(0) == a.checked_shr(shift).unwrap_or(0);
            prop_assert_eq!(block.contains(IpAddr::V4(Ipv4Addr::from(a))), want);
            prop_assert!(block.contains(IpAddr::V4(Ipv4Addr::from(net))));
        }

        #[test]
        fn v6_contains_matches_prefix_compare(net in any::<u128>(), a in any::<u128>(), p in 0u8..=128) {
            let block = cidr(&format!("{}/{p}", Ipv6Addr::from(net)));
            let shift = 128 - u32::from(p);
            let want = net.checked_shr(shift).unwrap_or(0) == a.checked_shr(shift).unwrap_or(0);
            prop_assert_eq!(block.contains(IpAddr::V6(Ipv6Addr::from(a))), want);
            prop_assert!(block.contains(IpAddr::V6(Ipv6Addr::from(net))));
        }

        #[test]
        fn display_round_trips(net in any::<u32>(), p in 0u8..=32) {
            let block = cidr(&format!("{}/{p}", Ipv4Addr::from(net)));
            let again = cidr(&block.to_string());
            prop_assert_eq!(again, block);
            prop_assert!(!again.had_host_bits());
        }
    }
}
