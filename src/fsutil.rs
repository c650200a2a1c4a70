//! File output that never leaves a half-written file behind.

use crate::error::Error;
use std::io::Write;
use std::path::Path;

/// Write `bytes` to `path` atomically: a temp file in the same directory, fsync, then rename.
/// `-` means standard output.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    write_atomic_with(path, |out| {
        out.write_all(bytes)
            .map_err(|e| Error::fatal(format!("cannot write {}: {e}", shown(path))))
    })
}

/// Like [`write_atomic`], but the content is produced by `fill` writing into a buffered writer,
/// so that a large output is streamed to the file instead of being held in memory whole. The
/// file appears (by rename) only if `fill` succeeds.
pub fn write_atomic_with(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> Result<(), Error>,
) -> Result<(), Error> {
    if path.as_os_str() == "-" {
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        fill(&mut out)?;
        return out
            .flush()
            .map_err(|e| Error::fatal(format!("cannot write to standard output: {e}")));
    }
    let fail = |e: std::io::Error| Error::fatal(format!("cannot write {}: {e}", path.display()));
    // A device, FIFO or socket (`/dev/null`, `/dev/stdout`, a named pipe) must not be replaced by a
    // rename, which would turn it into a regular file: write to it directly.
    if let Ok(meta) = std::fs::metadata(path) {
        if meta.is_dir() {
            return Err(Error::fatal(format!(
                "cannot write {}: it is a directory",
                path.display()
            )));
        }
        if !meta.is_file() {
            let f = std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(fail)?;
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
    if let Some(perm) = new_file_permissions(path) {
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

/// The mode the written file gets: the replaced file's, else what a plain create gives (0644
/// less the umask), not the owner-only mode of a temporary file.
#[cfg(unix)]
fn new_file_permissions(path: &Path) -> Option<std::fs::Permissions> {
    use std::os::unix::fs::PermissionsExt;
    Some(match std::fs::metadata(path) {
        Ok(meta) => meta.permissions(),
        Err(_) => std::fs::Permissions::from_mode(0o644),
    })
}

/// Elsewhere temporary files have no owner-only default to undo.
#[cfg(not(unix))]
fn new_file_permissions(_path: &Path) -> Option<std::fs::Permissions> {
    None
}

/// How error messages name an output path.
fn shown(path: &Path) -> String {
    if path.as_os_str() == "-" {
        "to standard output".to_string()
    } else {
        path.display().to_string()
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

    #[test]
    fn missing_directory_is_an_error_naming_the_path() {
        let err = write_atomic(Path::new("/nonexistent-dir-xyz/out.json"), b"x").unwrap_err();
        assert!(
            err.to_string().contains("/nonexistent-dir-xyz/out.json"),
            "{err}"
        );
    }
}
