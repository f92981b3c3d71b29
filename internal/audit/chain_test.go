package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func chainEvent(i int) *Event {
	ev := sampleEvent()
	ev.SessionID = fmt.Sprintf("s-%d", i)
	ev.Detail = map[string]any{"i": i}
	return ev
}

func emitN(t testing.TB, s Sink, from, n int) []*Event {
	t.Helper()
	l := NewLogger(s)
	var evs []*Event
	for i := from; i < from+n; i++ {
		ev := chainEvent(i)
		if err := l.Emit(context.Background(), ev); err != nil {
			t.Fatal(err)
		}
		evs = append(evs, ev)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return evs
}

func readLines(t testing.TB, path string) [][]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Split(bytes.TrimSuffix(b, []byte("\n")), []byte("\n"))
}

func verifyFile(t testing.TB, path string) Report {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rep, err := VerifyJSONL(f)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// The chain is appended to the encoded bytes without re-encoding, and the
// result is exactly what encoding the event with its Chain set gives.
func TestChainAppendMatchesEncoding(t *testing.T) {
	ev := chainEvent(1)
	Normalize(ev)
	enc, err := encodeEvent(ev)
	if err != nil {
		t.Fatal(err)
	}
	var h ChainHead
	first, h := h.Append(nil, enc)
	second, h2 := h.Append(nil, enc)
	for i, line := range [][]byte{first, second} {
		var back Event
		if err := json.Unmarshal(line, &back); err != nil {
			t.Fatalf("record %d: %v: %s", i, err, line)
		}
		if back.Chain == nil || back.Chain.Seq != uint64(i+1) {
			t.Fatalf("record %d: chain %+v", i, back.Chain)
		}
		std, err := json.Marshal(&back)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(std, line) {
			t.Errorf("record %d differs from encoding/json:\n got %s\nwant %s", i, line, std)
		}
	}
	if !strings.Contains(string(first), `"chain":{"seq":1,"prev":""}`) {
		t.Errorf("first record: %s", first)
	}
	if !strings.Contains(string(second), `"prev":"`+h.HashHex()+`"`) || h2.Seq != 2 {
		t.Errorf("second record does not link to the first: %s", second)
	}
	if got := HeadOf(second); got != h2 {
		t.Errorf("HeadOf = %+v, want %+v", got, h2)
	}
}

func TestJSONLChainContinuesAcrossReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	for run := 0; run < 3; run++ {
		s, err := OpenFileSink(path)
		if err != nil {
			t.Fatal(err)
		}
		emitN(t, s, run*10, 4)
	}
	rep := verifyFile(t, path)
	if !rep.Intact() || rep.Records != 12 || rep.FirstSeq != 1 || rep.LastSeq != 12 || len(rep.Notes) != 0 {
		t.Fatalf("report: %+v", rep)
	}
	s, err := OpenFileSink(path)
	if err != nil {
		t.Fatal(err)
	}
	emitN(t, s, 100, 1)
	if rep := verifyFile(t, path); !rep.Intact() || rep.LastSeq != 13 {
		t.Fatalf("after a fourth run: %+v", rep)
	}
}

// A crash in the middle of a write leaves a line without its newline. The
// next run terminates it and records it with a gap event; verify calls it
// recorded, not tampering.
func TestJSONLTornLastLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	s, err := OpenFileSink(path)
	if err != nil {
		t.Fatal(err)
	}
	emitN(t, s, 0, 3)
	// The crash: half of the next line.
	whole, _ := encodeEvent(func() *Event { ev := chainEvent(9); Normalize(ev); return ev }())
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(whole[:len(whole)/2]); err != nil {
		t.Fatal(err)
	}
	f.Close()

	rep := verifyFile(t, path)
	if !rep.Intact() || !strings.Contains(strings.Join(rep.Notes, "\n"), "torn") {
		t.Fatalf("torn tail before reopening: %+v", rep)
	}

	s, err = OpenFileSink(path)
	if err != nil {
		t.Fatalf("a torn last line must not stop the sink: %v", err)
	}
	if got := s.(StatsSink).Stats().Written; got != 1 {
		t.Errorf("gap event written at open: written=%d", got)
	}
	emitN(t, s, 10, 2)
	lines := readLines(t, path)
	if len(lines) != 3+1+1+2 {
		t.Fatalf("%d lines", len(lines))
	}
	var gap Event
	if err := json.Unmarshal(lines[4], &gap); err != nil || gap.Type != TypeGap {
		t.Fatalf("line 5 is not the gap event: %v %s", err, lines[4])
	}
	if gap.Detail["torn_line"] != true || gap.Detail["count"] != float64(1) || gap.Chain.Seq != 4 {
		t.Errorf("gap event: %s", lines[4])
	}
	rep = verifyFile(t, path)
	if !rep.Intact() || rep.LastSeq != 6 || len(rep.Gaps) != 1 || !rep.Gaps[0].Torn {
		t.Fatalf("report: %+v", rep)
	}

	// The benign twin's evil sibling: garbage in the middle without a gap
	// event after it is an edit.
	b, _ := os.ReadFile(path)
	bad := bytes.Replace(b, lines[4], []byte(`{"type":"tools/call"`), 1)
	rep, _ = VerifyJSONL(bytes.NewReader(bad))
	if rep.Intact() {
		t.Fatalf("a torn line without its gap event passed: %+v", rep)
	}
}

