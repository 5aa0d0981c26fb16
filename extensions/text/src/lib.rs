//! sqlean's `text` module (work in progress).

use sqlink_sdk::export_extension;

export_extension! {
    name: "text",
}
