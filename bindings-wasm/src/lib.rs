#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

// The API exists on wasm32 only; natively the crate is empty, so that
// `cargo clippy --workspace` compiles no JavaScript glue.
#[cfg(target_arch = "wasm32")]
mod client;
#[cfg(target_arch = "wasm32")]
mod convert;
#[cfg(target_arch = "wasm32")]
mod error;
#[cfg(target_arch = "wasm32")]
mod session;

#[cfg(target_arch = "wasm32")]
pub use client::KooDrive;
