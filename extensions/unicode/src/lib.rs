//! sqlean's `unicode` module (work in progress).

use sqlink_sdk::export_extension;

export_extension! {
    name: "unicode",
}
