//! The condition keys the evaluator knows by name, each with a fixed slot: a compiled clause resolves its key
//! to a slot once, and a request context keeps, per slot, where that key's entry is. Looking a known key up is
//! then one array read instead of a scan of the context's keys. Keys outside the table (tag keys such as
//! `aws:RequestTag/team`, service keys, keys given with `--context`) keep the case-insensitive hashed scan.

/// The global condition keys (reference §5, every `aws:` key of the service reference) and the STS keys,
/// lower-cased and sorted bytewise: a key's slot is its index here.
pub const KNOWN: [&str; 60] = [
    "aws:assumedroot",
    "aws:calledvia",
    "aws:calledviaawsmcp",
    "aws:calledviafirst",
    "aws:calledvialast",
    "aws:chatbotsourcearn",
    "aws:currenttime",
    "aws:ec2instancesourceprivateipv4",
    "aws:ec2instancesourcevpc",
    "aws:epochtime",
    "aws:federatedprovider",
    "aws:ismcpserviceaction",
    "aws:multifactorauthage",
    "aws:multifactorauthpresent",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:principalisawsservice",
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principalservicename",
    "aws:principalservicenameslist",
    "aws:principaltype",
    "aws:referer",
    "aws:requestedregion",
    "aws:resourceaccount",
    "aws:resourceorgid",
    "aws:resourceorgpaths",
    "aws:securetransport",
    "aws:sourceaccount",
    "aws:sourcearn",
    "aws:sourceidentity",
    "aws:sourceip",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
    "aws:sourceowner",
    "aws:sourcevpc",
    "aws:sourcevpcarn",
    "aws:sourcevpce",
    "aws:tagkeys",
    "aws:tokenissuetime",
    "aws:useragent",
    "aws:userid",
    "aws:username",
    "aws:viaawsmcpservice",
    "aws:viaawsservice",
    "aws:vpceaccount",
    "aws:vpceorgid",
    "aws:vpceorgpaths",
    "aws:vpcsourceip",
    "sts:awsservicename",
    "sts:durationseconds",
    "sts:externalid",
    "sts:identitytokenaudience",
    "sts:requestcontextproviders",
    "sts:roleauthorizedbyidp",
    "sts:rolesessionname",
    "sts:signingalgorithm",
    "sts:sourceidentity",
    "sts:taskpolicyarn",
    "sts:transitivetagkeys",
];

/// How many slots there are.
pub const SLOTS: usize = KNOWN.len();

/// The slot of a key that is not in [`KNOWN`].
pub const NO_SLOT: u8 = u8::MAX;

// Slots are `u8`s with `NO_SLOT` kept free.
const _: () = assert!(SLOTS < NO_SLOT as usize);

/// The slot of a key name in any case, or [`NO_SLOT`]: a binary search of [`KNOWN`] comparing ASCII letters
/// case-insensitively (key names are case-insensitive, reference §5.6). A `const fn`, so the slot of a key
/// the code spells is computed at compile time.
#[allow(clippy::indexing_slicing, reason = "`low <= mid < high <= SLOTS`: always in the table")]
pub const fn slot_of(key: &str) -> u8 {
    let key = key.as_bytes();
    let (mut low, mut high) = (0usize, SLOTS);
    while low < high {
        let mid = low + (high - low) / 2;
        match cmp_lower(KNOWN[mid].as_bytes(), key) {
            std::cmp::Ordering::Less => low = mid + 1,
            std::cmp::Ordering::Greater => high = mid,
            // `mid < SLOTS < NO_SLOT`, so the cast keeps the value.
            std::cmp::Ordering::Equal => return mid as u8,
        }
    }
    NO_SLOT
}

/// `known` (already lower-case) against `key` lower-cased, byte by byte, in a `const fn`.
#[allow(clippy::indexing_slicing, reason = "`i` is below both lengths")]
const fn cmp_lower(known: &[u8], key: &[u8]) -> std::cmp::Ordering {
    let mut i = 0;
    while i < known.len() && i < key.len() {
        let (a, b) = (known[i], key[i].to_ascii_lowercase());
        if a < b {
            return std::cmp::Ordering::Less;
        }
        if a > b {
            return std::cmp::Ordering::Greater;
        }
        i += 1;
    }
    if known.len() < key.len() {
        std::cmp::Ordering::Less
    } else if known.len() > key.len() {
        std::cmp::Ordering::Greater
    } else {
        std::cmp::Ordering::Equal
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_lower_case_sorted_and_unique() {
        for pair in KNOWN.windows(2) {
            assert!(pair[0] < pair[1], "{pair:?}");
        }
        for key in KNOWN {
            assert_eq!(key, key.to_ascii_lowercase());
        }
    }

    #[test]
    fn every_known_key_finds_its_slot_in_any_case_and_others_find_none() {
        for (i, key) in KNOWN.iter().enumerate() {
            assert_eq!(usize::from(slot_of(key)), i);
            assert_eq!(usize::from(slot_of(&key.to_ascii_uppercase())), i);
            let mixed: String =
                key.chars().enumerate().map(|(j, c)| if j % 2 == 0 { c.to_ascii_uppercase() } else { c }).collect();
            assert_eq!(usize::from(slot_of(&mixed)), i);
            assert_eq!(slot_of(&format!("{key}x")), NO_SLOT);
            let shorter = &key[..key.len() - 1];
            if !KNOWN.contains(&shorter) {
                assert_eq!(slot_of(shorter), NO_SLOT, "{shorter}");
            }
        }
        for other in ["", "aws:", "aws:RequestTag/team", "aws:PrincipalTag/x", "s3:prefix", "zzz", "aws:SourceVpcé"] {
            assert_eq!(slot_of(other), NO_SLOT, "{other}");
        }
    }
}
