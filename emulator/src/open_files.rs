//! The open-file limit (spec/emulator.md, "Limits"): at start the server raises its soft
//! limit to what `--max-connections` needs, up to the hard limit, and says so when it
//! cannot (a connection over the soft limit would otherwise wait, unaccepted).

use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};

/// Descriptors needed besides connections: the listener, the log, the lock, standard
/// streams, the runtime's own and some slack.
pub const HEADROOM: u64 = 64;

/// What raising the limit did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Raised {
    /// The soft limit covers what is needed (raised or already so).
    Enough,
    /// The soft limit is below what is needed: the hard limit (or the system) refused more.
    Short {
        /// The soft limit in force.
        soft: u64,
        /// What `--max-connections` needs.
        needed: u64,
    },
}

impl Raised {
    /// The start-up line's part: empty when the limit is enough.
    pub fn describe(&self) -> String {
        match self {
            Raised::Enough => String::new(),
            Raised::Short { soft, needed } => format!(
                "; warning: the open-file limit is {soft}, below the {needed} that --max-connections needs (the hard limit allows no more): connections beyond it wait"
            ),
        }
    }
}

/// Raises the soft open-file limit to `max_connections` plus [`HEADROOM`], up to the hard
/// limit.
pub fn raise_for(max_connections: usize) -> Raised {
    let needed = u64::try_from(max_connections)
        .unwrap_or(u64::MAX)
        .saturating_add(HEADROOM);
    let limit = getrlimit(Resource::Nofile);
    // `None` is unlimited.
    let soft = limit.current.unwrap_or(u64::MAX);
    if soft >= needed {
        return Raised::Enough;
    }
    let target = limit.maximum.map_or(needed, |hard| hard.min(needed));
    let raised = setrlimit(
        Resource::Nofile,
        Rlimit {
            current: Some(target),
            maximum: limit.maximum,
        },
    )
    .is_ok();
    let soft = if raised { target } else { soft };
    if soft >= needed {
        Raised::Enough
    } else {
        Raised::Short { soft, needed }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_soft_limit_is_raised_to_what_is_needed_up_to_the_hard_limit() {
        let before = getrlimit(Resource::Nofile);
        let hard = before.maximum.unwrap_or(u64::MAX);
        // Within the hard limit: raised, and the soft limit now covers it.
        let want = hard.min(4096).saturating_sub(HEADROOM).max(1);
        let raised = raise_for(usize::try_from(want).unwrap());
        let soft = getrlimit(Resource::Nofile).current.unwrap_or(u64::MAX);
        if want + HEADROOM <= hard {
            assert_eq!(raised, Raised::Enough);
            assert!(soft >= want + HEADROOM, "soft {soft}");
        }
        // Beyond the hard limit: said so, with the numbers.
        if let Some(hard) = before.maximum {
            let too_many = usize::try_from(hard).unwrap_or(usize::MAX);
            let raised = raise_for(too_many);
            assert_eq!(
                raised,
                Raised::Short {
                    soft: hard,
                    needed: hard + HEADROOM
                }
            );
            assert_eq!(
                raised.describe(),
                format!("; warning: the open-file limit is {hard}, below the {} that --max-connections needs (the hard limit allows no more): connections beyond it wait", hard + HEADROOM)
            );
        }
    }
}
