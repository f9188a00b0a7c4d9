//! `tillit id check`: one verdict per input line, for checking an HR file before import.

use std::io::{self, BufWriter};
use std::process::ExitCode;

use clap::{Subcommand, ValueEnum};
use tillit_core::id::{check_line, Country, IdCheckKind, ParseOptions};
use time::OffsetDateTime;

#[derive(Debug, Subcommand)]
pub enum IdCommand {
    /// Read one number per line on stdin; write one line per input line, in order:
    /// `valid<TAB><normalised form>` or `invalid<TAB><reason>`. Always exits 0.
    Check {
        /// Whose numbers.
        #[arg(long, value_enum)]
        country: CountryArg,
        /// Person identifiers or organisation numbers.
        #[arg(long, value_enum, default_value = "person")]
        kind: KindArg,
        /// Accept synthetic test identities (Norwegian month + 80).
        #[arg(long)]
        allow_test_ids: bool,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CountryArg {
    /// Sweden: personnummer, samordningsnummer, organisationsnummer.
    Se,
    /// Denmark: CPR, CVR.
    Dk,
    /// Norway: fødselsnummer, D- and H-nummer, organisasjonsnummer.
    No,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum KindArg {
    /// National identity numbers.
    Person,
    /// Organisation numbers.
    Org,
}

pub fn run(cmd: IdCommand) -> anyhow::Result<ExitCode> {
    let IdCommand::Check { country, kind, allow_test_ids } = cmd;
    let country = match country {
        CountryArg::Se => Country::Se,
        CountryArg::Dk => Country::Dk,
        CountryArg::No => Country::No,
    };
    let kind = match kind {
        KindArg::Person => IdCheckKind::Person,
        KindArg::Org => IdCheckKind::Org,
    };
    let opts = ParseOptions::new(OffsetDateTime::now_utc().date()).with_test_ids(allow_test_ids);
    let stdin = io::stdin().lock();
    let mut out = BufWriter::new(io::stdout().lock());
    match check_stream(stdin, &mut out, country, kind, &opts) {
        Ok(()) => {}
        // The reader went away (e.g. `| head`): nothing more to say.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {}
        Err(e) => return Err(e.into()),
    }
    Ok(ExitCode::SUCCESS)
}

fn check_stream(
    mut input: impl io::BufRead,
    out: &mut impl io::Write,
    country: Country,
    kind: IdCheckKind,
    opts: &ParseOptions,
) -> io::Result<()> {
    let mut line = Vec::new();
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        if line.last() == Some(&b'\n') {
            line.pop();
        }
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        match std::str::from_utf8(&line) {
            Ok(text) => writeln!(out, "{}", check_line(country, kind, text, opts))?,
            Err(_) => writeln!(out, "invalid\tnot UTF-8 text")?,
        }
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_out_per_line_in() {
        let opts = ParseOptions::new(time::macros::date!(2026 - 11 - 24));
        let input = b"19640823-3234\n\n  196408233234 \r\nnot a number\n\xff\xfe\n640823-3234";
        let mut out = Vec::new();
        check_stream(&input[..], &mut out, Country::Se, IdCheckKind::Person, &opts).unwrap();
        let out = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 6, "{out}");
        assert_eq!(lines[0], "valid\t196408233234");
        assert!(lines[1].starts_with("invalid\t"));
        assert_eq!(lines[2], "valid\t196408233234");
        assert!(lines[3].starts_with("invalid\t"));
        assert_eq!(lines[4], "invalid\tnot UTF-8 text");
        assert_eq!(lines[5], "valid\t196408233234");
    }
}
