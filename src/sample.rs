//! Synthetic sample publication (being written).
