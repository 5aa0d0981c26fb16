//! An extension that imports WASI sockets: it loads, and the network is denied when used.

use sqlink_sdk::{Error, export_extension, sqlite_scalar};

/// Opens a TCP connection to `address` (host:port).
#[sqlite_scalar]
pub fn connect(address: &str) -> Result<bool, Error> {
    std::net::TcpStream::connect(address).map(|_| true).map_err(|e| Error::new(e.to_string()))
}

export_extension! { name: "network", scalars: [connect] }
