//! Deployments as uploaded: a single script (run as an executable file; its `#!` line picks
//! the interpreter) or a gzipped tar archive holding a `meridian.json` manifest that names
//! the command. Checked on upload (so a broken archive is refused at once, not at its first
//! run) and unpacked into a run's working directory.

use std::io::Read;
use std::path::Path;

/// The largest upload accepted.
pub const MAX_UPLOAD_BYTES: usize = 32 * 1024 * 1024;
/// The most an archive may unpack to, and how many entries it may hold: a small archive that
/// unpacks to a disk-filling one is refused.
pub const MAX_UNPACKED_BYTES: u64 = 256 * 1024 * 1024;
pub const MAX_ENTRIES: usize = 10_000;
/// What a script is saved as in its working directory.
pub const SCRIPT_FILE: &str = "main";
/// The manifest at the root of an archive.
pub const MANIFEST: &str = "meridian.json";

/// An upload, checked.
#[derive(Clone, Debug, PartialEq)]
pub struct Package {
    /// `script` or `archive`.
    pub kind: &'static str,
    /// What a run executes, relative to the unpacked deployment.
    pub command: Vec<String>,
    /// `sha256:<hex>` of the upload.
    pub digest: String,
}

/// The manifest: `{"command": ["python3", "main.py"]}`, or a string run by `/bin/sh -c`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    command: CommandSpec,
}

#[derive(serde::Deserialize)]
#[serde(untagged)]
enum CommandSpec {
    Argv(Vec<String>),
    Shell(String),
}

pub fn digest(bytes: &[u8]) -> String {
    use sha2::Digest;
    format!("sha256:{:x}", sha2::Sha256::digest(bytes))
}

/// Checks an upload: an archive when `gzip` (its content type said so), else a script.
pub fn inspect(bytes: &[u8], gzip: bool) -> Result<Package, String> {
    if bytes.is_empty() {
        return Err("The upload is empty.".into());
    }
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(format!(
            "A deployment is at most {} MiB.",
            MAX_UPLOAD_BYTES / 1024 / 1024
        ));
    }
    let command = if gzip {
        let manifest = walk_archive(bytes, |_, _| Ok(()))?
            .ok_or_else(|| format!("The archive has no {MANIFEST} at its root."))?;
        command_of(&manifest)?
    } else {
        if !bytes.starts_with(b"#!") {
            return Err("A script starts with a #! line naming its interpreter (e.g. #!/bin/sh). To upload an archive, send a gzipped tar with content-type application/gzip.".into());
        }
        vec![format!("./{SCRIPT_FILE}")]
    };
    Ok(Package {
        kind: if gzip { "archive" } else { "script" },
        command,
        digest: digest(bytes),
    })
}

fn command_of(manifest: &[u8]) -> Result<Vec<String>, String> {
    let manifest: Manifest = serde_json::from_slice(manifest).map_err(|e| {
        format!(
            "{MANIFEST} does not read: {e}. It holds {{\"command\": [\"program\", \"arg\", ...]}}."
        )
    })?;
    let command = match manifest.command {
        CommandSpec::Argv(argv) => argv,
        CommandSpec::Shell(line) => vec!["/bin/sh".into(), "-c".into(), line],
    };
    if command.first().is_none_or(|p| p.trim().is_empty()) {
        return Err(format!("{MANIFEST}: the command is empty."));
    }
    if command.iter().any(|a| a.contains('\0')) {
        return Err(format!("{MANIFEST}: the command holds a NUL character."));
    }
    Ok(command)
}

/// Reads every entry of a gzipped tar, refusing anything that could land outside the
/// directory it unpacks to (absolute paths, `..`, links) or that is too big; `visit` sees
/// each regular file or directory with its checked relative path. Returns the manifest.
fn walk_archive(
    bytes: &[u8],
    mut visit: impl FnMut(
        &Path,
        &mut tar::Entry<'_, flate2::read::GzDecoder<&[u8]>>,
    ) -> Result<(), String>,
) -> Result<Option<Vec<u8>>, String> {
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(bytes));
    let mut manifest = None;
    let mut total = 0u64;
    let entries = archive
        .entries()
        .map_err(|e| format!("Not a gzipped tar archive: {e}."))?;
    for (n, entry) in entries.enumerate() {
        if n >= MAX_ENTRIES {
            return Err(format!("An archive holds at most {MAX_ENTRIES} files."));
        }
        let mut entry = entry.map_err(|e| format!("Not a gzipped tar archive: {e}."))?;
        let path = entry
            .path()
            .map_err(|e| format!("An entry's name does not read: {e}."))?
            .into_owned();
        let shown = path.display().to_string();
        let safe = path.components().all(|c| {
            matches!(
                c,
                std::path::Component::Normal(_) | std::path::Component::CurDir
            )
        });
        if !safe {
            return Err(format!(
                "'{shown}' would unpack outside the deployment: use relative paths without '..'."
            ));
        }
        let kind = entry.header().entry_type();
        if !(kind.is_file() || kind.is_dir()) {
            return Err(format!(
                "'{shown}' is not a regular file or directory (links and devices are not accepted)."
            ));
        }
        total += entry.size();
        if total > MAX_UNPACKED_BYTES {
            return Err(format!(
                "The archive unpacks to more than {} MiB.",
                MAX_UNPACKED_BYTES / 1024 / 1024
            ));
        }
        let relative: std::path::PathBuf = path
            .components()
            .filter(|c| matches!(c, std::path::Component::Normal(_)))
            .collect();
        if kind.is_file() && relative == Path::new(MANIFEST) {
            let mut content = Vec::new();
            entry
                .by_ref()
                .take(64 * 1024)
                .read_to_end(&mut content)
                .map_err(|e| format!("{MANIFEST} does not read: {e}."))?;
            manifest = Some(content);
            continue;
        }
        visit(&relative, &mut entry)?;
    }
    Ok(manifest)
}

