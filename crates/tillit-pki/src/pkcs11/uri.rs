//! PKCS#11 URIs (RFC 7512): which module, which token, which object, and the PIN.
//!
//! `pkcs11:token=tillit;object=issuing-ca?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-value=1234`
//!
//! Path attributes are separated by `;`, query attributes by `&`; values are percent-decoded.
//! Attributes this module does not know (vendor `x-…` ones, or later additions) are ignored as
//! the RFC asks, but a malformed attribute (no `=`, bad percent-encoding) is an error. The PIN
//! is never shown: [`fmt::Display`] and [`fmt::Debug`] print `pin-value=***`.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use zeroize::Zeroizing;

/// A PKCS#11 URI that could not be parsed. The message names the attribute and what is wrong
/// with it, never its value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad PKCS#11 URI: {0}")]
pub struct Pkcs11UriError(String);

impl Pkcs11UriError {
    fn new(message: impl Into<String>) -> Self {
        Pkcs11UriError(message.into())
    }
}

impl From<Pkcs11UriError> for crate::signer::SignerError {
    fn from(e: Pkcs11UriError) -> Self {
        crate::signer::SignerError::Pkcs11(e.to_string())
    }
}

/// The object classes a PKCS#11 URI can name with `type=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ObjectType {
    /// `type=public`: a public key.
    Public,
    /// `type=private`: a private key.
    Private,
    /// `type=cert`: a certificate.
    Cert,
    /// `type=secret-key`: a secret key.
    SecretKey,
    /// `type=data`: a data object.
    Data,
}

impl ObjectType {
    /// The name used in URIs.
    pub fn name(self) -> &'static str {
        match self {
            ObjectType::Public => "public",
            ObjectType::Private => "private",
            ObjectType::Cert => "cert",
            ObjectType::SecretKey => "secret-key",
            ObjectType::Data => "data",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        [ObjectType::Public, ObjectType::Private, ObjectType::Cert, ObjectType::SecretKey, ObjectType::Data]
            .into_iter()
            .find(|t| t.name() == s)
    }
}

/// A parsed RFC 7512 PKCS#11 URI. Parse with [`str::parse`]; every attribute is optional.
///
/// The PIN (`pin-value`) is kept in memory that is wiped on drop and is never printed.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Pkcs11Uri {
    token: Option<String>,
    manufacturer: Option<String>,
    serial: Option<String>,
    model: Option<String>,
    library_manufacturer: Option<String>,
    library_description: Option<String>,
    library_version: Option<(u8, u8)>,
    slot_description: Option<String>,
    slot_manufacturer: Option<String>,
    slot_id: Option<u64>,
    object: Option<String>,
    object_type: Option<ObjectType>,
    id: Option<Vec<u8>>,
    module_name: Option<String>,
    module_path: Option<PathBuf>,
    pin_source: Option<String>,
    pin_value: Option<Zeroizing<String>>,
}

impl Pkcs11Uri {
    /// `token=`: the token label.
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// `manufacturer=`: the token manufacturer.
    pub fn manufacturer(&self) -> Option<&str> {
        self.manufacturer.as_deref()
    }

    /// `serial=`: the token serial number.
    pub fn serial(&self) -> Option<&str> {
        self.serial.as_deref()
    }

    /// `model=`: the token model.
    pub fn model(&self) -> Option<&str> {
        self.model.as_deref()
    }

    /// `library-manufacturer=`: the manufacturer of the PKCS#11 module.
    pub fn library_manufacturer(&self) -> Option<&str> {
        self.library_manufacturer.as_deref()
    }

    /// `library-description=`: the description of the PKCS#11 module.
    pub fn library_description(&self) -> Option<&str> {
        self.library_description.as_deref()
    }

    /// `library-version=`: the module version as (major, minor); `library-version=2` is (2, 0).
    pub fn library_version(&self) -> Option<(u8, u8)> {
        self.library_version
    }

