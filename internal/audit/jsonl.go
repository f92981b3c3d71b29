package audit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// Redactor rewrites a serialized event (one JSON object, no trailing
// newline) before it reaches a sink, e.g. to scrub secrets; see
// [NewRedactor]. It must return valid JSON and must not retain its argument.
type Redactor func([]byte) []byte

// SinkOption configures a sink (the JSONL sinks here and the store sink).
type SinkOption func(*SinkOptions)

// SinkOptions is the resolved option set. Sinks in other packages obtain it
// with [ApplySinkOptions].
type SinkOptions struct {
	// Redactor, if non-nil, is applied to every serialized event.
	Redactor Redactor
	// Sync makes file sinks fsync after every write (slower, survives power
	// loss). Sinks whose writer cannot sync ignore it.
	Sync bool
	// OnGap, if non-nil, receives each gap event (type [TypeGap]) a sink
	// has written into its own stream, so it can be recorded in another
	// stream too (the write-behind store tells the JSONL file what it
	// lost). It is called from the sink's writer, never concurrently.
	OnGap func(*Event)
}

// WithRedactor sets a redactor applied to each serialized event.
func WithRedactor(r Redactor) SinkOption { return func(o *SinkOptions) { o.Redactor = r } }

// WithGapHandler sets [SinkOptions.OnGap].
func WithGapHandler(f func(*Event)) SinkOption { return func(o *SinkOptions) { o.OnGap = f } }

// WithSync makes the sink fsync after each write when its writer supports it.
func WithSync(sync bool) SinkOption { return func(o *SinkOptions) { o.Sync = sync } }

// ApplySinkOptions resolves opts (nil entries are skipped).
func ApplySinkOptions(opts ...SinkOption) SinkOptions {
	var o SinkOptions
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	return o
}

// MarshalEvent normalizes ev (see [Normalize]) and returns its JSON encoding
// with the redactor (if any) applied. It is the single serialization used by
// all sinks, so the file and the store hold the same bytes.
func MarshalEvent(ev *Event, redact Redactor) ([]byte, error) {
	if ev == nil {
		return nil, ErrNilEvent
	}
	b := ev.enc
	if b == nil {
		Normalize(ev)
		var err error
		if b, err = encodeEvent(ev); err != nil {
			return nil, err
		}
	}
	if redact != nil {
		b = redact(b)
	}
	return b, nil
}

// jsonlSink writes one JSON object per line, each line chained to the one
// before it (see [Chain]).
type jsonlSink struct {
	name   string
	opts   SinkOptions
	closer io.Closer // nil if the sink does not own the writer

	mu          sync.Mutex
	w           io.Writer
	closed      bool
	needNewline bool      // a previous write failed part-way through a line
	head        ChainHead // the last line written
	gap         Gap       // events not written since the last successful write

	written, failed, dropped atomic.Uint64
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

// NewJSONLSink returns a sink that writes each event as one JSON line to w.
// Each Write call (one event, or a batch) is serialized first and then
// handed to w in a single Write under a mutex, so concurrent callers never
// interleave partial lines. The lines are chained from seq 1. The sink does
// not close w.
func NewJSONLSink(w io.Writer, opts ...SinkOption) Sink {
	return &jsonlSink{name: "jsonl", w: w, opts: ApplySinkOptions(opts...)}
}

// maxTailLine bounds how far back OpenFileSink looks for the last line.
const maxTailLine = 256 << 20

// OpenFileSink opens (creating with mode 0600 if needed) path for appending
// and returns a JSONL sink on it; Close closes the file. With O_APPEND each
// write lands at the end of the file even if other processes append too.
// The path "-" means standard output (never closed by the sink). An existing
// file keeps its permissions.
//
// The chain continues from the file's last complete line (its seq and the
// hash of its bytes). A last line without a newline was torn by a crash in
// the middle of a write: it is left as it is, terminated, and followed by a
// gap event (torn_line: true) that records it, so the file says what
// happened. Only one process may write a given file: two writers would fork
// its chain.
func OpenFileSink(path string, opts ...SinkOption) (Sink, error) {
	o := ApplySinkOptions(opts...)
	if path == "-" {
		o.Sync = false // fsync on a pipe or terminal fails; stdout is best effort
		return &jsonlSink{name: "jsonl:stdout", w: os.Stdout, opts: o}, nil
	}
	if path == "" {
		return nil, errors.New("audit: empty file sink path")
	}
	readable := true
	f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		// A file the gateway may append to but not read: write without
		// continuing its chain.
		readable = false
		if f, err = os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600); err != nil {
			return nil, fmt.Errorf("audit: open file sink: %w", err)
		}
	}
	s := &jsonlSink{name: "jsonl:" + path, w: f, closer: f, opts: o}
	if readable {
		if err := s.continueChain(f); err != nil {
			f.Close()
			return nil, fmt.Errorf("audit: open file sink %s: %w", path, err)
		}
	}
	return s, nil
}

