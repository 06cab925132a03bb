//! Links the `styr` executable with packed relative relocations where the machine
//! building it can.
//!
//! A position-independent executable carries one relocation per pointer in its data,
//! which the loader reads in full at every start: for styr about 21,000 relocations,
//! half a megabyte of every running process's memory. `-z pack-relative-relocs` (GNU ld
//! 2.38, glibc 2.36) stores them in a few kilobytes instead, keeping address
//! randomisation. Older linkers refuse the flag and older C libraries cannot load the
//! result, so a test program is linked and run first; without success, nothing changes.

use std::path::PathBuf;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let target = std::env::var("TARGET").unwrap_or_default();
    let host = std::env::var("HOST").unwrap_or_default();
    // Only where the result can be tried here: a native build for Linux with glibc.
    if target != host || !target.ends_with("linux-gnu") {
        return;
    }
    if packed_relocations_work() {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}

/// Whether a C program linked as a position-independent executable with the flag, by
/// the compiler driver rustc links with, builds and runs.
fn packed_relocations_work() -> bool {
    let Some(out) = std::env::var_os("OUT_DIR").map(PathBuf::from) else {
        return false;
    };
    let source = out.join("relr_probe.c");
    let program = out.join("relr_probe");
    let code = "static int x; int *p = &x; int main(void) { return *p; }\n";
    if std::fs::write(&source, code).is_err() {
        return false;
    }
    let linked = Command::new("cc")
        .args(["-pie", "-fPIE", "-Wl,-z,pack-relative-relocs", "-o"])
        .arg(&program)
        .arg(&source)
        .output()
        .is_ok_and(|o| o.status.success());
    linked && Command::new(&program).status().is_ok_and(|s| s.success())
}
