//! Imports: placeholder replaced below.
