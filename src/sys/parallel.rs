//! Running one job per lane on a few threads. Lanes are independent for reads; each worker opens
//! its own git2 handle because libgit2 objects are not shared across threads.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// Workers to use: the machine's cores, at least two (most lane work waits on git processes).
pub fn workers(jobs: usize) -> usize {
    workers_at_least(jobs, 2)
}

/// Workers for `jobs` items: `WT_JOBS` when set, else the machine's cores but at least `least`.
pub fn workers_at_least(jobs: usize, least: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let wanted = std::env::var("WT_JOBS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|n| *n > 0);
    wanted.unwrap_or(cores.max(least)).min(jobs.max(1))
}

/// Run `job` for each item on a small pool; results come back in input order.
pub fn map<T, R, F>(items: &[T], job: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> R + Sync,
{
    map_with(workers(items.len()), items, job)
}

/// As `map`, on `workers` threads (at least one, at most one per item).
pub fn map_with<T, R, F>(workers: usize, items: &[T], job: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> R + Sync,
{
    map_init(workers, items, || (), |_, item| job(item))
}

/// As `map_with`, each worker first making its own state with `init` (a repository handle,
/// say, which cannot be shared between threads) and handing it to every job it runs.
pub fn map_init<T, S, R, I, F>(workers: usize, items: &[T], init: I, job: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    I: Fn() -> S + Sync,
    F: Fn(&mut S, &T) -> R + Sync,
{
    let workers = workers.clamp(1, items.len().max(1));
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                let mut state = init();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    let r = job(&mut state, item);
                    results.lock().expect("no worker panics while holding it")[i] = Some(r);
                }
            });
        }
    });
    results
        .into_inner()
        .expect("workers have finished")
        .into_iter()
        .map(|r| r.expect("every item was processed"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_input_order_and_each_worker_makes_its_state_once() {
        let inits = AtomicUsize::new(0);
        let items: Vec<usize> = (0..50).collect();
        let init = || {
            inits.fetch_add(1, Ordering::Relaxed);
            0usize
        };
        let out = map_init(3, &items, init, |seen, n| {
            *seen += 1;
            n * 2
        });
        assert_eq!(out, items.iter().map(|n| n * 2).collect::<Vec<_>>());
        assert!(inits.load(Ordering::Relaxed) <= 3);
        assert_eq!(map_with(8, &[] as &[u8], |b| *b), Vec::<u8>::new());
    }
}
