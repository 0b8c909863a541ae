//! hybridctl's SMB helper, installed beside `hybridctl` (see crates/smb).

fn main() -> std::process::ExitCode {
    hybridctl_smb::run()
}
