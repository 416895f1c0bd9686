#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

uniffi::setup_scaffolding!();

mod client;
mod error;
mod session;
mod transport;

pub use client::{KooDriveClient, KooDriveEndpoint, endpoint_base_url};
pub use error::KooDriveError;
pub use session::{
    AuthCodeUrlRecord, SessionRole, SessionTokenRecord, SessionUser, UserInfoRecord,
};
pub use transport::{
    HeaderRecord, HttpRequestRecord, HttpResponseRecord, HttpTransport, TransportFailure,
};
