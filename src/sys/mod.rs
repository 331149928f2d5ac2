//! The machine below every command: child processes (process groups, signals), the repository
//! lock, atomic writes and the clock, and the parallel runner. Nothing here knows about lanes,
//! the queue or git; nothing here prints.

pub mod clock;
pub mod events;
pub mod files;
pub mod foreground;
pub mod lock;
pub mod parallel;
pub mod process;
pub mod quote;
