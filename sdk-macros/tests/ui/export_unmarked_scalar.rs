use sqlink_sdk::export_extension;

fn answer() -> i64 {
    42
}

export_extension! {
    name: "demo",
    scalars: [answer],
}

fn main() {}
