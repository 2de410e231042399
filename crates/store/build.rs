// `sqlx::migrate!` embeds the migration files at compile time; make Cargo rebuild this crate when
// a migration is added or edited.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
