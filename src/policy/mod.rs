//! Policies: ownership, contract-first, gates, kept tests. Pure functions; no git, no printing.
