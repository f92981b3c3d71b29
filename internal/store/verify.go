package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/mcpwarden/mcpwarden/internal/audit"
)

// VerifyChain checks the chain of the audit table (see audit.Verifier), row
// by row in rowid order, the order the rows were inserted in. Positions in
// the report are rowids. Rows removed from the start (retention) show as
// "starts at seq N", not as tampering; rows removed in the middle, edited
// or duplicated are reported. The error is for reading the store only.
func (s *Store) VerifyChain(ctx context.Context) (audit.Report, error) {
	s.awaitAudit(ctx)
	v := audit.NewVerifier("row")
	// Seq numbers retention deleted (store.retention records the highest
	// in each audit.retention event) are not tampering.
	var through sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT max(json_extract(data, '$.detail.through_seq')) FROM audit_events WHERE type = ?`, audit.TypeAuditRetention).Scan(&through); err != nil {
		return audit.Report{}, fmt.Errorf("store: verify: %w", err)
	}
	if through.Valid && through.Int64 > 0 {
		v.RetainedThrough(uint64(through.Int64))
	}
	rows, err := s.db.QueryContext(ctx, "SELECT rowid, data FROM audit_events ORDER BY rowid")
	if err != nil {
		return audit.Report{}, fmt.Errorf("store: verify: %w", err)
	}
	defer rows.Close()
	var data []byte
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id, &data); err != nil {
			return audit.Report{}, fmt.Errorf("store: verify: %w", err)
		}
		v.Add(id, data)
	}
	if err := rows.Err(); err != nil {
		return audit.Report{}, fmt.Errorf("store: verify: %w", err)
	}
	return v.Finish(false), nil
}