    /// `slot-description=`: the slot description.
    pub fn slot_description(&self) -> Option<&str> {
        self.slot_description.as_deref()
    }

    /// `slot-manufacturer=`: the slot manufacturer.
    pub fn slot_manufacturer(&self) -> Option<&str> {
        self.slot_manufacturer.as_deref()
    }

    /// `slot-id=`: the slot number.
    pub fn slot_id(&self) -> Option<u64> {
        self.slot_id
    }

    /// `object=`: the object label (CKA_LABEL).
    pub fn object(&self) -> Option<&str> {
        self.object.as_deref()
    }

    /// `type=`: the object class.
    pub fn object_type(&self) -> Option<ObjectType> {
        self.object_type
    }

    /// `id=`: the object's CKA_ID (bytes, percent-encoded in the URI).
    pub fn id(&self) -> Option<&[u8]> {
        self.id.as_deref()
    }

    /// `module-name=`: the module's name without path or suffix (e.g. `softhsm2`).
    pub fn module_name(&self) -> Option<&str> {
        self.module_name.as_deref()
    }

    /// `module-path=`: the PKCS#11 module (shared library) to load.
    pub fn module_path(&self) -> Option<&Path> {
        self.module_path.as_deref()
    }

    /// `pin-source=`: where to read the PIN (a file path or a `file:` URI), as written.
    pub fn pin_source(&self) -> Option<&str> {
        self.pin_source.as_deref()
    }

    /// True when the URI carries the PIN itself (`pin-value=`).
    pub fn has_pin_value(&self) -> bool {
        self.pin_value.is_some()
    }

    /// The user PIN: `pin-value`, or the first line of the `pin-source` file; `None` when the
    /// URI has neither.
    pub fn pin(&self) -> Result<Option<Zeroizing<String>>, Pkcs11UriError> {
        if let Some(pin) = &self.pin_value {
            return Ok(Some(pin.clone()));
        }
        let Some(source) = &self.pin_source else { return Ok(None) };
        let path = pin_source_path(source)?;
        let text = Zeroizing::new(std::fs::read_to_string(&path).map_err(|e| {
            Pkcs11UriError::new(format!("cannot read the pin-source file {}: {e}", path.display()))
        })?);
        let line = text.lines().next().unwrap_or_default();
        Ok(Some(Zeroizing::new(line.to_owned())))
    }

    /// A copy with `object=` set to `label`.
    pub fn with_object(&self, label: &str) -> Self {
        Pkcs11Uri { object: Some(label.to_owned()), ..self.clone() }
    }

    /// A copy without `pin-value` (a `pin-source` stays: it names a file, not the PIN), fit
    /// to be stored and shown.
    pub fn without_pin(&self) -> Self {
        Pkcs11Uri { pin_value: None, ..self.clone() }
    }

    /// A copy with `pin-value` set to `pin` (from configuration, never from a stored URI).
    pub fn with_pin(&self, pin: Zeroizing<String>) -> Self {
        Pkcs11Uri { pin_value: Some(pin), ..self.clone() }
    }
}

/// The file a `pin-source` names: a plain path, or a `file:` URI (`file:/p`, `file:///p`,
/// `file://localhost/p`).
fn pin_source_path(source: &str) -> Result<PathBuf, Pkcs11UriError> {
    let Some(rest) = strip_prefix_ignore_case(source, "file:") else {
        if source.starts_with('|') {
            return Err(Pkcs11UriError::new("pin-source: running a program for the PIN is not supported"));
        }
        return Ok(PathBuf::from(source));
    };
    let path = match rest.strip_prefix("//") {
        Some(authority_and_path) => {
            let (host, path) = match authority_and_path.find('/') {
                Some(i) => authority_and_path.split_at(i),
                None => (authority_and_path, ""),
            };
            if !(host.is_empty() || host.eq_ignore_ascii_case("localhost")) {
                return Err(Pkcs11UriError::new("pin-source: only local file: URIs are supported"));
            }
            path
        }
        None => rest,
    };
    if path.is_empty() {
        return Err(Pkcs11UriError::new("pin-source: the file: URI has no path"));
    }
    let bytes = percent_decode(path, "pin-source")?;
    let path = String::from_utf8(bytes)
        .map_err(|_| Pkcs11UriError::new("pin-source is not UTF-8 after percent-decoding"))?;
    Ok(PathBuf::from(path))
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &s[prefix.len()..])
}

