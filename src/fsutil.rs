//! File output that never leaves a half-written file behind, and never writes through a link.
//!
//! An output path is written one of two ways:
//! - replaced: a temporary file in the same directory (created new, so always a regular file of
//!   ours), synced, then renamed over the path. A symbolic link at the path is itself replaced;
//!   its target is never touched.
//! - in place, when the path is a FIFO, character device or socket (`/dev/null`, a named pipe),
//!   which a rename would turn into a regular file. The path is opened with `O_NOFOLLOW`, so a
//!   symbolic link planted there is refused rather than followed, and the opened handle must
//!   still be a FIFO, character device or socket. The one exception are the descriptor names
//!   the system provides, `/dev/stdout`, `/dev/stderr`, `/dev/fd/N` and `/proc/self/fd/N`:
//!   they are links by design and are followed (their handle is checked the same way).
//!
//! Modes: [`Access::Shared`] outputs (reports) get 0644 less the umask when new and keep the
//! mode of a file they replace; [`Access::Private`] outputs (inventory dumps, change logs, which
//! hold account details) are always 0600.

use crate::error::Error;
use crate::term::Escaped;
use std::io::Write;
use std::path::Path;

/// Who may read a written file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// New files get 0644 less the umask; a replaced file keeps its mode.
    Shared,
    /// Always 0600 (owner only), a replaced file included.
    Private,
}

/// Write `bytes` to `path` atomically: a temp file in the same directory, fsync, then rename.
/// `-` means standard output.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    write_bytes(path, Access::Shared, bytes)
}

/// Like [`write_atomic`], for files that hold account details: the file is owner-only (0600).
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    write_bytes(path, Access::Private, bytes)
}

fn write_bytes(path: &Path, access: Access, bytes: &[u8]) -> Result<(), Error> {
    write_with(path, access, |out| {
        out.write_all(bytes)
            .map_err(|e| Error::fatal(format!("cannot write {}: {}", shown(path), Escaped(e))))
    })
}

/// Like [`write_atomic`], but the content is produced by `fill` writing into a buffered writer,
/// so that a large output is streamed to the file instead of being held in memory whole. The
/// file appears (by rename) only if `fill` succeeds.
pub fn write_atomic_with(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> Result<(), Error>,
) -> Result<(), Error> {
    write_with(path, Access::Shared, fill)
}

/// [`write_atomic_with`] with the file's [`Access`].
pub fn write_with(
    path: &Path,
    access: Access,
    fill: impl FnOnce(&mut dyn Write) -> Result<(), Error>,
) -> Result<(), Error> {
    if path.as_os_str() == "-" {
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        fill(&mut out)?;
        return out
            .flush()
            .map_err(|e| Error::fatal(format!("cannot write to standard output: {}", Escaped(e))));
    }
    let fail =
        |e: std::io::Error| Error::fatal(format!("cannot write {}: {}", shown(path), Escaped(e)));
    // A device, FIFO or socket (`/dev/null`, `/dev/stdout`, a named pipe) must not be replaced by a
    // rename, which would turn it into a regular file: write to it directly.
    if let Ok(meta) = std::fs::metadata(path) {
        if meta.is_dir() {
            return Err(Error::fatal(format!(
                "cannot write {}: it is a directory",
                shown(path)
            )));
        }
        if !meta.is_file() {
            let f = open_in_place(path)?;
            let mut out = std::io::BufWriter::new(f);
            fill(&mut out)?;
            return out.flush().map_err(fail);
        }
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".flowaudit-").suffix(".tmp");
    if let Some(perm) = new_file_permissions(path, access) {
        builder.permissions(perm);
    }
    let mut tmp = builder.tempfile_in(dir).map_err(fail)?;
    {
        let mut out = std::io::BufWriter::with_capacity(1 << 16, &mut tmp);
        fill(&mut out)?;
        out.flush().map_err(fail)?;
    }
    tmp.as_file().sync_all().map_err(fail)?;
    tmp.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}

/// The longest file name most file systems take, in bytes.
pub const MAX_FILE_NAME: usize = 255;

