//! Generates kafkabridge.h (C) and kafkabridge_ffi.h (the same declarations without
//! preprocessor lines or comments and with `const void *` byte-buffer parameters, for PHP's
//! FFI::cdef() and ffi.preload) into OUT_DIR, and links the shared library with -z nodelete so a
//! dlclose() never unmaps code our threads run. A build writes nothing outside OUT_DIR:
//! `make headers` copies the headers into include/ (committed), `make headers-check` compares.

use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rustc-cdylib-link-arg=-Wl,-z,nodelete");
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libkafkabridge.so");

    let crate_dir = std::env::var("CARGO_MANIFEST_DIR").unwrap();
    let config = cbindgen::Config::from_file(Path::new(&crate_dir).join("cbindgen.toml")).expect("reading cbindgen.toml");
    let mut c_header = Vec::new();
    cbindgen::Builder::new().with_crate(&crate_dir).with_config(config).generate().expect("generating the C header").write(&mut c_header);
    let c_header = String::from_utf8(c_header).unwrap();
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR").unwrap());
    write_if_changed(&out.join("kafkabridge.h"), &c_header);
    write_if_changed(&out.join("kafkabridge_ffi.h"), &ffi_header(&c_header));
}

/// Drops comments, preprocessor lines (PHP's FFI parser accepts neither #include nor #define)
/// and blank lines, and declares the byte-buffer parameters of functions `const void *`.
///
/// Why: PHP's FFI passes a PHP string as is, without a copy, to a `char *` or `void *` parameter
/// but refuses it for `const uint8_t *`, so with the C header's types every key and value would
/// first be copied into an FFI::new() buffer. The two types are the same pointer at the ABI
/// level. Struct fields (between braces) keep `const uint8_t *`: a field cannot hold a PHP
/// string anyway.
fn ffi_header(c: &str) -> String {
    let mut out = String::from(
        "// kafkabridge declarations for PHP FFI; generated from kafkabridge.h by build.rs, with the byte-buffer\n\
         // parameters of functions declared const void * so PHP passes its strings without a copy.\n",
    );
    let mut in_comment = false;
    let mut braces = 0usize;
    for line in c.lines() {
        let t = line.trim();
        if in_comment {
            in_comment = !t.contains("*/");
            continue;
        }
        if t.starts_with("/*") {
            in_comment = !t.contains("*/");
            continue;
        }
        if t.is_empty() || t.starts_with('#') || t.starts_with("//") || t.starts_with("extern \"C\"") || t == "}  // extern \"C\"" {
            continue;
        }
        if braces == 0 {
            out.push_str(&line.replace("const uint8_t *", "const void *"));
        } else {
            out.push_str(line);
        }
        out.push('\n');
        braces = braces + line.matches('{').count() - line.matches('}').count();
    }
    out
}

fn write_if_changed(path: &Path, content: &str) {
    if std::fs::read_to_string(path).ok().as_deref() != Some(content) {
        std::fs::write(path, content).unwrap();
    }
}
