//! Country from an IP address with an offline MaxMind DB file (GeoLite2 / GeoIP2 Country or
//! City, DB-IP's country or city lite: the same format and the same `country.iso_code`
//! field). None is shipped or downloaded: an operator points `ingest.geoip_database` at one.
//! The file is read into memory once at start; a lookup walks its search tree (no I/O).

use std::net::IpAddr;
use std::path::Path;

use maxminddb::{PathElement, Reader};

/// An opened country database.
pub struct GeoIp {
    reader: Reader<Vec<u8>>,
}

impl std::fmt::Debug for GeoIp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GeoIp")
            .field("database_type", &self.reader.metadata().database_type)
            .finish()
    }
}

impl GeoIp {
    /// Reads the database file; an unreadable or malformed file is an error naming it.
    pub fn open(path: &Path) -> Result<Self, String> {
        Reader::open_readfile(path)
            .map(|reader| GeoIp { reader })
            .map_err(|e| format!("cannot read the GeoIP database {}: {e}", path.display()))
    }

    /// From bytes already in memory (tests build small databases this way).
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self, String> {
        Reader::from_source(bytes)
            .map(|reader| GeoIp { reader })
            .map_err(|e| format!("not a MaxMind DB: {e}"))
    }

    /// The kind of database, as its metadata names it (`GeoLite2-Country`, ...).
    pub fn database_type(&self) -> &str {
        &self.reader.metadata().database_type
    }

    /// The ISO 3166-1 alpha-2 code of the address's country, upper case; `None` when the
    /// database has no record for it or the record names no country.
    pub fn country(&self, ip: IpAddr) -> Option<String> {
        let found = self.reader.lookup(ip).ok()?;
        let code: Option<String> = found
            .decode_path(&[PathElement::Key("country"), PathElement::Key("iso_code")])
            .ok()
            .flatten();
        code.filter(|c| c.len() == 2 && c.bytes().all(|b| b.is_ascii_alphabetic()))
            .map(|c| c.to_ascii_uppercase())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    /// A database in the GeoLite2-Country layout: two networks, one record without a country.
    pub(crate) fn sample() -> Vec<u8> {
        let mut w = mmdb_writer::Writer::new("GeoLite2-Country");
        let record = |code: &str| {
            BTreeMap::from([(
                "country".to_owned(),
                BTreeMap::from([("iso_code".to_owned(), code.to_owned())]),
            )])
        };
        let net = |s: &str| s.parse::<mmdb_writer::ipnet::IpNet>().expect("net");
        w.insert(net("90.160.0.0/16"), &record("ES"))
            .expect("insert");
        w.insert(net("2a02:9000::/32"), &record("es"))
            .expect("insert");
        w.insert(net("81.2.69.0/24"), &record("GB"))
            .expect("insert");
        let continent_only = BTreeMap::from([(
            "continent".to_owned(),
            BTreeMap::from([("code".to_owned(), "EU".to_owned())]),
        )]);
        w.insert(net("5.5.0.0/16"), &continent_only)
            .expect("insert");
        w.to_bytes().expect("bytes")
    }

    #[test]
    fn looks_up_the_country_of_v4_and_v6_addresses() {
        let geo = GeoIp::from_bytes(sample()).expect("insert");
        assert_eq!(geo.database_type(), "GeoLite2-Country");
        assert_eq!(
            geo.country("90.160.3.4".parse().expect("ip")).as_deref(),
            Some("ES")
        );
        assert_eq!(
            geo.country("81.2.69.160".parse().expect("ip")).as_deref(),
            Some("GB")
        );
        assert_eq!(
            geo.country("2a02:9000::1".parse().expect("ip")).as_deref(),
            Some("ES"),
            "codes come out upper case"
        );
    }

    #[test]
    fn an_unknown_address_or_a_record_without_a_country_gives_none() {
        let geo = GeoIp::from_bytes(sample()).expect("insert");
        assert_eq!(geo.country("8.8.8.8".parse().expect("ip")), None);
        assert_eq!(geo.country("5.5.5.5".parse().expect("ip")), None);
    }

    #[test]
    fn a_file_that_is_not_a_database_is_a_clear_error() {
        let dir = tempfile::tempdir().expect("insert");
        let path = dir.path().join("not.mmdb");
        std::fs::write(&path, b"hello").expect("insert");
        let err = GeoIp::open(&path).expect_err("refused");
        assert!(err.contains("not.mmdb"), "{err}");
        assert!(GeoIp::open(&dir.path().join("missing.mmdb")).is_err());
    }
}
