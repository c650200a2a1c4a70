//! The one integration-test binary (every extra binary relinks the AWS SDK).

mod cli;
mod collect;
mod demo;
mod faults;
mod harness;
mod proxy;
mod smoke;