/// Check, before anything is written, that [`write_with`] can write `path`: not a directory, a
/// file name the file system takes, in an existing directory. What it cannot know (permissions,
/// a full disk) still fails at the write. `-` (standard output) is always writable.
pub fn check_writable(path: &Path) -> Result<(), Error> {
    if path.as_os_str() == "-" {
        return Ok(());
    }
    if std::fs::metadata(path).is_ok_and(|m| m.is_dir()) {
        return Err(Error::fatal(format!(
            "cannot write {}: it is a directory; nothing was written",
            shown(path)
        )));
    }
    if let Some(name) = path.file_name()
        && name.len() > MAX_FILE_NAME
    {
        return Err(Error::fatal(format!(
            "cannot write {}: its file name is {} bytes long, more than the {MAX_FILE_NAME} a file system takes; nothing was written",
            shown(path),
            name.len()
        )));
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !std::fs::metadata(dir).is_ok_and(|m| m.is_dir()) {
        return Err(Error::fatal(format!(
            "cannot write {}: {} is not a directory; nothing was written",
            shown(path),
            Escaped(dir.display())
        )));
    }
    Ok(())
}

/// Open a special file (FIFO, character device, socket) to write in place: never through a
/// symbolic link (but for the system's descriptor names, see the module text), and only if the
/// opened handle is still such a file.
#[cfg(unix)]
fn open_in_place(path: &Path) -> Result<std::fs::File, Error> {
    use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true);
    if !is_descriptor_name(path) {
        opts.custom_flags(libc::O_NOFOLLOW);
    }
    let f = opts.open(path).map_err(|e| {
        if e.raw_os_error() == Some(libc::ELOOP) {
            refused_link(path)
        } else {
            Error::fatal(format!("cannot write {}: {}", shown(path), Escaped(e)))
        }
    })?;
    let kind = f
        .metadata()
        .map_err(|e| Error::fatal(format!("cannot write {}: {}", shown(path), Escaped(e))))?
        .file_type();
    if kind.is_fifo() || kind.is_char_device() || kind.is_socket() {
        Ok(f)
    } else {
        Err(Error::fatal(format!(
            "cannot write {}: it was replaced while it was being opened; nothing was written\n  fix: make sure nothing else changes the output path, then run again",
            shown(path)
        )))
    }
}

#[cfg(not(unix))]
fn open_in_place(path: &Path) -> Result<std::fs::File, Error> {
    std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|e| Error::fatal(format!("cannot write {}: {}", shown(path), Escaped(e))))
}

/// The error for a symbolic link where a file is written in place.
pub fn refused_link(path: &Path) -> Error {
    Error::fatal(format!(
        "cannot write {}: it is a symbolic link, and flowaudit does not write through links; nothing was written\n  fix: name the file the link points to, or remove the link",
        shown(path)
    ))
}

/// The descriptor names the system provides as links: `/dev/stdout`, `/dev/stderr`, `/dev/fd/N`
/// and `/proc/self/fd/N`. They live in directories only the system writes, so following them
/// cannot be turned against the user.
fn is_descriptor_name(path: &Path) -> bool {
    let Some(p) = path.to_str() else {
        return false;
    };
    let numbered = |rest: Option<&str>| {
        rest.is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    };
    matches!(p, "/dev/stdout" | "/dev/stderr")
        || numbered(p.strip_prefix("/dev/fd/"))
        || numbered(p.strip_prefix("/proc/self/fd/"))
}

/// The mode the written file gets: 0600 for [`Access::Private`]; else the replaced file's, else
/// what a plain create gives (0644 less the umask), not the owner-only mode of a temporary file.
#[cfg(unix)]
fn new_file_permissions(path: &Path, access: Access) -> Option<std::fs::Permissions> {
    use std::os::unix::fs::PermissionsExt;
    if access == Access::Private {
        return Some(std::fs::Permissions::from_mode(0o600));
    }
    Some(match std::fs::metadata(path) {
        Ok(meta) => meta.permissions(),
        Err(_) => std::fs::Permissions::from_mode(0o644),
    })
}

/// Elsewhere temporary files have no owner-only default to undo.
#[cfg(not(unix))]
fn new_file_permissions(_path: &Path, _access: Access) -> Option<std::fs::Permissions> {
    None
}

