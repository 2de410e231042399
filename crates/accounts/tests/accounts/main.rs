//! The accounts capability against both storage backends.

mod common;
mod enrolment;
mod lifecycle;
mod notifier;
mod signin;
