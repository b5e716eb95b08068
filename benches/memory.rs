//! Bytes per instance (docs/performance.md): a counting allocator measures the heap of one
//! `Simulation` holding 1,000,000 instances with two databases each, fresh; after a
//! simulated day in which each took one manual backup, its set kept (the bytes per kept
//! set are the difference); and after the sets are forgotten as the fleet runner does
//! with `--retain-days 0` (fleet mode, the last ended job kept); then after a second
//! backup each, both sets kept (the cost of a further set). Prints the figures; no timing.
//!
//! Run: `cargo bench --bench memory`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use rds_backup_sim::{
    CreateBackupRequest, Database, Engine, InstanceId, InstanceSpec, Simulation, Timestamp,
};

/// The system allocator, counting the bytes currently allocated.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded to the system allocator unchanged; only a counter is kept.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: the caller's contract is the system allocator's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: `ptr` was allocated by `alloc` above with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(new_size, Ordering::Relaxed);
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: as for `dealloc` and `alloc`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const N: usize = 1_000_000;

fn main() {
    let start = Timestamp::parse_rfc3339("2026-03-01T00:00:00Z").expect("a valid literal");
    let before = LIVE.load(Ordering::Relaxed);
    let mut sim = Simulation::new(Default::default(), start);
    for i in 0..N {
        let id = InstanceId::new(&format!("rm-{i:010}")).expect("not empty");
        let mut spec = InstanceSpec::new(id, Engine::MySql);
        spec.databases = vec![Database::running("app"), Database::running("sales")];
        sim.create_instance(spec, start).expect("a valid instance");
    }
    let fresh = LIVE.load(Ordering::Relaxed) - before;
    for i in 0..N {
        let id = format!("rm-{i:010}");
        let request = CreateBackupRequest::for_instance(&id);
        sim.create_backup(&request, start).expect("accepted");
    }
    let day = start.saturating_add_millis(86_400_000);
    sim.advance_to(day).expect("later");
    sim.settle_all();
    // Each instance now holds one ended job and its set (what `DescribeBackups` lists).
    let with_set = LIVE.load(Ordering::Relaxed) - before;
    for i in 0..N {
        sim.forget_sets_before(&format!("rm-{i:010}"), Timestamp::MAX, |_| ());
    }
    let after_day = LIVE.load(Ordering::Relaxed) - before;
    // A second day: each takes one more backup, both sets kept.
    for i in 0..N {
        let id = format!("rm-{i:010}");
        let request = CreateBackupRequest::for_instance(&id);
        sim.create_backup(&request, day).expect("accepted");
    }
    sim.advance_to(day.saturating_add_millis(86_400_000))
        .expect("later");
    sim.settle_all();
    let with_two = LIVE.load(Ordering::Relaxed) - before;
    println!(
        "size_of::<Instance>() = {} bytes",
        std::mem::size_of::<rds_backup_sim::Instance>()
    );
    let per = |bytes: usize| bytes as f64 / N as f64;
    println!(
        "fresh, two databases:          {:.1} bytes per instance",
        per(fresh)
    );
    println!(
        "after one backup each, its set kept: {:.1} bytes per instance ({:.1} per kept set)",
        per(with_set),
        per(with_set) - per(fresh)
    );
    println!(
        "after one backup each (fleet mode, counts only): {:.1} bytes per instance",
        per(after_day)
    );
    println!(
        "after a second backup each, both sets kept: {:.1} bytes per instance ({:.1} for the second set)",
        per(with_two),
        per(with_two) - per(after_day)
    );
    std::hint::black_box(&sim);
}