/// An attribute name fit to repeat in an error message (never a value, which may be a PIN).
fn shown_name(name: &str) -> String {
    if !name.is_empty()
        && name.len() <= 40
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        format!("attribute {name}")
    } else {
        "an attribute".to_owned()
    }
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

fn percent_decode(value: &str, name: &str) -> Result<Vec<u8>, Pkcs11UriError> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hi = bytes.get(i + 1).copied().and_then(hex_value);
            let lo = bytes.get(i + 2).copied().and_then(hex_value);
            match (hi, lo) {
                (Some(hi), Some(lo)) => out.push(hi << 4 | lo),
                _ => return Err(Pkcs11UriError::new(format!("bad percent-encoding in {name}"))),
            }
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Ok(out)
}

fn decode_text(value: &str, name: &str) -> Result<String, Pkcs11UriError> {
    String::from_utf8(percent_decode(value, name)?)
        .map_err(|_| Pkcs11UriError::new(format!("{name} is not UTF-8 after percent-decoding")))
}

fn set_once<T>(slot: &mut Option<T>, value: T, name: &str) -> Result<(), Pkcs11UriError> {
    if slot.is_some() {
        return Err(Pkcs11UriError::new(format!("{name} appears more than once")));
    }
    *slot = Some(value);
    Ok(())
}

fn parse_library_version(s: &str) -> Option<(u8, u8)> {
    let digits =
        |p: &str| (!p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())).then(|| p.parse().ok())?;
    match s.split_once('.') {
        Some((major, minor)) => Some((digits(major)?, digits(minor)?)),
        None => Some((digits(s)?, 0)),
    }
}

impl FromStr for Pkcs11Uri {
    type Err = Pkcs11UriError;

    fn from_str(s: &str) -> Result<Self, Pkcs11UriError> {
        let rest = strip_prefix_ignore_case(s, "pkcs11:")
            .ok_or_else(|| Pkcs11UriError::new("it does not start with pkcs11:"))?;
        if rest.contains('#') {
            return Err(Pkcs11UriError::new("it has a fragment (#), which PKCS#11 URIs do not allow"));
        }
        let (path, query) = match rest.split_once('?') {
            Some((path, query)) => (path, query),
            None => (rest, ""),
        };
        let mut uri = Pkcs11Uri::default();
        if !path.is_empty() {
            for attr in path.split(';') {
                let (name, value) = attr.split_once('=').ok_or_else(|| {
                    Pkcs11UriError::new(format!("{} in the path has no '='", shown_name(attr)))
                })?;
                uri.set_path_attribute(name, value)?;
            }
        }
        if !query.is_empty() {
            for attr in query.split('&') {
                let (name, value) = attr.split_once('=').ok_or_else(|| {
                    Pkcs11UriError::new(format!("{} in the query has no '='", shown_name(attr)))
                })?;
                uri.set_query_attribute(name, value)?;
            }
        }
        if uri.pin_value.is_some() && uri.pin_source.is_some() {
            return Err(Pkcs11UriError::new("it has both pin-value and pin-source"));
        }
        Ok(uri)
    }
}

