package store

import (
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
	"go.uber.org/zap"
)

// Top-level buckets. Each belongs to one domain package, which owns the
// keys and values inside it.
const (
	// bucketMeta holds the schema version; only this package reads it.
	bucketMeta BucketName = "meta"
	// BucketSeen maps item keys (source id, canonical URL, title
	// fingerprint) to when they were first seen (internal/feeds).
	BucketSeen BucketName = "seen"
	// BucketStories holds matched stories by id (internal/feeds).
	BucketStories BucketName = "stories"
	// BucketFeedState holds per-source fetch state: validators, body hash,
	// whether the source is primed (internal/feeds).
	BucketFeedState BucketName = "feed_state"
	// BucketQuotes holds quote history, a nested bucket per symbol keyed by
	// big-endian Unix nanoseconds (internal/tickers).
	BucketQuotes BucketName = "quotes"
	// BucketImpact holds news-impact windows (internal/impact).
	BucketImpact BucketName = "impact"
	// BucketAlertState holds cooldowns and fired conditions (internal/alert).
	BucketAlertState BucketName = "alert_state"
	// BucketOutbox holds undelivered alerts, a nested bucket per receiver
	// keyed by sequence (internal/alert).
	BucketOutbox BucketName = "outbox"
)

// SchemaVersion is the version Open migrates to.
const SchemaVersion = 1

var keyVersion = []byte("schema_version")

// migrations[i] takes the schema from version i to i+1. Append only: a
// released migration never changes.
var migrations = []func(tx *bolt.Tx) error{
	// 0 -> 1: the initial buckets.
	func(tx *bolt.Tx) error {
		for _, n := range []BucketName{BucketSeen, BucketStories, BucketFeedState, BucketQuotes,
			BucketImpact, BucketAlertState, BucketOutbox} {
			if _, err := tx.CreateBucketIfNotExists([]byte(n)); err != nil {
				return fmt.Errorf("create bucket %q: %w", n, err)
			}
		}
		return nil
	},
}

// migrate brings the file to SchemaVersion in one transaction per step, so
// a crash mid-migration leaves the last complete version.
func (s *Store) migrate() error {
	for {
		var v uint64
		err := s.db.Update(func(tx *bolt.Tx) error {
			meta, err := tx.CreateBucketIfNotExists([]byte(bucketMeta))
			if err != nil {
				return err
			}
			if raw := meta.Get(keyVersion); raw != nil {
				v = binary.BigEndian.Uint64(raw)
			}
			if v > SchemaVersion {
				return fmt.Errorf("schema version %d is newer than this monitord understands (%d): downgrade is not supported", v, SchemaVersion)
			}
			if v == SchemaVersion {
				return nil
			}
			if err := migrations[v](tx); err != nil {
				return fmt.Errorf("to version %d: %w", v+1, err)
			}
			return meta.Put(keyVersion, binary.BigEndian.AppendUint64(nil, v+1))
		})
		if err != nil {
			return err
		}
		if v == SchemaVersion {
			return nil
		}
		s.log.Info("Migrated store schema", zap.Uint64("version", v+1))
	}
}

// Version returns the schema version recorded in the file.
func (s *Store) Version() (uint64, error) {
	var v uint64
	err := s.db.View(func(tx *bolt.Tx) error {
		if raw := tx.Bucket([]byte(bucketMeta)).Get(keyVersion); raw != nil {
			v = binary.BigEndian.Uint64(raw)
		}
		return nil
	})
	return v, err
}
