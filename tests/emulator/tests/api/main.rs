//! Integration tests: every route over real HTTP against a running emulator.

mod common;
mod control;
mod faults;
mod favorites_messages;
mod files;
mod listing;
mod session;
mod signing;
mod spaces;
mod upload;
