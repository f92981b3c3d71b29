package store

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcpwarden/mcpwarden/internal/audit"
)

func verifyStore(t testing.TB, s *Store) audit.Report {
	t.Helper()
	rep, err := s.VerifyChain(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// The chain continues across a restart of the gateway (a reopened store),
// for both sink modes.
func TestStoreChainContinuesAcrossReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "mcpwarden.db")
	for run := 0; run < 4; run++ {
		s, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		var k audit.Sink
		if run%2 == 0 {
			k = AuditSink(s)
		} else {
			k = AuditSinkBehind(s, func(err error) { t.Error(err) })
		}
		l := audit.NewLogger(k)
		for i := 0; i < 5; i++ {
			if err := l.Emit(ctx, fullEvent(run*10+i)); err != nil {
				t.Fatal(err)
			}
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		if st := k.(audit.StatsSink).Stats(); st.Written != 5 || st.Queued != 0 || st.Dropped != 0 {
			t.Errorf("run %d: stats %+v", run, st)
		}
		s.Close()
	}
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rep := verifyStore(t, s)
	if !rep.Intact() || rep.Records != 20 || rep.FirstSeq != 1 || rep.LastSeq != 20 {
		t.Fatalf("report %+v", rep)
	}
	// The stored event reads back with its chain.
	evs, err := s.QueryEvents(ctx, Filter{Limit: 1, Descending: true})
	if err != nil || len(evs) != 1 || evs[0].Chain == nil || evs[0].Chain.Seq != 20 {
		t.Fatalf("last event: %+v %v", evs, err)
	}
}

// The store goes down for real (a trigger makes SQLite refuse every
// insert), the write-behind sink buffers what it can, gives up on the
// rest, and once the store accepts writes again it writes a gap event with
// the exact count, and hands it to the gap handler (the JSONL file).
func TestBehindStoreDownThenRecovers(t *testing.T) {
	ctx := context.Background()
	s := openFile(t)
	jsonl := filepath.Join(t.TempDir(), "audit.jsonl")
	file, err := audit.OpenFileSink(jsonl)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var reported []string
	k := newAuditSink(s, true, func(err error) { mu.Lock(); reported = append(reported, err.Error()); mu.Unlock() },
		audit.WithGapHandler(func(ev *audit.Event) {
			if err := file.Write(ctx, ev); err != nil {
				t.Error(err)
			}
		}))
	k.maxPending = 10
	k.start()
	l := audit.NewLogger(file, k)

	if err := l.Emit(ctx, fullEvent(0)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the first event", func() bool { return k.Stats().Written == 1 })

	if _, err := s.db.Exec(`CREATE TRIGGER down BEFORE INSERT ON audit_events BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`); err != nil {
		t.Fatal(err)
	}
	var evs []*audit.Event
	for i := 1; i <= 30; i++ {
		ev := fullEvent(i)
		// The file is the synchronous record: every call still succeeds.
		if err := l.Emit(ctx, ev); err != nil {
			t.Fatal(err)
		}
		evs = append(evs, ev)
	}
	waitFor(t, "the buffer to fill", func() bool { st := k.Stats(); return st.Dropped == 20 && st.Queued == 10 })
	waitFor(t, "a failure report", func() bool { mu.Lock(); defer mu.Unlock(); return len(reported) > 0 })
	if st := k.Stats(); st.Failed == 0 || st.Written != 1 {
		t.Errorf("while down: %+v", st)
	}

	if _, err := s.db.Exec(`DROP TRIGGER down`); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the store to catch up", func() bool { return k.Stats().Written == 1+10+1 })
	if err := l.Emit(ctx, fullEvent(99)); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if st := k.Stats(); st.Written != 13 || st.Dropped != 20 || st.Queued != 0 {
		t.Errorf("after recovery: %+v", st)
	}

	gaps, err := s.QueryEvents(ctx, Filter{Type: audit.TypeGap})
	if err != nil || len(gaps) != 1 {
		t.Fatalf("gap events in the store: %d %v", len(gaps), err)
	}
	g := gaps[0]
	// The buffered ten (events 1..10) are kept; 11..30 did not fit.
	if g.Detail["count"] != float64(20) || g.Detail["sink"] != "store" ||
		g.Detail["first_event_id"] != evs[10].EventID || g.Detail["last_event_id"] != evs[29].EventID ||
		!strings.Contains(g.Detail["reason"].(string), "buffer was full") {
		t.Errorf("gap detail: %v", g.Detail)
	}
	for _, ev := range evs[:10] {
		if n, _ := s.CountEvents(ctx, Filter{CorrelationID: ev.CorrelationID}); n != 1 {
			t.Errorf("buffered event %s not stored", ev.CorrelationID)
		}
	}
	rep := verifyStore(t, s)
	if !rep.Intact() || rep.LastSeq != 13 || len(rep.Gaps) != 1 || rep.Gaps[0].Count != 20 {
		t.Fatalf("store report %+v", rep)
	}

	// The file holds every event and says the store lost 20.
	f, err := os.Open(jsonl)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	frep, err := audit.VerifyJSONL(f)
	if err != nil {
		t.Fatal(err)
	}
	if !frep.Intact() || frep.Records != 1+30+1+1 || len(frep.Gaps) != 1 || frep.Gaps[0].EventID != g.EventID || frep.Gaps[0].Count != 20 {
		t.Fatalf("file report %+v", frep)
	}
}

// A row the store rejects while it accepts others (a duplicate event_id)
// is given up at once and recorded; its neighbours are stored.
func TestBehindRejectedEventIsRecorded(t *testing.T) {
	ctx := context.Background()
	s := openFile(t)
	k := AuditSinkBehind(s, func(error) {}).(*auditSink)
	first := fullEvent(0)
	if err := k.Write(ctx, first); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the first event", func() bool { return k.Stats().Written == 1 })
	var batch []*audit.Event
	for i := 1; i <= 5; i++ {
		ev := fullEvent(i)
		if i == 3 {
			ev.EventID = first.EventID
		}
		batch = append(batch, ev)
	}
	if err := k.Write(ctx, batch...); err != nil {
		t.Fatal(err)
	}
	if err := k.Close(); err != nil {
		t.Fatal(err)
	}
	if st := k.Stats(); st.Dropped != 1 || st.Written != 1+4+1 || st.Queued != 0 {
		t.Fatalf("stats %+v", st)
	}
	gaps, _ := s.QueryEvents(ctx, Filter{Type: audit.TypeGap})
	if len(gaps) != 1 || gaps[0].Detail["count"] != float64(1) || !strings.Contains(gaps[0].Detail["reason"].(string), "rejected") {
		t.Fatalf("gap: %+v", gaps)
	}
	if rep := verifyStore(t, s); !rep.Intact() || rep.LastSeq != 6 {
		t.Fatalf("report %+v", rep)
	}
}

// Tampering with the table is reported; retention (rows removed from the
// start) is not.
func TestVerifyStoreTampering(t *testing.T) {
	ctx := context.Background()
	build := func(t *testing.T) *Store {
		s := openFile(t)
		k := AuditSink(s)
		l := audit.NewLogger(k)
		for i := 0; i < 10; i++ {
			if err := l.Emit(ctx, fullEvent(i)); err != nil {
				t.Fatal(err)
			}
		}
		l.Close()
		return s
	}
	tests := []struct {
		name, sql string
		kind      string
		seq       uint64
	}{
		{"untouched", "", "", 0},
		{"retention removed the oldest rows", "DELETE FROM audit_events WHERE rowid <= 4", "", 0},
		{"a row removed in the middle", "DELETE FROM audit_events WHERE rowid = 6", audit.ProblemRemoved, 6},
		{"a row edited", `UPDATE audit_events SET data = replace(data, '"decision":{"action":"deny"', '"decision":{"action":"allow"') WHERE rowid = 4`, audit.ProblemEdited, 4},
		{"a row copied", "INSERT INTO audit_events (event_id, time_ns, type, data) SELECT 'copy', time_ns, type, data FROM audit_events WHERE rowid = 3", audit.ProblemDuplicated, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := build(t)
			if tc.sql != "" {
				res, err := s.db.Exec(tc.sql)
				if err != nil {
					t.Fatal(err)
				}
				if n, _ := res.RowsAffected(); n == 0 {
					t.Fatal("the statement changed nothing")
				}
			}
			rep := verifyStore(t, s)
			if tc.kind == "" {
				if !rep.Intact() || rep.LastSeq != 10 {
					t.Fatalf("report %+v", rep)
				}
				if tc.sql != "" && (rep.FirstSeq != 5 || !strings.Contains(fmt.Sprint(rep.Notes), "starts at seq 5")) {
					t.Errorf("retention: %+v", rep)
				}
				return
			}
			if rep.Intact() || rep.Problems[0].Kind != tc.kind || rep.Problems[0].Seq != tc.seq {
				t.Fatalf("want %s of seq %d, got %+v", tc.kind, tc.seq, rep.Problems)
			}
		})
	}
}

// The stored data is the event's JSON with the chain as its last field:
// what readers of the data column see.
func TestStoredDataCarriesChain(t *testing.T) {
	s := openFile(t)
	k := AuditSink(s)
	defer k.Close()
	if err := k.Write(context.Background(), fullEvent(1)); err != nil {
		t.Fatal(err)
	}
	var data string
	if err := s.db.QueryRow("SELECT data FROM audit_events").Scan(&data); err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(data), &m); err != nil || string(m["chain"]) != `{"seq":1,"prev":""}` {
		t.Fatalf("data: %s (%v)", data, err)
	}
	var seq int
	if err := s.db.QueryRow("SELECT json_extract(data, '$.chain.seq') FROM audit_events").Scan(&seq); err != nil || seq != 1 {
		t.Fatalf("json_extract: %d %v", seq, err)
	}
}

