//! End-to-end tests of the HTTP API: each test spawns the real server on a random port, over a
//! fresh SQLite database and (when `DINHDANH_TEST_POSTGRES` is set) a fresh PostgreSQL schema, and
//! talks to it over HTTP the way an operator's client would.

mod support;

mod authentication;
mod corrections;
mod credentials;
mod exchange;
mod headers;
mod ledger;
mod metrics;
mod oidc;
mod openapi;
mod persons;
mod portal;
mod probes;
mod results;
mod search;
mod services;
mod web;
mod web_access;
mod web_documents;
mod web_officer_ledger;
mod web_rights;
mod web_verify;
