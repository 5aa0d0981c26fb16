use sqlink_sdk::export_extension;

#[derive(Default)]
struct Total(i64);

export_extension! {
    name: "demo",
    aggregates: [Total],
}

fn main() {}
