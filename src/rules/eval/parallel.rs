//! Work spread over every core, with results handed on in the order of the work.

/// Run `work` on every item of `source` on every core and hand the results to `emit` in
/// source order, on the calling thread, while later items are still being worked on. The workers
/// pull items from `source` themselves. At most a few items per worker are ahead of `emit`, so
/// memory stays bounded however many items there are.
pub(super) fn ordered_parallel<W: Send, R: Send>(
    source: impl Iterator<Item = W> + Send,
    work: &(dyn Fn(W) -> R + Sync),
    emit: &mut dyn FnMut(R),
) {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Condvar, Mutex, mpsc};
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    if threads <= 1 {
        for w in source {
            emit(work(w));
        }
        return;
    }
    let window = threads * 4;
    // The source and the index of the next item it gives, under one lock so that indexes
    // follow the source's order.
    let source = Mutex::new((source, 0usize));
    let stop = AtomicBool::new(false);
    let emitted = (Mutex::new(0usize), Condvar::new());
    let (tx, rx) = mpsc::channel::<(usize, std::thread::Result<R>)>();
    std::thread::scope(|sc| {
        for _ in 0..threads {
            let tx = tx.clone();
            let (source, stop, emitted) = (&source, &stop, &emitted);
            sc.spawn(move || {
                loop {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let next = {
                        let mut s = source.lock().unwrap_or_else(|p| p.into_inner());
                        let item = s.0.next();
                        let i = s.1;
                        s.1 += 1;
                        item.map(|w| (i, w))
                    };
                    let Some((i, item)) = next else {
                        break;
                    };
                    {
                        let (lock, cv) = emitted;
                        let mut done = lock.lock().unwrap_or_else(|p| p.into_inner());
                        while i >= *done + window && !stop.load(Ordering::Relaxed) {
                            done = cv.wait(done).unwrap_or_else(|p| p.into_inner());
                        }
                    }
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(item)));
                    if tx.send((i, r)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let mut pending = std::collections::BTreeMap::new();
        let mut want = 0;
        let mut panicked = None;
        for (i, r) in rx {
            pending.insert(i, r);
            while let Some(r) = pending.remove(&want) {
                match r {
                    Ok(r) => emit(r),
                    Err(p) => {
                        panicked.get_or_insert(p);
                        stop.store(true, Ordering::Relaxed);
                    }
                }
                want += 1;
                let (lock, cv) = &emitted;
                *lock.lock().unwrap_or_else(|p| p.into_inner()) = want;
                cv.notify_all();
            }
            if panicked.is_some() {
                break;
            }
        }
        if let Some(p) = panicked {
            stop.store(true, Ordering::Relaxed);
            emitted.1.notify_all();
            std::panic::resume_unwind(p);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordered_parallel_emits_every_batch_once_in_order() {
        let items: Vec<usize> = (0..5_000).collect();
        let mut got = Vec::new();
        let mut batches = 0;
        ordered_parallel(
            items.chunks(7),
            &|part: &[usize]| {
                // Uneven work, so that batches finish out of order.
                if part[0].is_multiple_of(3) {
                    std::thread::sleep(std::time::Duration::from_micros(300));
                }
                part.to_vec()
            },
            &mut |v| {
                batches += 1;
                got.extend(v)
            },
        );
        assert_eq!(got, items);
        assert_eq!(batches, items.len().div_ceil(7));
    }

    #[test]
    fn a_panic_in_a_batch_reaches_the_caller_instead_of_hanging() {
        let items: Vec<usize> = (0..200).collect();
        let r = std::panic::catch_unwind(|| {
            ordered_parallel(
                items.iter(),
                &|p: &usize| {
                    assert!(*p != 50, "boom");
                    *p
                },
                &mut |_| {},
            )
        });
        assert!(r.is_err());
    }
}
