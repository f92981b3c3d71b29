package store

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/mcpwarden/mcpwarden/internal/audit"
)

// insertAt stores n events, one a minute from start (alerts where isAlert
// says so), each with about pad bytes of arguments.
func insertAt(t testing.TB, s *Store, start time.Time, first, n, pad int, isAlert func(i int) bool) {
	t.Helper()
	var evs []*audit.Event
	for i := first; i < first+n; i++ {
		ev := &audit.Event{
			Time:      start.Add(time.Duration(i) * time.Minute),
			Type:      audit.TypeToolsCall,
			SessionID: fmt.Sprintf("s-%d", i%7),
			Principal: audit.Principal{Subject: fmt.Sprintf("user-%d", i%5)},
			Server:    "demo", Tool: "echo",
			Arguments: json.RawMessage(fmt.Sprintf(`{"i":%d,"pad":%q}`, i, strings.Repeat(fmt.Sprintf("%016x", uint64(i)*0x9e3779b97f4a7c15), pad/16+1)[:pad])),
			Decision:  audit.Decision{Action: audit.ActionAllow},
			Status:    audit.Status{Outcome: audit.OutcomeOK},
		}
		if isAlert != nil && isAlert(i) {
			ev.Type, ev.Rule, ev.Severity = audit.TypeAlert, "mcp.recon", "medium"
		}
		evs = append(evs, ev)
	}
	for len(evs) > 0 {
		k := min(len(evs), 500)
		if err := s.InsertEvents(context.Background(), evs[:k]); err != nil {
			t.Fatal(err)
		}
		evs = evs[k:]
	}
}

// argIndexes returns the "i" of every stored event, oldest first.
func argIndexes(t testing.TB, s *Store) []int {
	t.Helper()
	rows, err := s.DB().Query("SELECT json_extract(data, '$.arguments.i') FROM audit_events ORDER BY rowid")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []int
	for rows.Next() {
		var i int
		if err := rows.Scan(&i); err != nil {
			t.Fatal(err)
		}
		out = append(out, i)
	}
	return out
}