// failingWriter accepts limit bytes, then fails (part-way through a line).
type failingWriter struct {
	buf   bytes.Buffer
	limit int
}

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.limit < 0 {
		return w.buf.Write(p)
	}
	if len(p) <= w.limit {
		w.limit -= len(p)
		return w.buf.Write(p)
	}
	n := w.limit
	w.buf.Write(p[:n])
	w.limit = 0
	return n, errors.New("disk full")
}

// A failed write fails the call (the Logger returns the error) and is
// recorded by a gap event with the lost events' count once writes succeed.
func TestJSONLFailedWriteRecordsGap(t *testing.T) {
	w := &failingWriter{limit: -1}
	s := NewJSONLSink(w)
	l := NewLogger(s)
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		if err := l.Emit(ctx, chainEvent(i)); err != nil {
			t.Fatal(err)
		}
	}
	w.limit = 100 // the next line is torn after 100 bytes
	lost := []*Event{chainEvent(2), chainEvent(3)}
	for _, ev := range lost {
		if err := l.Emit(ctx, ev); err == nil {
			t.Fatal("a failed write must fail the call")
		}
	}
	w.limit = -1
	if err := l.Emit(ctx, chainEvent(4)); err != nil {
		t.Fatal(err)
	}
	st := s.(StatsSink).Stats()
	if st.Written != 4 || st.Failed != 2 || st.Dropped != 2 {
		t.Errorf("stats %+v", st)
	}
	rep, err := VerifyJSONL(bytes.NewReader(w.buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Intact() || len(rep.Gaps) != 1 || rep.Gaps[0].Count != 2 || !rep.Gaps[0].Torn || rep.LastSeq != 4 {
		t.Fatalf("report %+v\n%s", rep, w.buf.String())
	}
	var gap Event
	lines := bytes.Split(bytes.TrimSpace(w.buf.Bytes()), []byte("\n"))
	if err := json.Unmarshal(lines[3], &gap); err != nil {
		t.Fatal(err)
	}
	if gap.Detail["first_event_id"] != lost[0].EventID || gap.Detail["last_event_id"] != lost[1].EventID {
		t.Errorf("gap detail %v", gap.Detail)
	}
}

// A file written before chaining (schema < 1.5) is continued: its lines
// are counted as unchained, the chain links to its last line.
func TestJSONLUpgradeFromUnchained(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	var old []byte
	for i := 0; i < 2; i++ {
		ev := chainEvent(i)
		Normalize(ev)
		b, _ := encodeEvent(ev)
		old = append(append(old, b...), '\n')
	}
	if err := os.WriteFile(path, old, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := OpenFileSink(path)
	if err != nil {
		t.Fatal(err)
	}
	emitN(t, s, 5, 2)
	rep := verifyFile(t, path)
	if !rep.Intact() || rep.Unchained != 2 || rep.FirstSeq != 1 || rep.LastSeq != 2 {
		t.Fatalf("report %+v", rep)
	}
	b, _ := os.ReadFile(path)
	edited := bytes.Replace(b, []byte(`"s-1"`), []byte(`"s-X"`), 1)
	if rep, _ := VerifyJSONL(bytes.NewReader(edited)); rep.Intact() {
		t.Fatal("an edit of the last unchained line passed")
	}
}

// tamper applies f to a copy of the lines and verifies the result.
func tamper(t *testing.T, lines [][]byte, f func([][]byte) [][]byte) Report {
	t.Helper()
	cp := make([][]byte, len(lines))
	for i, l := range lines {
		cp[i] = append([]byte(nil), l...)
	}
	out := bytes.Join(f(cp), []byte("\n"))
	rep, err := VerifyJSONL(bytes.NewReader(append(out, '\n')))
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestVerifyNamesTampering(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	s, err := OpenFileSink(path)
	if err != nil {
		t.Fatal(err)
	}
	emitN(t, s, 0, 10)
	lines := readLines(t, path)

	tests := []struct {
		name string
		f    func([][]byte) [][]byte
		kind string
		pos  int64 // the line named
	}{
		{"untouched", func(l [][]byte) [][]byte { return l }, "", 0},
		{"delete line 5", func(l [][]byte) [][]byte { return append(l[:4], l[5:]...) }, ProblemRemoved, 5},
		{"delete lines 3-6", func(l [][]byte) [][]byte { return append(l[:2], l[6:]...) }, ProblemRemoved, 3},
		{"swap lines 4 and 5", func(l [][]byte) [][]byte { l[3], l[4] = l[4], l[3]; return l }, ProblemReordered, 5},
		{"move line 2 to the end", func(l [][]byte) [][]byte { m := l[1]; return append(append(l[:1], l[2:]...), m) }, ProblemReordered, 10},
		{"edit a field of line 6", func(l [][]byte) [][]byte {
			l[5] = bytes.Replace(l[5], []byte(`"s-5"`), []byte(`"s-9"`), 1)
			return l
		}, ProblemEdited, 6},
		{"edit the chain prev of line 7", func(l [][]byte) [][]byte {
			i := bytes.Index(l[6], []byte(`"prev":"`)) + len(`"prev":"`)
			if l[6][i] == '0' {
				l[6][i] = '1'
			} else {
				l[6][i] = '0'
			}
			return l
		}, ProblemEdited, 6},
		{"duplicate line 3", func(l [][]byte) [][]byte {
			return append(l[:3], append([][]byte{l[2]}, l[3:]...)...)
		}, ProblemDuplicated, 4},
		{"line 8 is not JSON", func(l [][]byte) [][]byte { l[7] = []byte("hello"); return l }, ProblemEdited, 8},
		{"chain stripped from line 4", func(l [][]byte) [][]byte {
			i := bytes.Index(l[3], []byte(`,"chain":`))
			l[3] = append(l[3][:i:i], '}')
			return l
		}, ProblemEdited, 4},
		{"CRLF on line 2", func(l [][]byte) [][]byte { l[1] = append(l[1], '\r'); return l }, ProblemEdited, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep := tamper(t, lines, tc.f)
			if tc.kind == "" {
				if !rep.Intact() || rep.Records != 10 || rep.LastSeq != 10 || rep.Head == "" {
					t.Fatalf("untouched copy: %+v", rep)
				}
				return
			}
			if rep.Intact() {
				t.Fatalf("not detected: %+v", rep)
			}
			p := rep.Problems[0]
			if p.Kind != tc.kind || p.Pos != tc.pos {
				t.Errorf("first problem %+v, want %s at line %d (all: %+v)", p, tc.kind, tc.pos, rep.Problems)
			}
			if tc.kind == ProblemReordered && len(rep.Problems) != 1 {
				t.Errorf("a move is one problem, got %+v", rep.Problems)
			}
		})
	}

	// A head missing (rotation, retention) is a note, not tampering; a
	// truncated tail cannot be seen (the documented limit).
	if rep := tamper(t, lines, func(l [][]byte) [][]byte { return l[3:] }); !rep.Intact() || rep.FirstSeq != 4 || len(rep.Notes) == 0 {
		t.Errorf("head removed: %+v", rep)
	}
	if rep := tamper(t, lines, func(l [][]byte) [][]byte { return l[:7] }); !rep.Intact() || rep.LastSeq != 7 {
		t.Errorf("tail removed: %+v", rep)
	}
}

func FuzzVerifyJSONL(f *testing.F) {
	path := filepath.Join(f.TempDir(), "audit.jsonl")
	s, err := OpenFileSink(path)
	if err != nil {
		f.Fatal(err)
	}
	emitN(f, s, 0, 3)
	good, _ := os.ReadFile(path)
	f.Add(good)
	f.Add([]byte("{}\n{\"chain\":{\"seq\":1,\"prev\":\"\"}}\n"))
	f.Add([]byte(`{"chain":{"seq":18446744073709551615,"prev":""}}` + "\n" + `{"chain":{"seq":1,"prev":"00"}}`))
	f.Add([]byte("not json\n\n\n{"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rep, err := VerifyJSONL(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if rep.Records < 0 || rep.Records > int64(bytes.Count(data, []byte("\n"))+1) {
			t.Fatalf("records %d", rep.Records)
		}
		// Any record content chained by the sink verifies intact.
		var h ChainHead
		var out []byte
		for _, line := range bytes.Split(data, []byte("\n")) {
			if rec, err := parseRecord(line); err != nil || rec.Chain != nil {
				continue
			}
			out, h = h.Append(out, line)
			out = append(out, '\n')
		}
		if rep, _ := VerifyJSONL(bytes.NewReader(out)); !rep.Intact() || rep.LastSeq != h.Seq {
			t.Fatalf("a sink-made chain failed: %+v\n%s", rep, out)
		}
	})
}

// BenchmarkChainAppend is what chaining adds to each record a sink
// writes: copying the encoded event with the chain field and hashing it.
func BenchmarkChainAppend(b *testing.B) {
	ev := sampleEvent()
	Normalize(ev)
	enc, _ := encodeEvent(ev)
	buf := make([]byte, 0, 2048)
	var h ChainHead
	b.SetBytes(int64(len(enc)))
	b.ReportAllocs()
	for b.Loop() {
		buf, h = h.Append(buf[:0], enc)
	}
}