// Retention that keeps alerts longer than other events leaves holes
// between the kept alerts; the verifier reads them as retention (through
// the audit.retention event's through_seq), while a row removed after the
// retention's reach is still tampering.
func TestVerifyStoreAfterRetentionKeepsAlerts(t *testing.T) {
	ctx := context.Background()
	s := openFile(t)
	l := audit.NewLogger(AuditSink(s))
	start := time.Now().Add(-3 * time.Hour)
	for i := 0; i < 20; i++ {
		ev := fullEvent(i)
		ev.Time = start.Add(time.Duration(i) * 10 * time.Minute) // 0..190 min old
		if i == 3 || i == 7 {
			ev.Type, ev.Rule, ev.Severity = audit.TypeAlert, "mcp.recon", "medium"
		}
		if err := l.Emit(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	res, err := s.Prune(ctx, Retention{MaxAge: time.Hour, AlertsMaxAge: 10 * time.Hour, BatchRows: 4})
	if err != nil {
		t.Fatal(err)
	}
	if res.DeletedByAge == 0 || res.ThroughSeq == 0 {
		t.Fatalf("prune: %+v", res)
	}
	if err := l.Emit(ctx, res.Event(Retention{MaxAge: time.Hour})); err != nil {
		t.Fatal(err)
	}
	rep := verifyStore(t, s)
	if !rep.Intact() {
		t.Fatalf("after retention that kept alerts: %+v", rep)
	}
	// A row past the retention's reach removed: tampering.
	if _, err := s.db.Exec(`DELETE FROM audit_events WHERE json_extract(data, '$.chain.seq') = ?`, res.ThroughSeq+2); err != nil {
		t.Fatal(err)
	}
	if rep := verifyStore(t, s); rep.Intact() {
		t.Fatalf("a removal after the retained range passed: %+v", rep)
	}
	l.Close()
}