// continueChain reads the end of a regular file to continue its chain and
// records a torn last line with a gap event.
func (s *jsonlSink) continueChain(f *os.File) error {
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() || st.Size() == 0 {
		return nil // a pipe or device, or a new file: a fresh chain
	}
	size := st.Size()
	var last, torn []byte
	for window := int64(64 << 10); ; window *= 2 {
		off := max(0, size-window)
		buf := make([]byte, size-off)
		if _, err := f.ReadAt(buf, off); err != nil && err != io.EOF {
			return fmt.Errorf("read last line: %w", err)
		}
		lastNL := bytes.LastIndexByte(buf, '\n')
		prevNL := -1
		if lastNL >= 0 {
			prevNL = bytes.LastIndexByte(buf[:lastNL], '\n')
		}
		if off > 0 && prevNL < 0 {
			// The last complete line starts before the window.
			if window >= maxTailLine {
				return fmt.Errorf("the last line is longer than %d MiB", maxTailLine>>20)
			}
			continue
		}
		if lastNL >= 0 {
			last = buf[prevNL+1 : lastNL]
			s.head = HeadOf(last)
		}
		torn = buf[lastNL+1:]
		break
	}
	if len(torn) == 0 {
		return nil
	}
	s.needNewline = true
	s.gap.Torn, s.gap.TornBytes = true, len(torn)
	s.gap.Add(eventIDIn(torn), time.Time{}, "torn last line found when the file was opened: the previous writer stopped in the middle of a write")
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.writeLocked(nil, nil)
}

// eventIDIn finds the event_id at the start of a torn record, if it got
// that far ("" otherwise).
func eventIDIn(rec []byte) string {
	const key = `"event_id":"`
	i := bytes.Index(rec, []byte(key))
	if i < 0 {
		return ""
	}
	rest := rec[i+len(key):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 || j > 64 {
		return ""
	}
	return string(rest[:j])
}

func (s *jsonlSink) Name() string { return s.name }

// Stats implements [StatsSink]. Dropped counts events a failed write did
// not put in the file (their calls failed closed); each is counted in the
// gap event the next successful write records.
func (s *jsonlSink) Stats() SinkStats {
	return SinkStats{Sink: s.name, Written: s.written.Load(), Failed: s.failed.Load(), Dropped: s.dropped.Load()}
}

func (s *jsonlSink) Write(_ context.Context, events ...*Event) error {
	if len(events) == 0 {
		return nil
	}
	var one [1][]byte
	recs := one[:0]
	if len(events) > 1 {
		recs = make([][]byte, 0, len(events))
	}
	for _, ev := range events {
		b, err := MarshalEvent(ev, s.opts.Redactor)
		if err != nil {
			return err
		}
		recs = append(recs, b)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	return s.writeLocked(events, recs)
}

// lineMark is where one record sits in a write buffer.
type lineMark struct {
	start, end int // the record's bytes, without the newline
	head       ChainHead
	ev         *Event // nil for the gap record
}

// writeLocked writes a pending gap event (if any) and recs (the serialized
// events) in one Write, chained from s.head. What reached the file stays
// counted even when the write fails part-way: the head advances over
// complete records, and the rest is counted in the gap.
func (s *jsonlSink) writeLocked(events []*Event, recs [][]byte) error {
	bp := bufPool.Get().(*[]byte)
	buf := (*bp)[:0]
	defer func() {
		if cap(buf) <= 1<<20 { // do not pin huge buffers
			*bp = buf[:0]
			bufPool.Put(bp)
		}
	}()
	if s.needNewline {
		// Terminate the torn line left by a failed write so this batch
		// starts on a line of its own. One extra byte in the same write.
		buf = append(buf, '\n')
	}
	var marksArr [2]lineMark
	marks := marksArr[:0]
	head := s.head
	add := func(rec []byte, ev *Event) {
		start := len(buf)
		buf, head = head.Append(buf, rec)
		marks = append(marks, lineMark{start: start, end: len(buf), head: head, ev: ev})
		buf = append(buf, '\n')
	}
	if s.gap.Pending() {
		g, err := MarshalEvent(s.gap.Event(s.name), s.opts.Redactor)
		if err != nil {
			return err
		}
		add(g, nil)
	}
	for i, rec := range recs {
		add(rec, events[i])
	}
	if len(marks) == 0 {
		return nil
	}
	n, err := s.w.Write(buf)
	if err == nil && n < len(buf) {
		err = io.ErrShortWrite
	}
	if n < 0 {
		n = 0
	}
	if err == nil {
		s.head, s.needNewline = head, false
		s.written.Add(uint64(len(marks)))
		if marks[0].ev == nil {
			s.gap = Gap{}
		}
		if s.opts.Sync {
			if sy, ok := s.w.(interface{ Sync() error }); ok {
				if err := sy.Sync(); err != nil {
					return fmt.Errorf("audit: sync %s: %w", s.name, err)
				}
			}
		}
		return nil
	}
	s.failed.Add(1)
	// Keep what reached the file: complete records stay in the chain.
	reason := "write failed: " + err.Error()
	torn := 0
	for _, m := range marks {
		if m.end <= n {
			s.head = m.head
			s.written.Add(1)
			if m.ev == nil {
				s.gap = Gap{}
			}
			continue
		}
		if m.start < n {
			torn = n - m.start
		}
		if m.ev != nil {
			s.gap.Add(m.ev.EventID, m.ev.Time, reason)
			s.dropped.Add(1)
		}
	}
	s.gap.SetReason(reason)
	if torn > 0 {
		s.gap.Torn, s.gap.TornBytes = true, torn
	}
	s.needNewline = (n > 0 && buf[n-1] != '\n') || (n == 0 && s.needNewline)
	return fmt.Errorf("audit: write %s: %w", s.name, err)
}

func (s *jsonlSink) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if s.closer != nil {
		return s.closer.Close()
	}
	return nil
}