/// How error messages name an output path.
fn shown(path: &Path) -> String {
    if path.as_os_str() == "-" {
        "to standard output".to_string()
    } else {
        Escaped(path.display()).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_whole_file_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.json");
        std::fs::write(&p, "old").unwrap();
        write_atomic(&p, b"new contents").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "new contents");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "temp file left behind: {names:?}");
    }

    #[cfg(unix)]
    #[test]
    fn special_files_are_written_in_place_not_replaced() {
        use std::os::unix::fs::FileTypeExt;
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read(fifo).unwrap())
        };
        write_atomic(&fifo, b"through the pipe").unwrap();
        assert_eq!(reader.join().unwrap(), b"through the pipe");
        let kind = std::fs::metadata(&fifo).unwrap().file_type();
        assert!(kind.is_fifo(), "the FIFO was replaced by a regular file");
        let err = write_atomic(dir.path(), b"x").unwrap_err();
        assert!(err.to_string().contains("is a directory"), "{err}");
    }

    #[test]
    fn streamed_content_is_written_whole_and_a_failed_fill_leaves_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.json");
        std::fs::write(&p, "old").unwrap();
        let err = write_atomic_with(&p, |out| {
            out.write_all(b"partial").unwrap();
            Err(Error::fatal("render failed"))
        })
        .unwrap_err();
        assert!(err.to_string().contains("render failed"), "{err}");
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "old");
        write_atomic_with(&p, |out| {
            for i in 0..100_000 {
                write!(out, "{i},").unwrap();
            }
            Ok(())
        })
        .unwrap();
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(text.starts_with("0,1,2,") && text.ends_with("99999,"));
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "temp file left behind");
    }

    #[cfg(unix)]
    #[test]
    fn new_files_are_not_owner_only_and_replaced_files_keep_their_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let fresh = dir.path().join("report.html");
        write_atomic(&fresh, b"x").unwrap();
        let mode = std::fs::metadata(&fresh).unwrap().permissions().mode() & 0o777;
        assert_eq!(
            mode & 0o044,
            0o044 & !umask_guess(),
            "group/other read expected: {mode:o}"
        );
        let kept = dir.path().join("private.json");
        std::fs::write(&kept, "old").unwrap();
        std::fs::set_permissions(&kept, std::fs::Permissions::from_mode(0o600)).unwrap();
        write_atomic(&kept, b"new").unwrap();
        let mode = std::fs::metadata(&kept).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    /// The umask bits, read from a file created the ordinary way.
    #[cfg(unix)]
    fn umask_guess() -> u32 {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("probe");
        std::fs::write(&p, "").unwrap();
        !std::fs::metadata(&p).unwrap().permissions().mode() & 0o666
    }

    /// Open a FIFO for reading without waiting for a writer, so that a writer that wrongly
    /// opens it does not block.
    #[cfg(unix)]
    fn fifo_reader(dir: &Path) -> (std::path::PathBuf, std::fs::File) {
        use std::os::unix::fs::OpenOptionsExt;
        let fifo = dir.join("pipe");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let reader = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(&fifo)
            .unwrap();
        (fifo, reader)
    }

    #[cfg(unix)]
    #[test]
    fn a_link_to_a_special_file_is_refused_and_its_target_gets_nothing() {
        use std::io::Read;
        let dir = tempfile::tempdir().unwrap();
        let (fifo, mut reader) = fifo_reader(dir.path());
        let link = dir.path().join("report.txt");
        std::os::unix::fs::symlink(&fifo, &link).unwrap();
        let err = write_atomic(&link, b"must not arrive").unwrap_err();
        let m = err.to_string();
        assert!(
            m.contains("symbolic link") && m.contains("report.txt"),
            "{m}"
        );
        assert_eq!(err.exit_status(), crate::error::ExitStatus::Usage);
        let mut got = Vec::new();
        let _ = reader.read_to_end(&mut got);
        assert!(got.is_empty(), "written through the link: {got:?}");
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        // The FIFO itself, named directly, is written.
        write_atomic(&fifo, b"direct").unwrap();
        let _ = reader.read_to_end(&mut got);
        assert_eq!(got, b"direct");
    }

    #[cfg(unix)]
    #[test]
    fn a_link_to_a_regular_file_is_replaced_not_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target");
        std::fs::write(&target, "precious").unwrap();
        let link = dir.path().join("out.json");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        write_atomic(&link, b"report").unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "precious");
        assert!(std::fs::symlink_metadata(&link).unwrap().is_file());
        assert_eq!(std::fs::read_to_string(&link).unwrap(), "report");
    }

    #[test]
    fn only_the_system_descriptor_names_are_followed() {
        for p in [
            "/dev/stdout",
            "/dev/stderr",
            "/dev/fd/1",
            "/proc/self/fd/12",
        ] {
            assert!(is_descriptor_name(Path::new(p)), "{p}");
        }
        for p in [
            "/dev/fd/",
            "/dev/fd/1/x",
            "/dev/fd/a",
            "/tmp/dev/stdout",
            "dev/stdout",
            "/dev/shm/x",
            "/proc/1/fd/1",
        ] {
            assert!(!is_descriptor_name(Path::new(p)), "{p}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_character_device_is_written_in_place() {
        use std::os::unix::fs::FileTypeExt;
        write_atomic(Path::new("/dev/null"), b"x").unwrap();
        write_private(Path::new("/dev/null"), b"x").unwrap();
        assert!(
            std::fs::metadata("/dev/null")
                .unwrap()
                .file_type()
                .is_char_device()
        );
    }

    #[cfg(unix)]
    #[test]
    fn private_files_are_owner_only_new_or_replaced() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let fresh = dir.path().join("inventory.json");
        write_private(&fresh, b"x").unwrap();
        let mode = std::fs::metadata(&fresh).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{mode:o}");
        let shared = dir.path().join("old.json");
        std::fs::write(&shared, "old").unwrap();
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o644)).unwrap();
        write_private(&shared, b"new").unwrap();
        let mode = std::fs::metadata(&shared).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{mode:o}");
        assert_eq!(std::fs::read_to_string(&shared).unwrap(), "new");
    }

    #[test]
    fn missing_directory_is_an_error_naming_the_path() {
        let err = write_atomic(Path::new("/nonexistent-dir-xyz/out.json"), b"x").unwrap_err();
        assert!(
            err.to_string().contains("/nonexistent-dir-xyz/out.json"),
            "{err}"
        );
    }
}
