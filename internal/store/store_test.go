package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcpwarden/mcpwarden/internal/audit"
)

func openFile(t testing.TB) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "mcpwarden.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

var t0 = time.Date(2025, 6, 1, 12, 0, 0, 123456789, time.UTC)

func fullEvent(i int) *audit.Event {
	return &audit.Event{
		Time:          t0.Add(time.Duration(i) * time.Second),
		Type:          audit.TypeToolsCall,
		CorrelationID: fmt.Sprintf("c-%d", i),
		SessionID:     fmt.Sprintf("s-%d", i%3),
		Principal:     audit.Principal{Subject: "alice", ClientID: "cli"},
		Client:        &audit.ClientInfo{Name: "client", Version: "1.2", ProtocolVersion: "2025-06-18"},
		Transport:     audit.TransportStdio,
		Server:        []string{"github", "fs"}[i%2],
		Tool:          []string{"create_issue", "read_file"}[i%2],
		ExposedName:   "x__y",
		Arguments:     json.RawMessage(`{"n":` + fmt.Sprint(i) + `,"s":"<b>&"}`),
		SchemaHash:    "sha256:00",
		Decision:      audit.Decision{Action: []string{audit.ActionAllow, audit.ActionDeny}[i%2], Guard: "g", Reason: "r", Code: -32001},
		Status:        audit.Status{Outcome: audit.OutcomeOK},
		DurationMS:    1.25,
		Detail:        map[string]any{"k": "v", "n": float64(i)},
	}
}

func jsonOf(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestOpen(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		path    func(t *testing.T) string
		journal string
		wantErr string
	}{
		{"memory", func(*testing.T) string { return ":memory:" }, "memory", ""},
		{"file", func(t *testing.T) string { return filepath.Join(t.TempDir(), "a.db") }, "wal", ""},
		{"empty", func(*testing.T) string { return "" }, "", "empty"},
		{"query in path", func(t *testing.T) string { return filepath.Join(t.TempDir(), "a.db?mode=ro") }, "", "must not contain"},
		{"missing dir", func(t *testing.T) string { return filepath.Join(t.TempDir(), "no", "a.db") }, "", "create"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Open(tt.path(t))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			var journal string
			var busy, sync int
			if err := s.db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&journal); err != nil {
				t.Fatal(err)
			}
			if err := s.db.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&busy); err != nil {
				t.Fatal(err)
			}
			if err := s.db.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync); err != nil {
				t.Fatal(err)
			}
			if journal != tt.journal || busy != int(BusyTimeout.Milliseconds()) {
				t.Errorf("journal_mode=%s busy_timeout=%d", journal, busy)
			}
			if tt.journal == "wal" && sync != 1 {
				t.Errorf("synchronous=%d, want 1 (NORMAL)", sync)
			}
			if v, err := s.Version(ctx); err != nil || v != SchemaVersion() {
				t.Errorf("version %d %v", v, err)
			}
		})
	}
}

func TestOpenFileModeAndReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.InsertEvents(context.Background(), []*audit.Event{fullEvent(1)}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal("second close:", err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("db mode %o, want 600", st.Mode().Perm())
	}
	s, err = Open(path) // migrations are idempotent; data survives
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n, err := s.CountEvents(context.Background(), Filter{}); err != nil || n != 1 {
		t.Fatalf("after reopen: %d %v", n, err)
	}
	var rows int
	s.db.QueryRow("SELECT COUNT(*) FROM schema_version").Scan(&rows)
	if rows != SchemaVersion() {
		t.Fatalf("schema_version rows %d", rows)
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.Exec("INSERT INTO schema_version VALUES (999, 'future')"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := Open(path); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("err = %v", err)
	}
}

func TestRoundTripAndFilters(t *testing.T) {
	ctx := context.Background()
	s, err := Open(":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var evs []*audit.Event
	for i := 0; i < 10; i++ {
		evs = append(evs, fullEvent(i))
	}
	evs = append(evs, &audit.Event{Type: audit.TypeSessionStart, Time: t0.Add(-time.Hour), SessionID: "s-0"})
	if err := s.InsertEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
	byID := map[string]*audit.Event{}
	for _, e := range evs {
		byID[e.EventID] = e
	}

	all, err := s.QueryEvents(ctx, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(evs) {
		t.Fatalf("got %d events", len(all))
	}
	for _, got := range all {
		if want := byID[got.EventID]; jsonOf(t, got) != jsonOf(t, want) {
			t.Errorf("round trip differs:\n got %s\nwant %s", jsonOf(t, got), jsonOf(t, want))
		}
	}
	if all[0].Type != audit.TypeSessionStart {
		t.Error("not ordered by time")
	}

	tests := []struct {
		name string
		f    Filter
		want int
	}{
		{"session", Filter{SessionID: "s-0"}, 5},
		{"correlation", Filter{CorrelationID: "c-7"}, 1},
		{"type", Filter{Type: audit.TypeToolsCall}, 10},
		{"server", Filter{Server: "fs"}, 5},
		{"tool", Filter{Server: "github", Tool: "create_issue"}, 5},
		{"subject", Filter{Subject: "alice"}, 10},
		{"decision", Filter{DecisionAction: audit.ActionDeny}, 5},
		{"since", Filter{Since: t0.Add(5 * time.Second)}, 5},
		{"until", Filter{Until: t0.Add(5 * time.Second)}, 6},
		{"window", Filter{Since: t0.Add(2 * time.Second), Until: t0.Add(4 * time.Second)}, 2},
		{"limit", Filter{Limit: 3}, 3},
		{"combined", Filter{SessionID: "s-1", Type: audit.TypeToolsCall, Limit: 100}, 3},
		{"no match", Filter{Server: "nope"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.QueryEvents(ctx, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tt.want {
				t.Fatalf("got %d, want %d", len(got), tt.want)
			}
			n, err := s.CountEvents(ctx, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			if tt.f.Limit == 0 && n != int64(tt.want) {
				t.Fatalf("count %d, want %d", n, tt.want)
			}
		})
	}

	last, err := s.QueryEvents(ctx, Filter{Limit: 2, Descending: true})
	if err != nil || len(last) != 2 || !last[0].Time.Equal(t0.Add(9*time.Second)) {
		t.Fatalf("descending: %v %v", last, err)
	}
}

func TestInsertEventsAtomic(t *testing.T) {
	ctx := context.Background()
	s := openFile(t)
	a := fullEvent(1)
	if err := s.InsertEvents(ctx, []*audit.Event{a}); err != nil {
		t.Fatal(err)
	}
	dup := fullEvent(2)
	dup.EventID = a.EventID
	if err := s.InsertEvents(ctx, []*audit.Event{fullEvent(3), dup}); err == nil {
		t.Fatal("duplicate event_id accepted")
	}
	if n, _ := s.CountEvents(ctx, Filter{}); n != 1 {
		t.Fatalf("partial insert: %d events", n)
	}
}

func TestDecodeSurvivesRedactedTime(t *testing.T) {
	ctx := context.Background()
	s, _ := Open(":memory:")
	defer s.Close()
	// A (silly) secret that matches digits of the timestamp.
	k := AuditSink(s, audit.WithRedactor(audit.NewRedactor([]string{"123456789"})))
	ev := fullEvent(0)
	ev.Arguments = json.RawMessage(`{"pin":"123456789"}`)
	if err := k.Write(ctx, ev); err != nil {
		t.Fatal(err)
	}
	k.Close()
	got, err := s.QueryEvents(ctx, Filter{})
	if err != nil || len(got) != 1 {
		t.Fatalf("%v %v", got, err)
	}
	g := got[0]
	if g.EventID != ev.EventID || !g.Time.Equal(ev.Time) || g.Tool != ev.Tool || g.Detail["store_decode_error"] == nil {
		t.Fatalf("lenient decode: %s", jsonOf(t, g))
	}
	if strings.Contains(string(g.Arguments), "123456789") {
		t.Fatal("secret stored")
	}
}

func TestAuditSinkGroupCommit(t *testing.T) {
	ctx := context.Background()
	s := openFile(t)
	sink := AuditSink(s)
	k := sink.(*auditSink)
	l := audit.NewLogger(sink)

	const writers, per = 32, 50
	var wg sync.WaitGroup
	errs := make(chan error, writers*per)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < per; i++ {
				ev := &audit.Event{Type: audit.TypeToolsCall, SessionID: fmt.Sprintf("w%02d", w),
					Decision: audit.Decision{Action: audit.ActionAllow}, Status: audit.Status{Outcome: audit.OutcomeOK}}
				if err := l.Emit(ctx, ev); err != nil {
					errs <- err
					return
				}
				// Write returned: the event must already be committed.
				if n, err := s.CountEvents(ctx, Filter{CorrelationID: "", SessionID: ev.SessionID}); err != nil || n < int64(i+1) {
					errs <- fmt.Errorf("writer %d: event %d not visible after Write (n=%d, %v)", w, i, n, err)
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.CountEvents(ctx, Filter{}); n != writers*per {
		t.Fatalf("stored %d events, want %d", n, writers*per)
	}
	for w := 0; w < writers; w++ {
		if n, _ := s.CountEvents(ctx, Filter{SessionID: fmt.Sprintf("w%02d", w)}); n != per {
			t.Errorf("writer %d: %d events", w, n)
		}
	}
	if got := k.written.Load(); got != writers*per {
		t.Errorf("written counter %d", got)
	}
	commits := k.commits.Load()
	t.Logf("%d events in %d transactions (%.1f events/commit)", writers*per, commits, float64(writers*per)/float64(commits))
	if commits >= writers*per {
		t.Errorf("no grouping: %d commits for %d writes", commits, writers*per)
	}
}

func TestAuditSinkIsolatesBadWrite(t *testing.T) {
	ctx := context.Background()
	s := openFile(t)
	first := &audit.Event{Type: "x"}
	if err := s.InsertEvents(ctx, []*audit.Event{first}); err != nil {
		t.Fatal(err)
	}
	k := AuditSink(s).(*auditSink)
	defer k.Close()

	// Deterministic: one shared batch with a duplicate in the middle.
	var batch []*writeReq
	for i := 0; i < 5; i++ {
		ev := &audit.Event{Type: "batch"}
		if i == 2 {
			ev.EventID = first.EventID
		}
		r, err := prepareRow(ev, nil)
		if err != nil {
			t.Fatal(err)
		}
		batch = append(batch, &writeReq{rows: []eventRow{r}, done: make(chan error, 1)})
	}
	before := k.commits.Load()
	k.commit(batch, len(batch))
	for i, r := range batch {
		if err := <-r.done; (i == 2) != (err != nil) {
			t.Errorf("batch write %d: err=%v", i, err)
		}
	}
	if c := k.commits.Load() - before; c != 1+int64(len(batch)) {
		t.Errorf("%d transactions, want shared attempt + %d retries", c, len(batch))
	}
	if n, _ := s.CountEvents(ctx, Filter{Type: "batch"}); n != 4 {
		t.Fatalf("stored %d good batch events, want 4", n)
	}

	// And through concurrent Writes.
	var wg sync.WaitGroup
	results := make([]error, 20)
	for i := range results {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			ev := &audit.Event{Type: "y"}
			if i == 7 {
				ev.EventID = first.EventID // duplicate
			}
			results[i] = k.Write(ctx, ev)
		}(i)
	}
	wg.Wait()
	for i, err := range results {
		if (i == 7) != (err != nil) {
			t.Errorf("write %d: err=%v", i, err)
		}
	}
	if n, _ := s.CountEvents(ctx, Filter{Type: "y"}); n != 19 {
		t.Fatalf("stored %d good events, want 19", n)
	}
}

func TestAuditSinkCloseDrains(t *testing.T) {
	ctx := context.Background()
	s := openFile(t)
	k := AuditSink(s)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var ok []string
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ev := &audit.Event{Type: "z"}
			err := k.Write(ctx, ev)
			switch {
			case err == nil:
				mu.Lock()
				ok = append(ok, ev.EventID)
				mu.Unlock()
			case !errors.Is(err, audit.ErrClosed):
				t.Error(err)
			}
		}()
	}
	time.Sleep(time.Millisecond)
	if err := k.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if err := k.Close(); err != nil {
		t.Fatal("second close:", err)
	}
	// Every Write that returned nil is stored.
	n, _ := s.CountEvents(ctx, Filter{Type: "z"})
	if n != int64(len(ok)) {
		t.Fatalf("stored %d, acknowledged %d", n, len(ok))
	}
	if err := k.Write(ctx, &audit.Event{}); !errors.Is(err, audit.ErrClosed) {
		t.Fatalf("write after close: %v", err)
	}
}

func TestAuditSinkFailureFailsEmit(t *testing.T) {
	ctx := context.Background()
	s := openFile(t)
	k := AuditSink(s)
	l := audit.NewLogger(k)
	defer l.Close()
	if err := l.Emit(ctx, &audit.Event{Type: "ok"}); err != nil {
		t.Fatal(err)
	}
	s.Close() // the database goes away under the sink
	if err := l.Emit(ctx, &audit.Event{Type: "lost"}); err == nil {
		t.Fatal("Emit succeeded although the store cannot write")
	}
}

func TestAuditSinkCancelledBeforeQueue(t *testing.T) {
	s, _ := Open(":memory:")
	defer s.Close()
	k := AuditSink(s).(*auditSink)
	defer k.Close()
	// A cancelled ctx must not block on a full queue. Stall the writer by
	// holding the in-memory database's only connection, then fill the queue.
	conn, err := s.db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < queueDepth+1; i++ {
		go k.Write(context.Background(), &audit.Event{Type: "fill"})
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(k.queue) < queueDepth && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := k.Write(ctx, &audit.Event{Type: "cancelled"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	conn.Close() // release the writer
}

func TestAuditSinkRedactsColumns(t *testing.T) {
	ctx := context.Background()
	s, _ := Open(":memory:")
	defer s.Close()
	k := AuditSink(s, audit.WithRedactor(audit.NewRedactor([]string{"tok_SECRET_123"})))
	defer k.Close()
	ev := fullEvent(0)
	ev.Principal.Subject = "tok_SECRET_123"
	ev.Arguments = json.RawMessage(`{"auth":"Bearer tok_SECRET_123"}`)
	if err := k.Write(ctx, ev); err != nil {
		t.Fatal(err)
	}
	var data, subject string
	if err := s.db.QueryRow("SELECT data, principal_subject FROM audit_events").Scan(&data, &subject); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(data, "SECRET") || strings.Contains(subject, "SECRET") {
		t.Fatalf("secret stored: %s / %s", data, subject)
	}
}

func TestAuditSinkBehind(t *testing.T) {
	ctx := context.Background()
	s, _ := Open(":memory:")
	defer s.Close()
	var errs atomic.Int32
	k := AuditSinkBehind(s, func(error) { errs.Add(1) })
	for i := 0; i < 500; i++ {
		if err := k.Write(ctx, &audit.Event{Type: "behind"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := k.Close(); err != nil { // drains
		t.Fatal(err)
	}
	n, err := s.CountEvents(ctx, Filter{Type: "behind"})
	if err != nil || n != 500 {
		t.Fatalf("after close: %d events, %v", n, err)
	}
	// A failing store is reported, not silent: at shutdown the events it
	// could not take are counted in a gap event handed to the gap handler.
	s2 := openFile(t)
	var gaps []*audit.Event
	k2 := newAuditSink(s2, true, func(error) { errs.Add(1) }, audit.WithGapHandler(func(ev *audit.Event) { gaps = append(gaps, ev) }))
	k2.closeWait = 200 * time.Millisecond
	k2.start()
	s2.Close()
	lost := &audit.Event{Type: "lost"}
	_ = k2.Write(ctx, lost)
	_ = k2.Close()
	st := k2.Stats()
	if errs.Load() == 0 || st.Dropped != 1 || st.Failed == 0 || st.Queued != 0 {
		t.Fatalf("write-behind failure not reported: errs=%d stats=%+v", errs.Load(), st)
	}
	if len(gaps) != 1 || gaps[0].Type != audit.TypeGap || gaps[0].Detail["count"] != uint64(1) || gaps[0].Detail["first_event_id"] != lost.EventID {
		t.Fatalf("gap events: %+v", gaps)
	}
}

// The correlation key is created once and the same after a reopen.
func TestGatewayKey(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "k.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	k1, err := s.GatewayKey(ctx, "correlation")
	if err != nil || len(k1) != 32 {
		t.Fatalf("%x %v", k1, err)
	}
	other, _ := s.GatewayKey(ctx, "other")
	if string(other) == string(k1) {
		t.Fatal("two names share a key")
	}
	_ = s.Close()
	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	k2, err := s.GatewayKey(ctx, "correlation")
	if err != nil || string(k2) != string(k1) {
		t.Fatalf("key changed across reopen: %v", err)
	}
}
