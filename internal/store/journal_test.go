package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/mcpwarden/mcpwarden/internal/audit"
)

func journalSink(t testing.TB, s *Store, log *slog.Logger) *auditSink {
	t.Helper()
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	k, err := AuditSinkJournal(s, log)
	if err != nil {
		t.Fatal(err)
	}
	return k.(*auditSink)
}

func journalLines(t testing.TB, dbPath string) int {
	t.Helper()
	n := 0
	for _, suf := range journalFiles {
		b, err := os.ReadFile(dbPath + suf)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		n += bytes.Count(b, []byte("\n"))
	}
	return n
}

// storedChain checks that s holds n rows in one intact chain.
func storedChain(t testing.TB, s *Store, n int) {
	t.Helper()
	if got := countRows(t, s); got != n {
		t.Fatalf("rows: %d, want %d", got, n)
	}
	if rep := verifyStore(t, s); !rep.Intact() || rep.LastSeq != uint64(n) {
		t.Fatalf("chain: %+v", rep)
	}
}

func countRows(t testing.TB, s *Store) int {
	t.Helper()
	var n int
	if err := s.db.QueryRow("SELECT count(*) FROM audit_events").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// With the journal, Write returns before the store commits, yet a reader
// of the store sees every event written before it read, the chain is
// intact, and a clean stop leaves no journal behind.
func TestJournalSinkReadsAsIfSynchronous(t *testing.T) {
	ctx := context.Background()
	s := openFile(t)
	k := journalSink(t, s, nil)
	l := audit.NewLogger(k)
	var wg sync.WaitGroup
	for w := range 5 {
		wg.Go(func() {
			for i := range 10 {
				if err := l.Emit(ctx, fullEvent(w*10+i)); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if n, err := s.CountEvents(ctx, Filter{}); err != nil || n != 50 {
		t.Fatalf("count right after the writes: %d %v", n, err)
	}
	if evs, err := s.QueryEvents(ctx, Filter{CorrelationID: "c-49"}); err != nil || len(evs) != 1 {
		t.Fatalf("query: %d %v", len(evs), err)
	}
	if rep := verifyStore(t, s); !rep.Intact() || rep.LastSeq != 50 {
		t.Fatalf("chain: %+v", rep)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	for _, suf := range journalFiles {
		if _, err := os.Stat(s.path + suf); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("journal %s left after a clean stop: %v", suf, err)
		}
	}
	// The next run continues the chain.
	k2 := journalSink(t, s, nil)
	if err := k2.Write(ctx, fullEvent(50)); err != nil {
		t.Fatal(err)
	}
	k2.Close()
	if rep := verifyStore(t, s); !rep.Intact() || rep.LastSeq != 51 {
		t.Fatalf("chain after a restart: %+v", rep)
	}
}

// The crash test's child: it journals events the store refuses (so none is
// committed) and is killed before it can store them.
func TestJournalCrashChild(t *testing.T) {
	db := os.Getenv("MCPW_JOURNAL_CRASH_DB")
	if db == "" {
		return // run only as the child of TestJournalReplayAfterCrash
	}
	s, err := Open(db)
	if err != nil {
		t.Fatal(err)
	}
	k := journalSink(t, s, nil)
	if _, err := s.db.Exec(`CREATE TRIGGER down BEFORE INSERT ON audit_events BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`); err != nil {
		t.Fatal(err)
	}
	for i := range 200 {
		if err := k.Write(context.Background(), fullEvent(i)); err != nil {
			t.Fatal(err)
		}
	}
	fmt.Println("journaled 200")
	_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
	select {}
}

// A gateway killed with events journaled but not stored: the next start
// stores them (skipping a line torn by the crash), in one intact chain,
// and empties the journal.
func TestJournalReplayAfterCrash(t *testing.T) {
	db := filepath.Join(t.TempDir(), "mcpwarden.db")
	cmd := exec.Command(os.Args[0], "-test.run", "^TestJournalCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), "MCPW_JOURNAL_CRASH_DB="+db)
	out, err := cmd.Output()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL || !strings.Contains(string(out), "journaled 200") {
		t.Fatalf("child: %v\n%s", err, out)
	}
	if n := journalLines(t, db); n != 200 {
		t.Fatalf("journal lines after the crash: %d", n)
	}
	// The crash cut a later write short.
	f, err := os.OpenFile(db+journalFiles[0], os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(`{"id":"0199-torn","t":17,"ty":"tools/ca`); err != nil {
		t.Fatal(err)
	}
	f.Close()

	s, err := Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.db.Exec(`DROP TRIGGER down`); err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, s); n != 0 {
		t.Fatalf("the child stored %d events; the test needs them in the journal only", n)
	}
	var logged bytes.Buffer
	k := journalSink(t, s, slog.New(slog.NewTextHandler(&logged, nil)))
	if n := countRows(t, s); n != 200 {
		t.Fatalf("events stored by the replay: %d", n)
	}
	if !strings.Contains(logged.String(), "events=200 unreadable_lines=1") {
		t.Errorf("log: %s", logged.String())
	}
	if n := journalLines(t, db); n != 0 {
		t.Errorf("journal lines after the replay: %d", n)
	}
	if err := k.Write(context.Background(), fullEvent(200)); err != nil {
		t.Fatal(err)
	}
	k.Close()
	rep := verifyStore(t, s)
	if !rep.Intact() || rep.LastSeq != 201 {
		t.Fatalf("chain: %+v", rep)
	}
	evs, err := s.QueryEvents(context.Background(), Filter{CorrelationID: "c-123"})
	if err != nil || len(evs) != 1 || evs[0].Server != "fs" || evs[0].Detail["n"] != float64(123) {
		t.Fatalf("a replayed event: %v %+v", err, evs)
	}
}

// A journal holding events the store already has (the crash came after
// the commit, before the journal was emptied): the replay stores only the
// others, and the chain stays intact.
func TestJournalReplaySkipsStored(t *testing.T) {
	ctx := context.Background()
	s := openFile(t)
	sync := AuditSink(s)
	var rows []eventRow
	for i := range 10 {
		ev := fullEvent(i)
		if i < 4 {
			if err := sync.Write(ctx, ev); err != nil {
				t.Fatal(err)
			}
		}
		r, err := prepareRow(ev, nil)
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, r)
	}
	sync.Close()
	j, err := openJournal(s.path)
	if err != nil {
		t.Fatal(err)
	}
	if err := j.appendRows(rows); err != nil {
		t.Fatal(err)
	}
	j.close(s.path, false)

	k := journalSink(t, s, nil)
	k.Close()
	storedChain(t, s, 10)
}

// One writer per journal: a second sink on the same store (another
// process, typically) is refused, and the caller writes synchronously.
func TestJournalHeldByOneSink(t *testing.T) {
	s := openFile(t)
	k := journalSink(t, s, nil)
	defer k.Close()
	s2, err := Open(s.path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if _, err := AuditSinkJournal(s2, slog.New(slog.NewTextHandler(io.Discard, nil))); !errors.Is(err, errJournalLocked) {
		t.Fatalf("second journal: %v", err)
	}
	mem, err := Open(":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer mem.Close()
	if _, err := AuditSinkJournal(mem, nil); !errors.Is(err, ErrNoJournal) {
		t.Fatalf("in-memory store: %v", err)
	}
}

// A store that refuses writes until shutdown: every call still succeeds
// (the journal has its event), nothing is counted as lost, the journal
// keeps the events, and the next start stores them.
func TestJournalStoreDownUntilShutdown(t *testing.T) {
	ctx := context.Background()
	s := openFile(t)
	var logged bytes.Buffer
	var mu sync.Mutex
	log := slog.New(slog.NewTextHandler(writerFunc(func(b []byte) (int, error) { mu.Lock(); defer mu.Unlock(); return logged.Write(b) }), nil))
	k := journalSink(t, s, log)
	k.closeWait = 200 * 1e6
	if _, err := s.db.Exec(`CREATE TRIGGER down BEFORE INSERT ON audit_events BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`); err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		if err := k.Write(ctx, fullEvent(i)); err != nil {
			t.Fatal(err)
		}
	}
	k.Close()
	if st := k.Stats(); st.Dropped != 0 || st.Written != 0 || st.Queued != 20 {
		t.Errorf("stats: %+v", st)
	}
	mu.Lock()
	if !strings.Contains(logged.String(), "20 audit event(s) not stored") || !strings.Contains(logged.String(), "stay in the audit journal") {
		t.Errorf("log: %s", logged.String())
	}
	mu.Unlock()
	if n := journalLines(t, s.path); n != 20 {
		t.Fatalf("journal lines: %d", n)
	}
	if _, err := s.db.Exec(`DROP TRIGGER down`); err != nil {
		t.Fatal(err)
	}
	k2 := journalSink(t, s, nil)
	k2.Close()
	if n := countRows(t, s); n != 20 {
		t.Fatalf("rows after the next start: %d", n)
	}
	if gaps, _ := s.CountEvents(ctx, Filter{Type: audit.TypeGap}); gaps != 0 {
		t.Errorf("gap events: %d", gaps)
	}
	if rep := verifyStore(t, s); !rep.Intact() || rep.LastSeq != 20 {
		t.Fatalf("chain: %+v", rep)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }

// A writer that never lets the store catch up completely still gets each
// segment emptied: writing moves to the other segment once one is full.
func TestJournalSegmentsTakeTurns(t *testing.T) {
	old := journalSegmentMax
	journalSegmentMax = 4 << 10
	defer func() { journalSegmentMax = old }()
	ctx := context.Background()
	s := openFile(t)
	k := journalSink(t, s, nil)
	for i := range 400 {
		if err := k.Write(ctx, fullEvent(i)); err != nil {
			t.Fatal(err)
		}
		if i%50 == 49 {
			k.await(ctx) // lets the writer commit while writes go on
		}
	}
	k.await(ctx)
	k.journal.mu.Lock()
	switches, size := k.journal.switches, k.journal.size
	k.journal.mu.Unlock()
	if switches < 2 || size != [2]int64{} {
		t.Errorf("switches %d, sizes %v", switches, size)
	}
	k.Close()
	storedChain(t, s, 400)
}

// A journal that cannot be written fails the write (the call is then
// refused: fail closed), and counts nothing as journaled.
func TestJournalWriteFailureFailsWrite(t *testing.T) {
	s := openFile(t)
	k := journalSink(t, s, nil)
	k.journal.mu.Lock()
	k.journal.files[0].Close() // the descriptor is gone: every write fails
	k.journal.mu.Unlock()
	err := k.Write(context.Background(), fullEvent(1))
	if err == nil || !strings.Contains(err.Error(), "write the audit journal") {
		t.Fatalf("write: %v", err)
	}
	if st := k.Stats(); st.Failed != 1 || st.Queued != 0 {
		t.Errorf("stats: %+v", st)
	}
	k.Close()
}

// FuzzJournalRead: whatever a segment file holds (a torn tail, another
// program's bytes), reading it never panics, and every row it returns has
// an id and an event object for data.
func FuzzJournalRead(f *testing.F) {
	r, err := prepareRow(fullEvent(1), nil)
	if err != nil {
		f.Fatal(err)
	}
	line, err := appendJournalRecord(nil, &r)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(line, []byte{})
	f.Add(line[:len(line)/2], line)
	f.Add([]byte(`{"id":"x","t":1,"d":7}`+"\n"+`{"id":"","d":{}}`), []byte("\n\n{"))
	f.Add([]byte(`{"id":"x","t":-1,"ty":"\u0000","d":{"a":[1,2,{"b":null}]}}`), []byte(`{"id":"x","d":{}}`+"\r\n"))
	dir := f.TempDir()
	n := 0
	f.Fuzz(func(t *testing.T, a, b []byte) {
		n++
		db := filepath.Join(dir, fmt.Sprintf("f%d.db", n))
		if err := os.WriteFile(db+journalFiles[0], a, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(db+journalFiles[1], b, 0o600); err != nil {
			t.Fatal(err)
		}
		j, err := openJournal(db)
		if err != nil {
			t.Fatal(err)
		}
		defer j.close(db, true)
		rows, bad, err := j.read()
		if err != nil {
			t.Fatal(err)
		}
		if bad < 0 || len(rows) > bytes.Count(a, []byte("\n"))+bytes.Count(b, []byte("\n"))+2 {
			t.Fatalf("%d rows, %d bad", len(rows), bad)
		}
		for _, r := range rows {
			if r.id == "" || len(r.data) == 0 || r.data[0] != '{' || r.seg != 0 {
				t.Fatalf("row %+v", r)
			}
		}
	})
}
