#![doc = include_str!("../README.md")]
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod auth;
mod client;
pub mod config;
pub mod error;
pub mod favorites;
pub mod files;
pub mod http;
pub mod listing;
pub mod messages;
pub mod model;
pub mod operation;
pub mod paging;
pub mod platform;
mod retry;
pub mod secret;
pub mod session;
pub mod spaces;
pub mod trace;
pub mod transfer;
pub mod transport;
pub mod validate;
pub mod wire;

pub use client::{Client, ClientBuilder, SESSION_IDLE_LIFETIME, SessionToken};
pub use config::{Config, Endpoint, RetryPolicy};
pub use error::{Error, ErrorCode, ErrorKind, Result, ValidationError};
pub use http::{Headers, HttpRequest, HttpResponse, Method};
pub use operation::{AuthMode, Operation, RequestSpec};
pub use paging::{Page, PagedOperation};
pub use platform::{Clock, SystemClock};
pub use secret::Secret;
#[cfg(feature = "reqwest")]
pub use transport::ReqwestTransport;
pub use transport::{Transport, TransportError, TransportErrorKind};