impl Pkcs11Uri {
    fn set_path_attribute(&mut self, name: &str, value: &str) -> Result<(), Pkcs11UriError> {
        let text = |v: &str| decode_text(v, name);
        match name {
            "token" => set_once(&mut self.token, text(value)?, name),
            "manufacturer" => set_once(&mut self.manufacturer, text(value)?, name),
            "serial" => set_once(&mut self.serial, text(value)?, name),
            "model" => set_once(&mut self.model, text(value)?, name),
            "library-manufacturer" => set_once(&mut self.library_manufacturer, text(value)?, name),
            "library-description" => set_once(&mut self.library_description, text(value)?, name),
            "library-version" => {
                let v = parse_library_version(&text(value)?).ok_or_else(|| {
                    Pkcs11UriError::new("library-version must be MAJOR or MAJOR.MINOR (numbers up to 255)")
                })?;
                set_once(&mut self.library_version, v, name)
            }
            "slot-description" => set_once(&mut self.slot_description, text(value)?, name),
            "slot-manufacturer" => set_once(&mut self.slot_manufacturer, text(value)?, name),
            "slot-id" => {
                let v = text(value)?;
                let id = (!v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| v.parse::<u64>().ok())
                    .flatten()
                    .ok_or_else(|| Pkcs11UriError::new("slot-id must be a decimal number"))?;
                set_once(&mut self.slot_id, id, name)
            }
            "object" => set_once(&mut self.object, text(value)?, name),
            "type" => {
                let t = ObjectType::parse(&text(value)?).ok_or_else(|| {
                    Pkcs11UriError::new("type must be one of public, private, cert, secret-key, data")
                })?;
                set_once(&mut self.object_type, t, name)
            }
            "id" => set_once(&mut self.id, percent_decode(value, name)?, name),
            // Unknown and vendor attributes are ignored, but must be well-formed.
            _ => percent_decode(value, &shown_name(name)).map(drop),
        }
    }

    fn set_query_attribute(&mut self, name: &str, value: &str) -> Result<(), Pkcs11UriError> {
        match name {
            "module-name" => set_once(&mut self.module_name, decode_text(value, name)?, name),
            "module-path" => set_once(&mut self.module_path, PathBuf::from(decode_text(value, name)?), name),
            "pin-source" => set_once(&mut self.pin_source, decode_text(value, name)?, name),
            "pin-value" => {
                let pin = Zeroizing::new(percent_decode(value, name)?);
                let pin = std::str::from_utf8(&pin)
                    .map_err(|_| Pkcs11UriError::new("pin-value is not UTF-8 after percent-decoding"))?;
                set_once(&mut self.pin_value, Zeroizing::new(pin.to_owned()), name)
            }
            _ => percent_decode(value, &shown_name(name)).map(drop),
        }
    }
}

/// Characters left as they are in path values (RFC 7512 pk11-pchar, less `%`).
fn path_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~:[]@!$'()*+,=&".contains(&b)
}

/// Characters left as they are in query values (RFC 7512 pk11-qchar, less `%`).
fn query_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~:[]@!$'()*+,=/?|".contains(&b)
}

fn write_encoded(f: &mut fmt::Formatter<'_>, bytes: &[u8], keep: fn(u8) -> bool) -> fmt::Result {
    for &b in bytes {
        if keep(b) {
            write!(f, "{}", b as char)?;
        } else {
            write!(f, "%{b:02X}")?;
        }
    }
    Ok(())
}

