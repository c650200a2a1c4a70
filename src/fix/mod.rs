//! `--fix`: the only code that writes to AWS. Plan, confirm, apply idempotently, verify.
