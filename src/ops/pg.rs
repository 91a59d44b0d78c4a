//! `pg_dump` and `pg_restore`, found on `PATH`. The password travels in `PGPASSWORD`, never on the
//! command line (where `ps` would show it), and never reaches an error message.

use std::path::Path;
use std::process::Command;

/// A PostgreSQL client tool for this database URL: `--dbname` without the password.
fn tool(name: &str, url: &str) -> anyhow::Result<Command> {
    let mut parsed =
        url::Url::parse(url).map_err(|e| anyhow::anyhow!("invalid PostgreSQL URL: {e}"))?;
    let mut cmd = Command::new(name);
    if let Some(password) = parsed.password() {
        // Percent-decoding (form decoding, with a literal `+` kept as itself).
        let decoded =
            url::form_urlencoded::parse(format!("p={}", password.replace('+', "%2B")).as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default();
        cmd.env("PGPASSWORD", decoded);
        let _ = parsed.set_password(None);
    }
    cmd.arg(format!("--dbname={parsed}"));
    Ok(cmd)
}

fn run(name: &str, mut cmd: Command) -> anyhow::Result<()> {
    let out = cmd.output().map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            anyhow::anyhow!(
                "{name} was not found on PATH. Install the PostgreSQL client tools of the server's major \
                 version or newer (Debian/Ubuntu: apt-get install postgresql-client)."
            )
        } else {
            anyhow::anyhow!("cannot run {name}: {e}")
        }
    })?;
    if !out.status.success() {
        anyhow::bail!(
            "{name} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

/// `pg_dump --format=custom` of the database (or of one schema) into `file`.
pub fn dump(url: &str, schema: Option<&str>, file: &Path) -> anyhow::Result<()> {
    let mut cmd = tool("pg_dump", url)?;
    cmd.args(["--format=custom", "--no-owner", "--no-privileges"])
        .arg(format!("--file={}", file.display()));
    if let Some(s) = schema {
        cmd.arg(format!("--schema={s}"));
    }
    run("pg_dump", cmd)
}

/// `pg_restore` of `file` in one transaction, stopping at the first error; `clean` drops the dumped
/// objects first (`--clean --if-exists`).
pub fn restore(url: &str, file: &Path, clean: bool) -> anyhow::Result<()> {
    let mut cmd = tool("pg_restore", url)?;
    cmd.args([
        "--no-owner",
        "--no-privileges",
        "--exit-on-error",
        "--single-transaction",
    ]);
    if clean {
        cmd.args(["--clean", "--if-exists"]);
    }
    cmd.arg(file);
    run("pg_restore", cmd)
}