/// Prints the URI with its attributes in a fixed order and percent-encoded where needed, with
/// the PIN replaced by `***`.
impl fmt::Display for Pkcs11Uri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let version = self.library_version.map(|(major, minor)| format!("{major}.{minor}"));
        let slot_id = self.slot_id.map(|id| id.to_string());
        let path: [(&str, Option<&str>); 11] = [
            ("token", self.token.as_deref()),
            ("manufacturer", self.manufacturer.as_deref()),
            ("serial", self.serial.as_deref()),
            ("model", self.model.as_deref()),
            ("library-manufacturer", self.library_manufacturer.as_deref()),
            ("library-description", self.library_description.as_deref()),
            ("library-version", version.as_deref()),
            ("slot-description", self.slot_description.as_deref()),
            ("slot-manufacturer", self.slot_manufacturer.as_deref()),
            ("slot-id", slot_id.as_deref()),
            ("object", self.object.as_deref()),
        ];
        f.write_str("pkcs11:")?;
        let mut sep = "";
        for (name, value) in path {
            if let Some(value) = value {
                write!(f, "{sep}{name}=")?;
                write_encoded(f, value.as_bytes(), path_char)?;
                sep = ";";
            }
        }
        if let Some(t) = self.object_type {
            write!(f, "{sep}type={}", t.name())?;
            sep = ";";
        }
        if let Some(id) = &self.id {
            // Every byte encoded, as RFC 7512 recommends for id.
            write!(f, "{sep}id=")?;
            write_encoded(f, id, |_| false)?;
        }
        let module_path = self.module_path.as_ref().map(|p| p.to_string_lossy());
        let query: [(&str, Option<&str>); 3] = [
            ("module-name", self.module_name.as_deref()),
            ("module-path", module_path.as_deref()),
            ("pin-source", self.pin_source.as_deref()),
        ];
        let mut sep = "?";
        for (name, value) in query {
            if let Some(value) = value {
                write!(f, "{sep}{name}=")?;
                write_encoded(f, value.as_bytes(), query_char)?;
                sep = "&";
            }
        }
        if self.pin_value.is_some() {
            write!(f, "{sep}pin-value=***")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Pkcs11Uri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pkcs11Uri({:?})", self.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Pkcs11Uri {
        s.parse().unwrap()
    }

    fn error(s: &str) -> String {
        s.parse::<Pkcs11Uri>().unwrap_err().to_string()
    }

    #[test]
    fn the_documented_example() {
        let uri = parse(
            "pkcs11:token=tillit;object=issuing-ca?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-value=1234",
        );
        assert_eq!(uri.token(), Some("tillit"));
        assert_eq!(uri.object(), Some("issuing-ca"));
        assert_eq!(uri.module_path(), Some(Path::new("/usr/lib/softhsm/libsofthsm2.so")));
        assert!(uri.has_pin_value());
        assert_eq!(uri.pin().unwrap().unwrap().as_str(), "1234");
        assert_eq!(uri.serial(), None);
        assert_eq!(uri.id(), None);
        let shown = uri.to_string();
        assert_eq!(
            shown,
            "pkcs11:token=tillit;object=issuing-ca?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-value=***"
        );
        assert!(!format!("{uri:?}").contains("1234"));
    }

    #[test]
    fn the_pin_is_never_printed() {
        let uri = parse("pkcs11:token=t?pin-value=s3cr%65t-PIN&module-path=/m.so");
        assert_eq!(uri.pin().unwrap().unwrap().as_str(), "s3cret-PIN");
        for shown in [uri.to_string(), format!("{uri:?}"), format!("{uri:#?}")] {
            assert!(!shown.contains("s3cr"), "{shown}");
            assert!(shown.contains("pin-value=***"), "{shown}");
        }
        // Nor in an error about it.
        let err = error("pkcs11:token=t?pin-value=s3cret%zz");
        assert!(!err.contains("s3cret"), "{err}");
        assert!(err.contains("bad percent-encoding in pin-value"), "{err}");
    }

    #[test]
    fn rfc_7512_examples() {
        let uri = parse("pkcs11:");
        assert_eq!(uri, Pkcs11Uri::default());
        let uri = parse("pkcs11:object=my-pubkey;type=public");
        assert_eq!((uri.object(), uri.object_type()), (Some("my-pubkey"), Some(ObjectType::Public)));
        let uri = parse("pkcs11:object=my-key;type=private?pin-source=file:/etc/token");
        assert_eq!(uri.pin_source(), Some("file:/etc/token"));
        let uri = parse(
            "pkcs11:token=The%20Software%20PKCS%2311%20Softtoken;manufacturer=Snake%20Oil,%20Inc.;\
             model=1.0;object=my-certificate;type=cert;id=%69%95%3E%5C%F4%BD%EC%91;serial=\
             ?pin-source=file:/etc/token_pin",
        );
        assert_eq!(uri.token(), Some("The Software PKCS#11 Softtoken"));
        assert_eq!(uri.manufacturer(), Some("Snake Oil, Inc."));
        assert_eq!(uri.model(), Some("1.0"));
        assert_eq!(uri.serial(), Some(""));
        assert_eq!(uri.object_type(), Some(ObjectType::Cert));
        assert_eq!(uri.id(), Some(&[0x69, 0x95, 0x3e, 0x5c, 0xf4, 0xbd, 0xec, 0x91][..]));
        let uri = parse("pkcs11:object=my-sign-key;type=private?module-name=mypkcs11");
        assert_eq!(uri.module_name(), Some("mypkcs11"));
        let uri = parse("pkcs11:object=my-sign-key;type=private?module-path=/mnt/libmypkcs11.so.1");
        assert_eq!(uri.module_path(), Some(Path::new("/mnt/libmypkcs11.so.1")));
        let uri = parse("pkcs11:token=Software%20PKCS%2311%20softtoken;manufacturer=Snake%20Oil,%20Inc.?pin-value=the-pin");
        assert_eq!(uri.pin().unwrap().unwrap().as_str(), "the-pin");
        let uri = parse("pkcs11:slot-description=Sun%20Metaslot");
        assert_eq!(uri.slot_description(), Some("Sun Metaslot"));
        let uri = parse(
            "pkcs11:library-manufacturer=Snake%20Oil,%20Inc.;library-description=Soft%20Token;library-version=1.23",
        );
        assert_eq!(uri.library_manufacturer(), Some("Snake Oil, Inc."));
        assert_eq!(uri.library_description(), Some("Soft Token"));
        assert_eq!(uri.library_version(), Some((1, 23)));
        let uri =
            parse("pkcs11:token=A%20name%20with%20a%20substring%20%25%3B;object=my-certificate;type=cert");
        assert_eq!(uri.token(), Some("A name with a substring %;"));
        let uri = parse("pkcs11:token=Name%20with%20a%20small%20A%20with%20acute:%20%C3%A1;object=my-certificate;type=cert");
        assert_eq!(uri.token(), Some("Name with a small A with acute: á"));
        let uri = parse("pkcs11:token=my-token;object=my-certificate;type=cert;vendor-aaa=value-a?pin-source=file:/etc/token_pin&vendor-bbb=value-b");
        assert_eq!(uri.token(), Some("my-token"));
        let uri = parse("pkcs11:slot-id=42;slot-manufacturer=Acme;library-version=7");
        assert_eq!(uri.slot_id(), Some(42));
        assert_eq!(uri.slot_manufacturer(), Some("Acme"));
        assert_eq!(uri.library_version(), Some((7, 0)));
    }

    #[test]
    fn unknown_attributes_are_ignored_and_the_scheme_is_case_insensitive() {
        let uri = parse("PKCS11:token=t;x-vendor=%41;future=1?x-thing=y&module-path=/m.so");
        assert_eq!(uri.token(), Some("t"));
        assert_eq!(uri.module_path(), Some(Path::new("/m.so")));
        assert_eq!(uri.to_string(), "pkcs11:token=t?module-path=/m.so");
    }

    #[test]
    fn malformed_uris_are_refused_with_the_reason() {
        let cases = [
            ("token=t", "does not start with pkcs11:"),
            ("pkcs12:token=t", "does not start with pkcs11:"),
            ("pkcs11:token=a%2", "bad percent-encoding in token"),
            ("pkcs11:token=a%g1", "bad percent-encoding in token"),
            ("pkcs11:id=%0", "bad percent-encoding in id"),
            ("pkcs11:token=%FF", "token is not UTF-8"),
            ("pkcs11:token", "attribute token in the path has no '='"),
            ("pkcs11:token=a;;object=b", "an attribute in the path has no '='"),
            ("pkcs11:token=a?module-path", "attribute module-path in the query has no '='"),
            ("pkcs11:token=a;token=b", "token appears more than once"),
            ("pkcs11:token=a?module-path=/a&module-path=/b", "module-path appears more than once"),
            ("pkcs11:type=key", "type must be one of"),
            ("pkcs11:slot-id=x1", "slot-id must be a decimal number"),
            ("pkcs11:slot-id=-1", "slot-id must be a decimal number"),
            ("pkcs11:library-version=1.x", "library-version"),
            ("pkcs11:library-version=256", "library-version"),
            ("pkcs11:x-vendor=%zz", "bad percent-encoding in attribute x-vendor"),
            ("pkcs11:token=a?pin-value=1&pin-source=/f", "both pin-value and pin-source"),
            ("pkcs11:token=a#frag", "fragment"),
        ];
        for (uri, expected) in cases {
            let err = error(uri);
            assert!(err.contains(expected), "{uri}: {err}");
            assert!(err.starts_with("bad PKCS#11 URI: "), "{uri}: {err}");
        }
    }

    #[test]
    fn display_percent_encodes_and_parses_back() {
        let uri = parse(
            "pkcs11:token=A%20b%3Bc%3F;serial=0123;model=m;library-manufacturer=L;library-description=D;\
             library-version=2.6;slot-description=S;slot-manufacturer=M;slot-id=7;object=o%26p;type=private;\
             id=%01%FF?module-name=n&module-path=/x%20y/lib%26.so&pin-source=file:///run/pin",
        );
        let shown = uri.to_string();
        assert_eq!(
            shown,
            "pkcs11:token=A%20b%3Bc%3F;serial=0123;model=m;library-manufacturer=L;library-description=D;\
             library-version=2.6;slot-description=S;slot-manufacturer=M;slot-id=7;object=o&p;type=private;\
             id=%01%FF?module-name=n&module-path=/x%20y/lib%26.so&pin-source=file:///run/pin"
        );
        assert_eq!(parse(&shown), uri);
    }

    #[test]
    fn with_object_sets_the_label() {
        let uri = parse("pkcs11:token=t;object=a?pin-value=1");
        let other = uri.with_object("b");
        assert_eq!(other.object(), Some("b"));
        assert_eq!(other.token(), Some("t"));
        assert!(other.has_pin_value());
    }

    #[test]
    fn the_pin_is_dropped_for_storing_and_added_back_from_configuration() {
        let uri = parse("pkcs11:token=t;object=a?module-path=/m.so&pin-value=1234");
        let stored = uri.without_pin().to_string();
        assert_eq!(stored, "pkcs11:token=t;object=a?module-path=/m.so");
        let again = parse(&stored).with_pin(Zeroizing::new("1234".into()));
        assert_eq!(again, uri);
        assert_eq!(again.pin().unwrap().as_deref().map(String::as_str), Some("1234"));
    }

    #[test]
    fn pin_source_reads_the_first_line_of_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pin file");
        std::fs::write(&file, "987654\nsecond line\n").unwrap();
        let path = file.to_str().unwrap();
        let encoded = path.replace(' ', "%20");
        for source in [encoded.clone(), format!("file:{encoded}"), format!("file://{encoded}")] {
            let uri = parse(&format!("pkcs11:token=t?pin-source={source}"));
            assert_eq!(uri.pin().unwrap().unwrap().as_str(), "987654", "{source}");
        }
        let uri = parse(&format!("pkcs11:token=t?pin-source=file://localhost{encoded}"));
        assert_eq!(uri.pin().unwrap().unwrap().as_str(), "987654");
        let err = parse("pkcs11:token=t?pin-source=file://elsewhere/p").pin().unwrap_err().to_string();
        assert!(err.contains("only local file: URIs"), "{err}");
        let err = parse("pkcs11:token=t?pin-source=/nonexistent/pin").pin().unwrap_err().to_string();
        assert!(err.contains("cannot read the pin-source file /nonexistent/pin"), "{err}");
        assert!(parse("pkcs11:token=t").pin().unwrap().is_none());
    }
}
