//! The standard library checked ahead of time gives exactly what checking it now gives.

use fluxi_semantic::{snapshot_standard_library, Library, SnapshotError};

#[test]
fn every_package_decodes_to_what_checking_it_gives() {
    let bytes: &'static [u8] = snapshot_standard_library()
        .expect("the standard library encodes")
        .leak();
    let from_snapshot = Library::with_snapshot(bytes).expect("a fresh snapshot is accepted");
    let checked = Library::new();
    let paths = Library::standard_paths();
    assert!(
        from_snapshot.snapshot_packages() * 10 >= paths.len() * 9,
        "most packages check and are in the snapshot: {} of {}",
        from_snapshot.snapshot_packages(),
        paths.len()
    );
    for path in &paths {
        let fresh = checked.package(path);
        let decoded = from_snapshot.package(path);
        match (fresh, decoded) {
            (Ok(a), Ok(b)) => {
                assert_eq!(format!("{a:?}"), format!("{b:?}"), "exports of {path}");
                let ga = checked.package_graph(path).expect("checked graph");
                let gb = from_snapshot.package_graph(path).expect("decoded graph");
                assert_eq!(format!("{ga:?}"), format!("{gb:?}"), "graph of {path}");
            }
            (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "error of {path}"),
            (a, b) => panic!(
                "{path}: checked {:?}, from the snapshot {:?}",
                a.is_ok(),
                b.is_ok()
            ),
        }
    }
    // Decoding is not checking: the snapshot library loaded each package without a check,
    // and both count every package they loaded.
    assert_eq!(from_snapshot.packages_loaded(), checked.packages_loaded());
}

#[test]
fn a_registered_package_wins_over_the_snapshot() {
    let bytes: &'static [u8] = snapshot_standard_library().expect("encodes").leak();
    let library = Library::with_snapshot(bytes).expect("accepted");
    library.register_package(
        "strings",
        "package strings\nbuiltin shout : (v: string) => string\n",
    );
    let exports = library.package("strings").expect("checks");
    assert_eq!(exports.members.keys().collect::<Vec<_>>(), ["shout"]);
}

#[test]
fn damaged_or_foreign_snapshots_are_refused() {
    let bytes = snapshot_standard_library().expect("encodes");
    assert!(matches!(
        Library::with_snapshot(b"not a snapshot"),
        Err(SnapshotError::Malformed(_))
    ));
    let cut: &'static [u8] = bytes[..bytes.len() / 2].to_vec().leak();
    assert!(matches!(
        Library::with_snapshot(cut),
        Err(SnapshotError::Malformed(_))
    ));
    // The fingerprint of the sources follows the magic line and the format (one byte):
    // change it and the snapshot is refused.
    let mut other = bytes.clone();
    let magic = other.iter().position(|b| *b == b'\n').expect("magic line") + 1;
    other[magic + 1] ^= 0x01;
    let other: &'static [u8] = other.leak();
    assert!(Library::with_snapshot(other).is_err());
}
