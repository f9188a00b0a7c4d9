//! CRL generation benchmark: tillit's streaming `CrlBuilder` against `openssl ca -gencrl`,
//! on the same entries, signed by the same P-256 CA key.
//!
//! ```text
//! cargo bench -p tillit-pki --bench crl                          # 100,000 and 1,000,000 entries
//! BENCH_CRL_SIZES=1000 cargo bench -p tillit-pki --bench crl     # a quick run
//! BENCH_CRL_RUNS=1 cargo bench -p tillit-pki --bench crl         # one run of each (default 3)
//! BENCH_CRL_KEEP=1 cargo bench -p tillit-pki --bench crl         # keep the files, to profile
//! ```
//!
//! For each size the benchmark makes a CA in a temporary directory, then:
//!
//! * runs tillit in a child process (this binary again, with [`CHILD`] as argument) so that
//!   its peak memory (`VmHWM`) is its own. The child generates the entries on the fly from a
//!   seeded generator (16-byte random serials, revocation times over the past year, a mix of
//!   reasons) and pushes them into a `CrlBuilder`, as the store does from a database cursor;
//!   nothing holds the list. The time covers generating the entries, encoding, signing and
//!   writing the CRL file; not process start-up or loading the key.
//! * writes the same entries as an OpenSSL CA database (`index.txt`) with a minimal
//!   `openssl.cnf`, and times `openssl ca -gencrl` under `/usr/bin/time` for its peak RSS. That
//!   time covers the whole process: start-up, loading the key and certificate, reading the
//!   database, encoding, signing and writing the (PEM) CRL.
//! * checks that both CRLs parse and verify with `openssl crl`, and that they hold the same
//!   entries, byte for byte (in a different order: OpenSSL sorts by serial).
//!
//! Each side runs `BENCH_CRL_RUNS` times; the medians are reported. The key is kept as
//! unencrypted PKCS#8 in the temporary directory so that neither side pays for the
//! keystore's scrypt (the server opens its key once, not once per CRL).

use std::env;
use std::error::Error;
use std::fmt::Write as _;
use std::fs;
use std::hint::black_box;
use std::io::{BufWriter, Write as _};
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use der::pem::LineEnding;
use der::{Decode as _, EncodePem as _, Reader as _, SliceReader, Tag};
use rand::rngs::StdRng;
use rand::{Rng as _, RngCore as _, SeedableRng as _};
use tillit_pki::crl::{CrlBuilder, Reason};
use tillit_pki::issue::{root_ca, Issuer};
use tillit_pki::profile::SubjectField;
use tillit_pki::signer::generate_pkcs8;
use tillit_pki::{FileSigner, KeyAlgorithm};
use x509_cert::Certificate;

type Res<T> = Result<T, Box<dyn Error>>;

/// The argument that makes this binary the tillit child.
const CHILD: &str = "__tillit_crl_child";
/// The entry generator's seed: parent and child make the same entries from it.
const SEED: u64 = 0x7111_1700_c41c;
const YEAR: u64 = 365 * 86_400;

fn main() -> ExitCode {
    let args: Vec<String> = env::args().collect();
    let result = if args.get(1).map(String::as_str) == Some(CHILD) { child(&args[2..]) } else { parent() };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("crl bench: {e}");
            ExitCode::FAILURE
        }
    }
}

/// One revoked certificate.
struct Entry {
    serial: [u8; 16],
    /// Seconds since the epoch.
    at: u64,
    reason: Reason,
}

/// `count` entries from `SEED`, revoked during the year before `now`. The reasons are those
/// both tillit and `openssl ca` can write (OpenSSL has no privilegeWithdrawn).
struct Entries {
    rng: StdRng,
    left: u64,
    now: u64,
}

impl Entries {
    fn new(count: u64, now: u64) -> Self {
        Entries { rng: StdRng::seed_from_u64(SEED), left: count, now }
    }
}

