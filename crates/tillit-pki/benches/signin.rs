//! Sign-in verification benchmark: how many citizen sign-ins a node checks per second on all
//! its cores, and where the time goes.
//!
//! ```text
//! cargo bench -p tillit-pki --bench signin                          # 3 seconds per scenario
//! BENCH_SIGNIN_SECONDS=10 cargo bench -p tillit-pki --bench signin  # longer runs
//! ```
//!
//! Two scenarios, each one sign-in per iteration on every core at once:
//!
//! * passcode + key card: the argon2id check of the passcode (default cost: m = 19456 KiB,
//!   t = 2, p = 1), unsealing the card's secret (FileSealer, AES-256-GCM), deriving and
//!   checking the code at a position;
//! * passcode + TOTP: the same passcode check, unsealing the token's seed, checking the code
//!   in a ±1 step window.
//!
//! It prints sign-ins per second, the mean time of each part on one core, and the hash's share
//! of the time. The hash is meant to dominate (≥ 90 %): it is the part that makes guessing
//! passcodes from a stolen database expensive; the rest must stay negligible beside it.

use std::env;
use std::error::Error;
use std::hint::black_box;
use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tillit_pki::secret::keycard::DEFAULT_POSITIONS;
use tillit_pki::secret::{
    FileSealer, KeyCard, KeyCardSecret, KeyCardSerial, PasscodeHasher, Totp, TotpParams, TotpSeed,
};
use tillit_pki::Passphrase;

type Res<T> = Result<T, Box<dyn Error>>;

/// The time of each part of one sign-in, summed over a thread's iterations.
#[derive(Default, Clone, Copy)]
struct Parts {
    count: u64,
    hash: Duration,
    unseal: Duration,
    check: Duration,
}

impl Parts {
    fn add(&mut self, other: Parts) {
        self.count += other.count;
        self.hash += other.hash;
        self.unseal += other.unseal;
        self.check += other.check;
    }
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("signin bench: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Res<()> {
    let seconds: f64 = env::var("BENCH_SIGNIN_SECONDS").ok().map(|s| s.parse()).transpose()?.unwrap_or(3.0);
    if !(seconds > 0.0 && seconds <= 3600.0) {
        return Err("BENCH_SIGNIN_SECONDS must be between 0 and 3600".into());
    }
    let duration = Duration::from_secs_f64(seconds);
    let threads = thread::available_parallelism().map(usize::from).unwrap_or(1);

    let dir = tempfile::tempdir()?;
    let passphrase = Passphrase::generate();
    let sealer = FileSealer::generate(&dir.path().join("sealing-key.pem"), &passphrase)?;
    let hasher = PasscodeHasher::default();
    let cost = hasher.cost();
    let passcode = "Mit eget kodeord 2024";
    let phc = hasher.hash(passcode)?;

    let card = KeyCard::generate(KeyCardSerial::generate()?, DEFAULT_POSITIONS)?;
    let serial = card.serial().clone();
    let card_aad = serial.as_str().as_bytes().to_vec();
    let sealed_card = card.secret().seal(&sealer, &card_aad)?;
    let position = 42;
    let card_code = card.code(position)?.as_str().to_owned();

    let seed = TotpSeed::generate()?;
    let totp_aad = b"code display SN 0012345678".to_vec();
    let sealed_seed = seed.seal(&sealer, &totp_aad)?;
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
    let totp_code = Totp::new(seed, TotpParams::default()).code(now)?.to_string();

    println!(
        "sign-in verification, {threads} threads, {seconds} s per scenario; argon2id m={} KiB t={} p={}",
        cost.memory_kib, cost.iterations, cost.parallelism
    );

    let key_card = measure(threads, duration, || {
        let started = Instant::now();
        let matched = hasher.verify(passcode, &phc)?.is_match();
        let hashed = Instant::now();
        let secret = KeyCardSecret::unseal(&sealer, &card_aad, &sealed_card)?;
        let card = KeyCard::new(serial.clone(), secret, DEFAULT_POSITIONS)?;
        let unsealed = Instant::now();
        let accepted = card.verify(position, black_box(&card_code));
        let checked = Instant::now();
        if !(matched && accepted) {
            return Err("the key card sign-in was refused".into());
        }
        Ok(Parts { count: 1, hash: hashed - started, unseal: unsealed - hashed, check: checked - unsealed })
    })?;
    report("passcode + key card", threads, duration, key_card);

    let totp = measure(threads, duration, || {
        let started = Instant::now();
        let matched = hasher.verify(passcode, &phc)?.is_match();
        let hashed = Instant::now();
        let seed = TotpSeed::unseal(&sealer, &totp_aad, &sealed_seed)?;
        let token = Totp::new(seed, TotpParams::default());
        let unsealed = Instant::now();
        let step = token.verify(black_box(&totp_code), now, 1, None);
        let checked = Instant::now();
        if !matched || step.is_none() {
            return Err("the TOTP sign-in was refused".into());
        }
        Ok(Parts { count: 1, hash: hashed - started, unseal: unsealed - hashed, check: checked - unsealed })
    })?;
    report("passcode + TOTP", threads, duration, totp);
    Ok(())
}

/// Runs `signin` on `threads` threads until `duration` has passed; the summed parts.
fn measure<F>(threads: usize, duration: Duration, signin: F) -> Res<Parts>
where
    F: Fn() -> Result<Parts, Box<dyn Error + Send + Sync>> + Sync,
{
    let deadline = Instant::now() + duration;
    let results: Vec<Result<Parts, String>> = thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut parts = Parts::default();
                    while Instant::now() < deadline {
                        parts.add(signin().map_err(|e| e.to_string())?);
                    }
                    Ok(parts)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err("a thread panicked".to_owned())))
            .collect()
    });
    let mut total = Parts::default();
    for result in results {
        total.add(result?);
    }
    Ok(total)
}

fn report(name: &str, threads: usize, duration: Duration, parts: Parts) {
    let n = parts.count.max(1) as f64;
    let per_second = parts.count as f64 / duration.as_secs_f64();
    let total = (parts.hash + parts.unseal + parts.check).as_secs_f64();
    let share = if total > 0.0 { parts.hash.as_secs_f64() / total * 100.0 } else { 0.0 };
    println!("\n{name}: {} sign-ins on {threads} threads", parts.count);
    println!("  {per_second:>10.1} verifications/s");
    println!("  {:>10.3} ms  argon2id passcode check (mean)", parts.hash.as_secs_f64() * 1e3 / n);
    println!("  {:>10.3} µs  unseal (FileSealer, AES-256-GCM)", parts.unseal.as_secs_f64() * 1e6 / n);
    println!("  {:>10.3} µs  code check", parts.check.as_secs_f64() * 1e6 / n);
    println!("  {share:>10.2} %   of the time in the hash (goal ≥ 90 %)");
}
