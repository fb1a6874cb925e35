//! Reading the machine's policy from where IT deploys it.
//!
//! Linux: `/etc/countersign/policy.json`. The file must not be writable by users other than
//! its owner (a policy anyone can edit protects nothing): such a file is refused like a
//! malformed one. No file: no policy.
//!
//! Windows (`HKLM\SOFTWARE\Policies\Countersign`) and macOS (a managed preferences plist) are
//! not read yet: this project builds and tests on Linux only. Until they are, those systems
//! read the same JSON file from `%ProgramData%\Countersign\policy.json` and
//! `/Library/Application Support/Countersign/policy.json`.

use std::path::{Path, PathBuf};

use super::{Policy, PolicyError, Problem};

/// Where IT puts the policy on this kind of system.
#[cfg(all(unix, not(target_os = "macos")))]
pub const MACHINE_POLICY: &str = "/etc/countersign/policy.json";
/// Where IT puts the policy on this kind of system.
#[cfg(target_os = "macos")]
pub const MACHINE_POLICY: &str = "/Library/Application Support/Countersign/policy.json";
/// Where IT puts the policy on this kind of system.
#[cfg(windows)]
pub const MACHINE_POLICY: &str = r"C:\ProgramData\Countersign\policy.json";

/// Reads the policy at `path` (the machine's when `None`). A missing file is no policy; an
/// unreadable, malformed or loosely permitted one is an error to stop on.
pub fn load_machine_policy(path: Option<&Path>) -> Result<Policy, PolicyError> {
    let path: PathBuf = path.map_or_else(|| PathBuf::from(MACHINE_POLICY), Path::to_path_buf);
    let name = path.display().to_string();
    let refuse = |message: String| PolicyError {
        source_name: name.clone(),
        problems: vec![Problem { at: "(file)".to_owned(), message }],
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Policy::default()),
        Err(e) => return Err(refuse(format!("cannot be read ({e}); it must be readable by every user"))),
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let meta = std::fs::metadata(&path).map_err(|e| refuse(format!("cannot be read ({e})")))?;
        if meta.mode() & 0o022 != 0 {
            return Err(refuse(
                "can be changed by users other than its owner: make it writable by root only (chmod 644)"
                    .to_owned(),
            ));
        }
    }
    Policy::parse(&text, &name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_file_is_no_policy_and_a_loose_file_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("policy.json");
        assert!(load_machine_policy(Some(&path)).unwrap().is_empty());
        std::fs::write(&path, r#"{"allow_export": false}"#).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(load_machine_policy(Some(&path)).unwrap().allow_export, Some(false));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();
        let refused = load_machine_policy(Some(&path)).unwrap_err();
        assert!(refused.to_string().contains("writable by root only"), "{refused}");
    }
}