impl Iterator for Entries {
    type Item = Entry;

    fn next(&mut self) -> Option<Entry> {
        self.left = self.left.checked_sub(1)?;
        // As tillit makes them: positive, exactly 16 octets.
        let mut serial = [0u8; 16];
        self.rng.fill_bytes(&mut serial);
        serial[0] &= 0x7f;
        if serial[0] == 0 {
            serial[0] = 1;
        }
        let at = self.now - self.rng.gen_range(0..YEAR);
        let reason = match self.rng.gen_range(0..100) {
            0..=39 => Reason::Unspecified,
            40..=59 => Reason::Superseded,
            60..=74 => Reason::CessationOfOperation,
            75..=86 => Reason::AffiliationChanged,
            87..=96 => Reason::KeyCompromise,
            _ => Reason::CaCompromise,
        };
        Some(Entry { serial, at, reason })
    }
}

/// The child: makes the CRL of `count` entries with tillit, writes it to `<dir>/tillit.crl`,
/// and prints its figures as `key=value` words.
fn child(args: &[String]) -> Res<()> {
    let [dir, count, now] = args else { return Err("usage: __tillit_crl_child DIR COUNT NOW".into()) };
    let dir = Path::new(dir);
    let (count, now): (u64, u64) = (count.parse()?, now.parse()?);
    let pkcs8 = fs::read(dir.join("ca.pk8"))?;
    let signer = FileSigner::from_pkcs8(&dir.join("ca.pk8"), KeyAlgorithm::EcdsaP256, &pkcs8)?;
    let certificate = Certificate::from_der(&fs::read(dir.join("ca.der"))?)?;
    let issuer = Issuer { name: "bench", certificate: &certificate, signer: &signer };
    let this_update = UNIX_EPOCH + Duration::from_secs(now);
    let rss_before_kb = proc_status_kb("VmRSS")?;

    let started = Instant::now();
    let mut builder = CrlBuilder::new(&issuer, 1, this_update, this_update + Duration::from_secs(86_400))?;
    for entry in Entries::new(count, now) {
        builder.push(&entry.serial, UNIX_EPOCH + Duration::from_secs(entry.at), entry.reason)?;
    }
    let crl = builder.finish()?;
    fs::write(dir.join("tillit.crl"), &crl)?;
    let elapsed = started.elapsed();
    let peak_kb = proc_status_kb("VmHWM")?;
    drop(crl);

    // What the entry source alone costs (it is part of the time above).
    let started = Instant::now();
    for entry in Entries::new(count, now) {
        black_box(entry);
    }
    let source = started.elapsed();
    println!(
        "time_ns={} peak_kb={peak_kb} rss_before_kb={rss_before_kb} source_ns={}",
        elapsed.as_nanos(),
        source.as_nanos()
    );
    Ok(())
}

/// A `kB` figure from /proc/self/status.
fn proc_status_kb(field: &str) -> Res<u64> {
    let status = fs::read_to_string("/proc/self/status")?;
    let line = status
        .lines()
        .find_map(|l| l.strip_prefix(field).and_then(|l| l.strip_prefix(':')))
        .ok_or_else(|| format!("no {field} in /proc/self/status"))?;
    Ok(line.trim().trim_end_matches("kB").trim().parse()?)
}

/// Figures of one run.
struct Run {
    time: Duration,
    peak_kb: u64,
}

fn parent() -> Res<()> {
    let sizes = env::var("BENCH_CRL_SIZES").unwrap_or_else(|_| "100000,1000000".into());
    let sizes =
        sizes.split(',').map(|s| s.trim().replace('_', "").parse::<u64>()).collect::<Result<Vec<_>, _>>()?;
    let runs: usize = env::var("BENCH_CRL_RUNS").ok().map(|r| r.parse()).transpose()?.unwrap_or(3).max(1);
    for tool in ["openssl", "/usr/bin/time"] {
        if Command::new(tool).arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_err() {
            return Err(format!("{tool} is needed").into());
        }
    }
    let openssl_version = Command::new("openssl").arg("version").output()?.stdout;
    println!(
        "CRL generation, {runs} run(s) of each, medians; {}",
        String::from_utf8_lossy(&openssl_version).trim()
    );
    for count in sizes {
        bench(count, runs)?;
    }
    Ok(())
}

