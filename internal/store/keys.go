package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// GatewayKey returns the 32-byte key called name, creating it on first use
// (the first start): keys that must survive restarts, such as the one of
// the correlation ids of 2026-07-28 clients.
func (s *Store) GatewayKey(ctx context.Context, name string) ([]byte, error) {
	var key []byte
	err := s.db.QueryRowContext(ctx, `SELECT key FROM gateway_keys WHERE name = ?`, name).Scan(&key)
	if err == nil && len(key) == 32 {
		return key, nil
	}
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("gateway key %s: %w", name, err)
	}
	key = make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	// INSERT OR IGNORE: another process that created it first wins.
	if _, err := s.db.ExecContext(ctx, `INSERT OR IGNORE INTO gateway_keys(name, key, created_ns) VALUES (?, ?, ?)`, name, key, time.Now().UnixNano()); err != nil {
		return nil, fmt.Errorf("gateway key %s: %w", name, err)
	}
	if err := s.db.QueryRowContext(ctx, `SELECT key FROM gateway_keys WHERE name = ?`, name).Scan(&key); err != nil || len(key) != 32 {
		return nil, fmt.Errorf("gateway key %s: %v", name, err)
	}
	return key, nil
}
