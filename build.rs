//! The templates, catalogs and mail templates are built into the binary (`include_dir!`), which
//! cargo does not track: a file added or changed there would otherwise not be seen until a
//! source file changed. Naming the folders here makes cargo rebuild when anything in them
//! changes.

fn main() {
    for dir in ["templates", "locales", "email-templates", "static"] {
        println!("cargo:rerun-if-changed={dir}");
    }
}
