//! Job leases on both backends: one holder at a time, extension by the holder, takeover
//! after expiry, finishing records the run and frees the lease.

use crate::both_backends;
use crate::support::TestSigner;

both_backends! {
    async fn one_holder_at_a_time_until_it_expires_or_finishes(db: TestDb) {
        let store = db.store(TestSigner::new(1)).await;
        let hour = 3_600_000_000;
        let a = store.take_lease("uncollected-cards", "node-a", hour).await.unwrap().unwrap();
        assert_eq!((a.holder.as_str(), a.last_run_us), ("node-a", None));
        assert!(store.take_lease("uncollected-cards", "node-b", hour).await.unwrap().is_none());
        // The holder extends it; another job is independent.
        assert!(store.take_lease("uncollected-cards", "node-a", hour).await.unwrap().is_some());
        assert!(store.take_lease("renewal-notices", "node-b", hour).await.unwrap().is_some());
        // Finishing frees it and records the run; the other node may take it now.
        assert!(!store.finish_lease("uncollected-cards", "node-b").await.unwrap());
        assert!(store.finish_lease("uncollected-cards", "node-a").await.unwrap());
        let b = store.take_lease("uncollected-cards", "node-b", hour).await.unwrap().unwrap();
        assert!(b.last_run_us.is_some());
        // A lease that expired (a holder that died) is taken over.
        assert!(store.take_lease("crl", "node-a", -1).await.unwrap().is_some());
        assert!(store.take_lease("crl", "node-b", hour).await.unwrap().is_some());
    }
}