/// Unpacks a deployment into `dir` (which exists and is empty): a script as an executable
/// `main`, an archive's files with their modes (never setuid).
pub fn unpack(kind: &str, content: &[u8], dir: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    if kind == "script" {
        let path = dir.join(SCRIPT_FILE);
        std::fs::write(&path, content).map_err(|e| e.to_string())?;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
            .map_err(|e| e.to_string())?;
        return Ok(());
    }
    let manifest = walk_archive(content, |relative, entry| {
        if relative.as_os_str().is_empty() {
            return Ok(());
        }
        let target = dir.join(relative);
        if entry.header().entry_type().is_dir() {
            return std::fs::create_dir_all(&target).map_err(|e| e.to_string());
        }
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
        }
        let mut file = std::fs::File::create(&target).map_err(|e| e.to_string())?;
        std::io::copy(entry, &mut file).map_err(|e| e.to_string())?;
        let mode = entry.header().mode().unwrap_or(0o644) & 0o777;
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(mode | 0o400))
            .map_err(|e| e.to_string())
    })?;
    if let Some(manifest) = manifest {
        std::fs::write(dir.join(MANIFEST), manifest).map_err(|e| e.to_string())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn archive(files: &[(&str, &[u8])], link: Option<(&str, &str)>) -> Vec<u8> {
        let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
            Vec::new(),
            flate2::Compression::fast(),
        ));
        for (path, content) in files {
            let mut header = tar::Header::new_gnu();
            header.set_size(content.len() as u64);
            header.set_mode(0o755);
            header.set_entry_type(tar::EntryType::Regular);
            // Written raw, so tests can name paths the builder itself would refuse.
            let name = header.as_old_mut().name.as_mut();
            name[..path.len()].copy_from_slice(path.as_bytes());
            header.set_cksum();
            builder.append(&header, *content).unwrap();
        }
        if let Some((path, target)) = link {
            let mut header = tar::Header::new_gnu();
            header.set_entry_type(tar::EntryType::Symlink);
            header.set_size(0);
            builder.append_link(&mut header, path, target).unwrap();
        }
        builder.into_inner().unwrap().finish().unwrap()
    }

    #[test]
    fn scripts_need_a_shebang_and_archives_a_manifest() {
        let script = inspect(b"#!/bin/sh\necho hi\n", false).unwrap();
        assert_eq!(script.kind, "script");
        assert_eq!(script.command, vec!["./main"]);
        assert!(script.digest.starts_with("sha256:") && script.digest.len() == 71);
        assert!(inspect(b"echo hi", false).unwrap_err().contains("#!"));
        assert!(inspect(b"", false).is_err());

        let good = archive(
            &[
                ("meridian.json", br#"{"command": ["./run.sh", "x"]}"#),
                ("run.sh", b"#!/bin/sh\necho $1\n"),
            ],
            None,
        );
        let package = inspect(&good, true).unwrap();
        assert_eq!(package.command, vec!["./run.sh", "x"]);
        let shell = archive(&[("./meridian.json", br#"{"command": "echo hi"}"#)], None);
        assert_eq!(
            inspect(&shell, true).unwrap().command,
            vec!["/bin/sh", "-c", "echo hi"]
        );
        let missing = archive(&[("run.sh", b"#!/bin/sh\n")], None);
        assert!(
            inspect(&missing, true)
                .unwrap_err()
                .contains("meridian.json")
        );
        assert!(inspect(b"not gzip", true).is_err());
    }

    #[test]
    fn archives_cannot_reach_outside_their_directory() {
        let manifest: (&str, &[u8]) = ("meridian.json", br#"{"command": ["true"]}"#);
        let escape = archive(&[manifest, ("../evil", b"x")], None);
        assert!(inspect(&escape, true).unwrap_err().contains("outside"));
        let absolute = archive(&[manifest, ("/etc/evil", b"x")], None);
        assert!(inspect(&absolute, true).unwrap_err().contains("outside"));
        let link = archive(&[manifest], Some(("passwd", "/etc/passwd")));
        assert!(inspect(&link, true).unwrap_err().contains("links"));
    }

    #[test]
    fn unpacking_writes_files_with_their_modes() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("meridian-unpack-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let bytes = archive(
            &[
                ("meridian.json", br#"{"command": ["./bin/run"]}"#),
                ("bin/run", b"#!/bin/sh\n"),
            ],
            None,
        );
        unpack("archive", &bytes, &dir).unwrap();
        let mode = std::fs::metadata(dir.join("bin/run"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o755);
        assert!(dir.join("meridian.json").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