fn bench(count: u64, runs: usize) -> Res<()> {
    let tempdir = tempfile::tempdir()?;
    let dir = tempdir.path();
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();

    // The CA: a P-256 key, as unencrypted PKCS#8 for both sides, and a self-signed certificate.
    let pkcs8 = generate_pkcs8(KeyAlgorithm::EcdsaP256)?;
    let signer = FileSigner::from_pkcs8(&dir.join("ca.pk8"), KeyAlgorithm::EcdsaP256, &pkcs8)?;
    let subject = [
        (SubjectField::CountryName, "SE".to_owned()),
        (SubjectField::OrganizationName, "Tillit Bench".to_owned()),
        (SubjectField::CommonName, "Tillit Bench CA".to_owned()),
    ];
    let not_before = UNIX_EPOCH + Duration::from_secs(now - 2 * YEAR);
    let ca = root_ca(&signer, &subject, not_before, not_before + Duration::from_secs(10 * YEAR))?;
    fs::write(dir.join("ca.pk8"), &pkcs8)?;
    fs::write(
        dir.join("ca.key"),
        der::pem::encode_string("PRIVATE KEY", LineEnding::LF, &pkcs8).map_err(der::Error::from)?,
    )?;
    fs::write(dir.join("ca.der"), &ca.der)?;
    fs::write(dir.join("ca.pem"), ca.certificate.to_pem(LineEnding::LF)?)?;

    let mut tillit = Vec::with_capacity(runs);
    let mut source = Duration::ZERO;
    let mut rss_before_kb = 0;
    for _ in 0..runs {
        let out = Command::new(env::current_exe()?)
            .args([CHILD, &dir.display().to_string(), &count.to_string(), &now.to_string()])
            .stderr(Stdio::inherit())
            .output()?;
        if !out.status.success() {
            return Err(format!("the tillit child failed ({})", out.status).into());
        }
        let text = String::from_utf8(out.stdout)?;
        let figure = |name: &str| -> Res<u64> {
            let value = text
                .split_whitespace()
                .find_map(|w| w.strip_prefix(name).and_then(|w| w.strip_prefix('=')))
                .ok_or_else(|| format!("the child printed no {name}: {text:?}"))?;
            Ok(value.parse()?)
        };
        tillit.push(Run { time: Duration::from_nanos(figure("time_ns")?), peak_kb: figure("peak_kb")? });
        source = Duration::from_nanos(figure("source_ns")?);
        rss_before_kb = figure("rss_before_kb")?;
    }

    write_openssl_ca(dir, count, now)?;
    let mut openssl = Vec::with_capacity(runs);
    for _ in 0..runs {
        fs::write(dir.join("crlnumber"), "01\n")?;
        let started = Instant::now();
        let status = Command::new("/usr/bin/time")
            .args(["-f", "%M", "-o"])
            .arg(dir.join("openssl.rss"))
            .args(["openssl", "ca", "-gencrl", "-batch", "-config"])
            .arg(dir.join("openssl.cnf"))
            .arg("-out")
            .arg(dir.join("openssl.crl"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()?;
        let time = started.elapsed();
        if !status.success() {
            return Err(format!("openssl ca -gencrl failed ({status}); see {}", dir.display()).into());
        }
        let peak_kb = fs::read_to_string(dir.join("openssl.rss"))?.trim().parse()?;
        openssl.push(Run { time, peak_kb });
    }

    let entries = check(dir, count)?;

    let (t, o) = (median(&mut tillit), median(&mut openssl));
    let mb = |kb: u64| kb as f64 / 1024.0;
    let secs = |d: Duration| d.as_secs_f64();
    println!("--- {count} entries");
    println!(
        "tillit  time {:.4} s (all runs: {}; of which the entry source {:.4} s)",
        secs(t.time),
        all_times(&tillit),
        secs(source)
    );
    println!(
        "tillit  peak {:.1} MB (VmHWM of the child; {:.1} MB before the CRL)",
        mb(t.peak_kb),
        mb(rss_before_kb)
    );
    println!("openssl time {:.4} s (all runs: {})", secs(o.time), all_times(&openssl));
    println!("openssl peak {:.1} MB (max RSS)", mb(o.peak_kb));
    println!("ratio   openssl time / tillit time {:.1}x", secs(o.time) / secs(t.time));
    println!(
        "check   both CRLs parse and verify with openssl crl; {entries} entries each, the same entries; \
         tillit CRL {} bytes",
        fs::metadata(dir.join("tillit.crl"))?.len()
    );
    if env::var_os("BENCH_CRL_KEEP").is_some() {
        // To rerun a side by hand, e.g. under a profiler:
        //   <this binary> __tillit_crl_child DIR COUNT NOW
        //   openssl ca -gencrl -batch -config DIR/openssl.cnf -out DIR/openssl.crl
        println!("kept    {} (now = {now})", tempdir.keep().display());
    }
    Ok(())
}

/// Writes the OpenSSL CA: `index.txt` with the entries as revoked certificates, the serial
/// and CRL number files, and `openssl.cnf` asking for the same extensions tillit writes.
fn write_openssl_ca(dir: &Path, count: u64, now: u64) -> Res<()> {
    let mut index = BufWriter::new(fs::File::create(dir.join("index.txt"))?);
    let mut line = String::with_capacity(128);
    for entry in Entries::new(count, now) {
        line.clear();
        line.push_str("R\t491231235959Z\t");
        utc_time(&mut line, entry.at)?;
        let reason = match entry.reason {
            Reason::Unspecified => None,
            Reason::KeyCompromise => Some("keyCompromise"),
            Reason::CaCompromise => Some("CACompromise"),
            Reason::AffiliationChanged => Some("affiliationChanged"),
            Reason::Superseded => Some("superseded"),
            Reason::CessationOfOperation => Some("cessationOfOperation"),
            Reason::PrivilegeWithdrawn => return Err("openssl ca cannot write privilegeWithdrawn".into()),
        };
        if let Some(reason) = reason {
            line.push(',');
            line.push_str(reason);
        }
        line.push('\t');
        for b in entry.serial {
            write!(line, "{b:02X}")?;
        }
        line.push_str("\tunknown\t/CN=x\n");
        index.write_all(line.as_bytes())?;
    }
    index.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    fs::write(dir.join("index.txt.attr"), "unique_subject = no\n")?;
    fs::write(dir.join("serial"), "01\n")?;
    let cnf = format!(
        "[ ca ]\n\
         default_ca = bench\n\
         \n\
         [ bench ]\n\
         dir = {}\n\
         database = $dir/index.txt\n\
         serial = $dir/serial\n\
         crlnumber = $dir/crlnumber\n\
         certificate = $dir/ca.pem\n\
         private_key = $dir/ca.key\n\
         new_certs_dir = $dir\n\
         default_md = sha256\n\
         default_crl_days = 1\n\
         unique_subject = no\n\
         crl_extensions = crl_ext\n\
         \n\
         [ crl_ext ]\n\
         authorityKeyIdentifier = keyid:always\n",
        dir.display()
    );
    fs::write(dir.join("openssl.cnf"), cnf)?;
    Ok(())
}

/// Appends `unix` as an OpenSSL database time, `YYMMDDHHMMSSZ`.
fn utc_time(out: &mut String, unix: u64) -> Res<()> {
    let t = der::DateTime::from_unix_duration(Duration::from_secs(unix))?;
    write!(
        out,
        "{:02}{:02}{:02}{:02}{:02}{:02}Z",
        t.year() % 100,
        t.month(),
        t.day(),
        t.hour(),
        t.minutes(),
        t.seconds()
    )?;
    Ok(())
}

/// Checks that both CRLs parse and verify with `openssl crl`, and hold the same `count`
/// entries. Returns the number of entries.
fn check(dir: &Path, count: u64) -> Res<usize> {
    let verify = |args: &[&str]| -> Res<()> {
        let out = Command::new("openssl")
            .arg("crl")
            .args(args)
            .arg("-noout")
            .arg("-CAfile")
            .arg(dir.join("ca.pem"))
            .output()?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        if !out.status.success() || !stderr.contains("verify OK") {
            return Err(format!("openssl crl {args:?}: {stderr}").into());
        }
        Ok(())
    };
    let tillit_path = dir.join("tillit.crl").display().to_string();
    let openssl_path = dir.join("openssl.crl").display().to_string();
    let openssl_der = dir.join("openssl.der").display().to_string();
    verify(&["-inform", "DER", "-in", &tillit_path])?;
    verify(&["-in", &openssl_path])?;
    let status = Command::new("openssl")
        .args(["crl", "-in", &openssl_path, "-outform", "DER", "-out", &openssl_der])
        .status()?;
    if !status.success() {
        return Err("openssl crl cannot convert its CRL to DER".into());
    }

    let tillit_crl = fs::read(&tillit_path)?;
    let openssl_crl = fs::read(&openssl_der)?;
    let mut ours = entries(&tillit_crl)?;
    let mut theirs = entries(&openssl_crl)?;
    if ours.len() as u64 != count || theirs.len() as u64 != count {
        return Err(
            format!("{count} entries expected; tillit has {}, openssl {}", ours.len(), theirs.len()).into()
        );
    }
    ours.sort_unstable();
    theirs.sort_unstable();
    if ours != theirs {
        let first = ours.iter().zip(&theirs).position(|(a, b)| a != b);
        return Err(
            format!("the CRLs list different entries (first difference at sorted entry {first:?})").into()
        );
    }
    Ok(ours.len())
}

/// The DER of each revokedCertificates entry of a CRL (read in place: a million entries as
/// `x509-cert` structures would take far more memory than the CRL).
fn entries(crl: &[u8]) -> der::Result<Vec<&[u8]>> {
    let mut reader = SliceReader::new(crl)?;
    let tbs = reader.sequence(|list| {
        let tbs = list.tlv_bytes()?;
        list.tlv_bytes()?; // signatureAlgorithm
        list.tlv_bytes()?; // signatureValue
        Ok(tbs)
    })?;
    reader.finish(())?;
    let mut reader = SliceReader::new(tbs)?;
    let entries = reader.sequence(|tbs| {
        // version, signature, issuer, thisUpdate, nextUpdate
        for _ in 0..5 {
            tbs.tlv_bytes()?;
        }
        let mut entries = Vec::new();
        if !tbs.is_finished() && tbs.peek_tag()? == Tag::Sequence {
            tbs.sequence(|list| {
                while !list.is_finished() {
                    entries.push(list.tlv_bytes()?);
                }
                Ok(())
            })?;
        }
        if !tbs.is_finished() {
            tbs.tlv_bytes()?; // crlExtensions
        }
        Ok(entries)
    })?;
    reader.finish(entries)
}

fn median(runs: &mut [Run]) -> Run {
    runs.sort_by_key(|r| r.time);
    let mid = &runs[runs.len() / 2];
    // The peak is the highest of all runs.
    Run { time: mid.time, peak_kb: runs.iter().map(|r| r.peak_kb).max().unwrap_or_default() }
}

fn all_times(runs: &[Run]) -> String {
    runs.iter().map(|r| format!("{:.4}", r.time.as_secs_f64())).collect::<Vec<_>>().join(", ")
}
