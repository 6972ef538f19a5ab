//! SORT and SORT_RO (Redis's `sort.c`). PLACEHOLDER handlers, replaced by the data-types work.

use super::{CmdError, CmdResult, Ctx};

fn todo(_ctx: &mut Ctx) -> CmdResult {
    Err(CmdError::Msg("ERR not implemented yet"))
}

/// SORT
pub fn sort(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// SORT_RO
pub fn sort_ro(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}