// TestRetentionAge: events older than max_age go, oldest first, in
// batches; alerts stay until alerts_max_age; a pass with nothing to do
// deletes nothing and makes no event.
func TestRetentionAge(t *testing.T) {
	s := openFile(t)
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	insertAt(t, s, start, 0, 100, 64, func(i int) bool { return i == 10 || i == 20 })
	now := start.Add(100 * time.Minute)
	r := Retention{MaxAge: 50 * time.Minute, AlertsMaxAge: 95 * time.Minute, BatchRows: 7, Now: func() time.Time { return now }}
	res, err := s.Prune(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	if res.DeletedByAge != 48 || res.DeletedBySize != 0 || res.Reason() != "age" || res.More {
		t.Fatalf("result %+v", res)
	}
	got := argIndexes(t, s)
	want := []int{10, 20}
	for i := 50; i < 100; i++ {
		want = append(want, i)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("kept %v\nwant %v", got, want)
	}
	if !res.OldestKept.Equal(start.Add(10*time.Minute)) || !res.LastDeletedTime.Equal(start.Add(49*time.Minute)) || res.LastDeletedID == "" {
		t.Fatalf("oldest kept %s, last deleted %s %s", res.OldestKept, res.LastDeletedID, res.LastDeletedTime)
	}
	ev := res.Event(r)
	if ev == nil || ev.Type != "audit.retention" || ev.Detail["deleted"] != int64(48) || ev.Detail["reason"] != "age" ||
		ev.Detail["oldest_kept_time"] != "2025-01-01T00:10:00Z" || ev.Detail["last_deleted_event_id"] != res.LastDeletedID {
		t.Fatalf("event %s", jsonOf(t, ev))
	}

	// Nothing older: nothing deleted, no event.
	res, err = s.Prune(context.Background(), r)
	if err != nil || res.Deleted() != 0 || res.Event(r) != nil {
		t.Fatalf("second pass: %+v %v", res, err)
	}
	// The alert at minute 10 ages out; the one at 20 not yet.
	now = start.Add(110 * time.Minute)
	res, err = s.Prune(context.Background(), r)
	if err != nil || res.DeletedByAge != 1+10 {
		t.Fatalf("third pass: %+v %v", res, err)
	}
	if got := argIndexes(t, s); got[0] != 20 || got[1] != 60 {
		t.Fatalf("kept %v", got)
	}
	// Without alerts_max_age alerts go with everything else.
	r.AlertsMaxAge = 0
	if res, _ = s.Prune(context.Background(), r); res.DeletedByAge != 1 {
		t.Fatalf("alerts without alerts_max_age: %+v", res)
	}
}

// TestRetentionBudget: one pass does at most MaxBatches transactions and
// says there is more; the following passes finish the job.
func TestRetentionBudget(t *testing.T) {
	s := openFile(t)
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	insertAt(t, s, start, 0, 100, 16, nil)
	r := Retention{MaxAge: time.Minute, BatchRows: 5, MaxBatches: 3, Pause: time.Millisecond, Now: func() time.Time { return start.Add(1000 * time.Minute) }}
	res, err := s.Prune(context.Background(), r)
	if err != nil || res.DeletedByAge != 15 || !res.More {
		t.Fatalf("bounded pass: %+v %v", res, err)
	}
	var total int64 = 15
	for i := 0; i < 10 && res.More; i++ {
		res, err = s.Prune(context.Background(), r)
		if err != nil {
			t.Fatal(err)
		}
		total += res.Deleted()
	}
	if n, _ := s.CountEvents(context.Background(), Filter{}); n != 0 || total != 100 {
		t.Fatalf("left %d, deleted %d", n, total)
	}
}

// TestRetentionSize: over max_size, the oldest events go until the used
// pages are under LowWater of it; the newest are the ones kept.
func TestRetentionSize(t *testing.T) {
	s := openFile(t)
	ctx := context.Background()
	start := time.Now().Add(-time.Hour).UTC()
	insertAt(t, s, start, 0, 3000, 2000, nil)
	before, err := s.UsedBytes(ctx)
	if err != nil || before < 6<<20 {
		t.Fatalf("used %d %v", before, err)
	}
	r := Retention{MaxSize: 3 << 20, BatchRows: 200, Pause: time.Millisecond}
	res, err := s.Prune(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	if res.DeletedBySize == 0 || res.DeletedByAge != 0 || res.Reason() != "size" || res.UsedBytes > int64(float64(r.MaxSize)*LowWater) || res.More {
		t.Fatalf("result %+v (before %d)", res, before)
	}
	kept := argIndexes(t, s)
	if len(kept) == 0 || kept[0] != int(res.DeletedBySize) || kept[len(kept)-1] != 2999 {
		t.Fatalf("kept %d events from %v, deleted %d", len(kept), kept[:min(3, len(kept))], res.DeletedBySize)
	}
	for i := range kept {
		if kept[i] != kept[0]+i {
			t.Fatalf("a gap in the kept events at %d", i)
		}
	}
	// New database files are in incremental auto-vacuum: the file shrank.
	fi, err := os.Stat(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	s.DB().Exec("PRAGMA wal_checkpoint(TRUNCATE)")
	if fi, err = os.Stat(s.Path()); err != nil || fi.Size() > r.MaxSize {
		t.Fatalf("file %d bytes after retention to %d", fi.Size(), r.MaxSize)
	}
}

// TestRetentionBigStoreStaysBounded: a store written to far past its
// limit, with retention passes in between, stays near the limit on disk.
func TestRetentionBigStoreStaysBounded(t *testing.T) {
	s := openFile(t)
	ctx := context.Background()
	r := Retention{MaxSize: 2 << 20, BatchRows: 250, Pause: time.Millisecond}
	start := time.Now().Add(-24 * time.Hour).UTC()
	var maxFile, deleted int64
	const rounds, per = 25, 400
	for round := 0; round < rounds; round++ {
		insertAt(t, s, start, round*per, per, 1500, nil)
		res, err := s.Prune(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		deleted += res.Deleted()
		if res.UsedBytes > r.MaxSize {
			t.Fatalf("round %d: %d bytes used after the pass, limit %d", round, res.UsedBytes, r.MaxSize)
		}
		s.DB().Exec("PRAGMA wal_checkpoint(TRUNCATE)")
		fi, err := os.Stat(s.Path())
		if err != nil {
			t.Fatal(err)
		}
		maxFile = max(maxFile, fi.Size())
	}
	// One round writes about 0.9 MiB; the file never holds much more than
	// the limit plus that round.
	if maxFile > r.MaxSize+(3<<20)/2 {
		t.Fatalf("file grew to %d bytes with max_size %d", maxFile, r.MaxSize)
	}
	n, _ := s.CountEvents(ctx, Filter{})
	if n+deleted != rounds*per || n == 0 {
		t.Fatalf("kept %d + deleted %d != written %d", n, deleted, rounds*per)
	}
	if kept := argIndexes(t, s); kept[len(kept)-1] != rounds*per-1 || kept[0] != int(deleted) {
		t.Fatalf("kept %d..%d, deleted %d", kept[0], kept[len(kept)-1], deleted)
	}
}

// TestRetentionWritesEvent: the background loop deletes and records the
// deletion as an audit.retention event through the audit logger, which
// lands in the same store, newest.
func TestRetentionWritesEvent(t *testing.T) {
	s := openFile(t)
	ctx := context.Background()
	start := time.Now().Add(-48 * time.Hour).UTC()
	insertAt(t, s, start, 0, 30, 16, nil) // minutes 0..29, two days ago
	insertAt(t, s, time.Now().UTC().Add(-time.Hour), 0, 5, 16, nil)
	logger := audit.NewLogger(AuditSink(s))
	defer logger.Close()
	rt := s.StartRetention(Retention{MaxAge: 24 * time.Hour}, time.Hour, logger.Emit, nil)
	var ev *audit.Event
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		evs, err := s.QueryEvents(ctx, Filter{Type: audit.TypeAuditRetention})
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) > 0 {
			ev = evs[0]
			break
		}
	}
	rt.Stop()
	if ev == nil {
		t.Fatal("no audit.retention event")
	}
	if ev.Principal.Subject != "mcpwarden" || ev.Detail["deleted"] != float64(30) || ev.Detail["reason"] != "age" || ev.Detail["oldest_kept_time"] == nil || ev.Detail["max_age"] != "24h0m0s" {
		t.Fatalf("event %s", jsonOf(t, ev))
	}
	if n, _ := s.CountEvents(ctx, Filter{}); n != 5+1 {
		t.Fatalf("%d events left, want the 5 recent and the retention event", n)
	}
	rt.Stop() // idempotent enough: a stopped loop stays stopped
}

// BenchmarkPruneAge: rows deleted per second by age retention (batches of
// 1000, no pause), on a file store with the audit_events indexes.
func BenchmarkPruneAge(b *testing.B) {
	s := openFile(b)
	const n = 20000
	start := time.Now().Add(-n*time.Minute - 2*time.Hour).UTC()
	r := Retention{MaxAge: time.Hour, MaxBatches: 1 << 30, Pause: time.Nanosecond}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		insertAt(b, s, start, 0, n, 200, nil)
		b.StartTimer()
		res, err := s.Prune(context.Background(), r)
		if err != nil || res.DeletedByAge != n {
			b.Fatalf("%+v %v", res, err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
}
