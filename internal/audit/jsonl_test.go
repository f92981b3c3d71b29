package audit

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// countingWriter records every Write call separately.
type countingWriter struct {
	mu     sync.Mutex
	writes [][]byte
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.writes = append(w.writes, append([]byte(nil), p...))
	return len(p), nil
}

func TestJSONLSinkConcurrentWholeLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	sink, err := OpenFileSink(path)
	if err != nil {
		t.Fatal(err)
	}
	l := NewLogger(sink)
	const writers, per = 32, 200
	big := strings.Repeat("x", 8000) // lines larger than a pipe buffer
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < per; i++ {
				ev := sampleEvent()
				ev.SessionID = fmt.Sprintf("w%d", w)
				ev.Detail = map[string]any{"i": i, "pad": big[:i%7*1000]}
				if err := l.Emit(context.Background(), ev); err != nil {
					t.Error(err)
					return
				}
			}
		}(w)
	}
	wg.Wait()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}

	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := st.Mode().Perm(); perm != 0o600 {
		t.Errorf("file mode %o, want 600", perm)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	seen := map[string]bool{}
	perWriter := map[string]int{}
	for sc.Scan() {
		var ev Event
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("torn line: %v: %.80s", err, sc.Text())
		}
		if seen[ev.EventID] {
			t.Fatalf("duplicate event %s", ev.EventID)
		}
		seen[ev.EventID] = true
		perWriter[ev.SessionID]++
	}
	if len(seen) != writers*per {
		t.Fatalf("got %d lines, want %d", len(seen), writers*per)
	}
	for w, n := range perWriter {
		if n != per {
			t.Errorf("writer %s: %d lines", w, n)
		}
	}
}

func TestJSONLSinkOneWritePerCall(t *testing.T) {
	w := &countingWriter{}
	s := NewJSONLSink(w)
	if err := s.Write(context.Background(), sampleEvent(), sampleEvent(), sampleEvent()); err != nil {
		t.Fatal(err)
	}
	if err := s.Write(context.Background(), sampleEvent()); err != nil {
		t.Fatal(err)
	}
	if len(w.writes) != 2 {
		t.Fatalf("%d writes, want 2", len(w.writes))
	}
	if n := bytes.Count(w.writes[0], []byte("\n")); n != 3 {
		t.Fatalf("batch wrote %d lines", n)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Write(context.Background(), sampleEvent()); !errors.Is(err, ErrClosed) {
		t.Fatalf("write after close: %v", err)
	}
}

// tornWriter fails its first write half-way.
type tornWriter struct {
	buf    bytes.Buffer
	failed bool
}

func (w *tornWriter) Write(p []byte) (int, error) {
	if !w.failed {
		w.failed = true
		w.buf.Write(p[:len(p)/2])
		return len(p) / 2, errors.New("no space left on device")
	}
	return w.buf.Write(p)
}

func TestJSONLSinkRecoversFromTornWrite(t *testing.T) {
	w := &tornWriter{}
	s := NewJSONLSink(w)
	if err := s.Write(context.Background(), sampleEvent()); err == nil {
		t.Fatal("torn write must be reported")
	}
	ev := sampleEvent()
	if err := s.Write(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(w.buf.String(), "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("want torn line + gap event + good line, got %d lines", len(lines))
	}
	var gap, back Event
	if err := json.Unmarshal([]byte(lines[1]), &gap); err != nil || gap.Type != TypeGap || gap.Detail["torn_line"] != true || gap.Detail["count"] != float64(1) {
		t.Fatalf("the torn write is not recorded: %v %q", err, lines[1])
	}
	if err := json.Unmarshal([]byte(lines[2]), &back); err != nil || back.EventID != ev.EventID {
		t.Fatalf("line after torn write is damaged: %v %q", err, lines[2])
	}
}

func TestJSONLSinkRedactor(t *testing.T) {
	var buf bytes.Buffer
	s := NewJSONLSink(&buf, WithRedactor(NewRedactor([]string{"Fix login"})))
	if err := NewLogger(s).Emit(context.Background(), sampleEvent()); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "Fix login") || !strings.Contains(buf.String(), `"title":"[REDACTED]"`) {
		t.Fatalf("not redacted: %s", buf.String())
	}
}

func TestOpenFileSinkErrors(t *testing.T) {
	if _, err := OpenFileSink(""); err == nil {
		t.Error("empty path accepted")
	}
	if _, err := OpenFileSink(filepath.Join(t.TempDir(), "missing", "dir", "a.jsonl")); err == nil {
		t.Error("missing directory accepted")
	}
	s, err := OpenFileSink("-")
	if err != nil || s.Name() != "jsonl:stdout" {
		t.Fatalf("stdout sink: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stdout.Stat(); err != nil {
		t.Fatal("stdout closed by sink")
	}
}

// A write error from the file makes Emit fail (fail closed).
func TestFileSinkWriteErrorFailsEmit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.jsonl")
	s, err := OpenFileSink(path)
	if err != nil {
		t.Fatal(err)
	}
	s.(*jsonlSink).closer.(*os.File).Close() // simulate a broken file descriptor
	if err := NewLogger(s).Emit(context.Background(), sampleEvent()); err == nil {
		t.Fatal("Emit succeeded although the file could not be written")
	}
}
