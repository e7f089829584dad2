//! One attempt to reach checkout, as plain logic over the browser's pieces: the request loop
//! with core's retry policy (`submit`), what each answer means (`outcome`), and the attempt
//! saved for the way back (`attempt`).

pub mod attempt;
pub mod outcome;
pub mod submit;
